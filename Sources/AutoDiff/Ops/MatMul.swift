// Matrix products on OpenBLAS sgemm, with transposes folded into the BLAS call rather than
// materialised.

extension Tensor {
    /// Batched matrix product `op(a)·op(b)` over the last two axes (PyTorch `matmul`).
    ///
    /// `a` is (…, M, K) — or (…, K, M) with `transposeA` — and `b` is (…, K, N) — or
    /// (…, N, K) with `transposeB`. Leading (batch) axes must be equal, or one operand is a
    /// plain matrix shared by every batch entry. Result: (…, M, N).
    ///
    /// Backward (C = AB): dA = dC·Bᵀ, dB = Aᵀ·dC, each again a `matmul` with flags, so the
    /// rule is differentiable; a shared matrix's gradient is summed over the batch.
    ///
    /// `rows`: the rows of `a` (a plain, untransposed matrix, or a batch of rows folded into
    /// one) are that block of a larger product whose rows are split over ranks; each row then
    /// gets the bits it has there (see `RowAlignedProduct`), and so does the row gradient dA of
    /// the backward rule.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false,
                              transposeB: Bool = false, rows: RowBlock? = nil) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        // A batch of rows times one matrix is a single tall product: fold the batch in.
        if b.rank == 2 && a.rank > 2 && !transposeA {
            let k = a.shape[a.rank - 1]
            let flat = matmul(a.reshaped([-1, k]), b, transposeB: transposeB, rows: rows)
            return flat.reshaped(Array(a.shape.dropLast()) + [flat.shape[1]])
        }
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(k == kb, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        precondition(batchA == batchB || batchA.isEmpty || batchB.isEmpty,
                     "matmul batch axes differ: \(a.shape) · \(b.shape)")
        let batch = batchA.isEmpty ? batchB : batchA
        let count = batch.product
        precondition(rows == nil || (batch.isEmpty && !transposeA), "matmul: a row block needs a plain, untransposed left matrix, got \(a.shape)\(transposeA ? "ᵀ" : "")")
        let strideA = batchA.isEmpty ? 0 : m * k, strideB = batchB.isEmpty ? 0 : k * n
        let storage = a.storage.withUnsafeBufferPointer { aa in
            b.storage.withUnsafeBufferPointer { bb in
                makeStorage(count * m * n) { out in
                    if k == 0 { for i in 0..<(count * m * n) { out[i] = 0 }; return }
                    if m == 0 || n == 0 { return }
                    parallelProducts(aa.baseAddress!, bb.baseAddress!, out, count: count, m: m, n: n, k: k,
                                     transposeA: transposeA, transposeB: transposeB, strideA: strideA, strideB: strideB, rows: rows)
                }
            }
        }
        let shapeA = a.shape, shapeB = b.shape
        // dA reads B and dB reads A: keep each operand only if the other may need its gradient.
        return record("matmul", shape: batch + [m, n], storage: storage, inputs: [a, b],
                      keeping: [b.requiresGrad, a.requiresGrad]) { g, x, _, needs in
            let (a, b) = (x[0], x[1])
            var da: Tensor?, db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):  // C = A B
                if needs[0] { da = matmul(g, b, transposeB: true, rows: rows) }
                if needs[1] { db = matmul(a, g, transposeA: true) }
            case (true, false):  // C = Aᵀ B
                if needs[0] { da = matmul(b, g, transposeB: true) }
                if needs[1] { db = matmul(a, g) }
            case (false, true):  // C = A Bᵀ
                if needs[0] { da = matmul(g, b, rows: rows) }
                if needs[1] { db = matmul(g, a, transposeA: true) }
            case (true, true):  // C = Aᵀ Bᵀ
                if needs[0] { da = matmul(b, g, transposeA: true, transposeB: true) }
                if needs[1] { db = matmul(g, a, transposeA: true, transposeB: true) }
            }
            return [da?.sum(toShape: shapeA), db?.sum(toShape: shapeB)]
        }
    }

    /// A fully connected layer, PyTorch `nn.Linear` semantics: `x·Wᵀ + b` with
    /// `weight` (out, in), `bias` (out), `x` (…, in) → (…, out).
    /// `rows`: as for `matmul`, the block of a larger product x's rows are.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, rows: RowBlock? = nil) -> Tensor {
        let y = matmul(x, weight, transposeB: true, rows: rows)
        return bias.map { y + $0 } ?? y
    }
}
