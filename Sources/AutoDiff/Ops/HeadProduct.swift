import CBLAS

/// Where each attention head's matrix lies in a tensor of N sequences.
public enum HeadLayout: Sendable {
    /// (N, H, R, C): head h of sequence n is one contiguous R×C matrix.
    case split
    /// (N, R, H·C): the heads side by side in every row, as a projection writes them; head h
    /// is the column block h·C ..< (h + 1)·C, a matrix with row stride H·C.
    case interleaved
}

extension Tensor {
    /// Per-head matrix products `C[n, h] = op(A[n, h])·op(B[n, h])` for N sequences of H
    /// heads, each operand and the result in its own `HeadLayout`: attention's products read
    /// the heads straight out of the projections' (N, T, H·d) rows and write its output back
    /// in that layout, with no permuted copy either way. One sgemm call per (n, h), with the
    /// flags and sizes a contiguous copy would have, so the bits are those of `matmul` on the
    /// permuted operands; the calls are split over the engine's threads.
    ///
    /// Backward: that of `matmul`, each gradient again a head product, in its operand's layout.
    public static func headProduct(_ a: Tensor, _ b: Tensor, heads: Int, layouts: (a: HeadLayout, b: HeadLayout, out: HeadLayout),
                                   transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let ma = HeadMatrices(a, heads: heads, layout: layouts.a), mb = HeadMatrices(b, heads: heads, layout: layouts.b)
        precondition(ma.sequences == mb.sequences, "headProduct of \(a.shape) and \(b.shape): sequence counts differ")
        let (m, k) = transposeA ? (ma.columns, ma.rows) : (ma.rows, ma.columns)
        let (kb, n) = transposeB ? (mb.columns, mb.rows) : (mb.rows, mb.columns)
        precondition(k == kb, "headProduct inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "") over \(heads) heads")
        let out = HeadMatrices(sequences: ma.sequences, heads: heads, rows: m, columns: n, layout: layouts.out)
        let count = ma.sequences * heads
        BLAS.count(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, times: count)
        let storage = a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                makeStorage(out.shape.product) { pc in
                    if k == 0 { for i in 0..<out.shape.product { pc[i] = 0 }; return }
                    if m == 0 || n == 0 { return }
                    let chunks = min(Parallel.chunkCount(work: count * m * n * k), count)
                    Parallel.run(chunks: chunks) { c in
                        for e in (count * c / chunks)..<(count * (c + 1) / chunks) {
                            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                        Int32(m), Int32(n), Int32(k), 1,
                                        pa.baseAddress! + ma.offset(e), Int32(ma.stride), pb.baseAddress! + mb.offset(e), Int32(mb.stride),
                                        0, pc + out.offset(e), Int32(out.stride))
                        }
                    }
                }
            }
        }
        return record("headProduct", shape: out.shape, storage: storage, inputs: [a, b],
                      keeping: [b.requiresGrad, a.requiresGrad]) { g, x, _, needs in
            let (a, b) = (x[0], x[1])
            func product(_ p: Tensor, _ q: Tensor, _ lp: HeadLayout, _ lq: HeadLayout, into lr: HeadLayout,
                         transposeA ta: Bool = false, transposeB tb: Bool = false) -> Tensor {
                headProduct(p, q, heads: heads, layouts: (lp, lq, lr), transposeA: ta, transposeB: tb)
            }
            let (la, lb, lc) = layouts
            var da: Tensor?, db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):  // C = A B
                if needs[0] { da = product(g, b, lc, lb, into: la, transposeB: true) }
                if needs[1] { db = product(a, g, la, lc, into: lb, transposeA: true) }
            case (true, false):  // C = Aᵀ B
                if needs[0] { da = product(b, g, lb, lc, into: la, transposeB: true) }
                if needs[1] { db = product(a, g, la, lc, into: lb) }
            case (false, true):  // C = A Bᵀ
                if needs[0] { da = product(g, b, lc, lb, into: la) }
                if needs[1] { db = product(g, a, lc, la, into: lb, transposeA: true) }
            case (true, true):  // C = Aᵀ Bᵀ
                if needs[0] { da = product(b, g, lb, lc, into: la, transposeA: true, transposeB: true) }
                if needs[1] { db = product(g, a, lc, la, into: lb, transposeA: true, transposeB: true) }
            }
            return [da, db]
        }
    }
}

/// The N·H matrices of a tensor in a `HeadLayout`: where entry e = n·H + h starts, and its
/// row stride.
struct HeadMatrices {
    let sequences, heads, rows, columns: Int
    let layout: HeadLayout

    init(sequences: Int, heads: Int, rows: Int, columns: Int, layout: HeadLayout) {
        (self.sequences, self.heads, self.rows, self.columns, self.layout) = (sequences, heads, rows, columns, layout)
    }

    init(_ t: Tensor, heads: Int, layout: HeadLayout) {
        switch layout {
        case .split:
            precondition(t.rank == 4 && t.shape[1] == heads, "head matrices (N, \(heads), R, C) expected, got \(t.shape)")
            self.init(sequences: t.shape[0], heads: heads, rows: t.shape[2], columns: t.shape[3], layout: layout)
        case .interleaved:
            precondition(t.rank == 3 && heads > 0 && t.shape[2] % heads == 0, "head matrices (N, R, \(heads)·C) expected, got \(t.shape)")
            self.init(sequences: t.shape[0], heads: heads, rows: t.shape[1], columns: t.shape[2] / heads, layout: layout)
        }
    }

    var shape: [Int] {
        switch layout {
        case .split: [sequences, heads, rows, columns]
        case .interleaved: [sequences, rows, heads * columns]
        }
    }
    var stride: Int { layout == .split ? columns : heads * columns }

    func offset(_ e: Int) -> Int {
        switch layout {
        case .split: return e * rows * columns
        case .interleaved: return e / heads * rows * heads * columns + e % heads * columns
        }
    }
}
