import AutoDiff
import Foundation

/// `metaprompt bench kernels`: sgemm, the engine's linear layer and attention, and its
/// per-op overhead.
struct KernelBenchmark {
    let repeats: Int

    func run() throws {
        var stream = RandomStream(seed: 0, 0xBE7C)
        #if DEBUG
        print("warning: debug build; numbers are not meaningful (use swift build -c release)")
        #endif
        print("threads: \(BLAS.threadCount), repeats: \(repeats) (median)")

        // The machine's own sgemm speed on a square problem, for scale.
        let n = 1024
        let sa = Tensor.normal([n, n], stream: &stream), sb = Tensor.normal([n, n], stream: &stream)
        let square = rawGemmSeconds(sa.storage, sb.storage, m: n, k: n, n: n, transposeA: false, transposeB: false)
        print(String(format: "sgemm %d×%d×%d: %.1f GFLOP/s", n, n, n, 2 * pow(Double(n), 3) / square / 1e9))

        for (inFeatures, outFeatures) in [(768, 3072), (3072, 768)] {
            try linear(tokens: 197, inFeatures: inFeatures, outFeatures: outFeatures, stream: &stream)
        }
        try attention(heads: 12, tokens: 197, dims: 64, stream: &stream)
        pointwise(stream: &stream)
        smallOps()
    }

    func rawGemmSeconds(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool) -> Double {
        var c = [Float](repeating: 0, count: m * n)
        // Raw: OpenBLAS on its own threads, as many as the engine's.
        return BLAS.withOpenBLASThreads(BLAS.threadCount) {
            medianSeconds(repeats: repeats) {
                BLAS.sgemm(a, b, &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
            }
        }
    }

    /// y = x·Wᵀ + b, then dx = dy·W, dW = dyᵀ·x, db = Σ dy: three sgemm calls of 2·T·I·O flops.
    func linear(tokens t: Int, inFeatures i: Int, outFeatures o: Int, stream: inout RandomStream) throws {
        let x = Tensor.normal([t, i], stream: &stream).requiringGrad()
        let w = Tensor.normal([o, i], std: 0.02, stream: &stream).requiringGrad()
        let b = Tensor.normal([o], stream: &stream).requiringGrad()
        let dy = Tensor.normal([t, o], stream: &stream)

        // Validate against a naive double-precision reference on a sample of entries.
        let y = Tensor.linear(x, weight: w, bias: b)
        let g = gradients(of: y, withRespectTo: [x, w, b], seed: dy)
        for (r, c) in [(0, 0), (t - 1, o - 1), (t / 2, o / 3)] {
            var ref = Double(b.storage[c])
            for k in 0..<i { ref += Double(x.storage[r * i + k]) * Double(w.storage[c * i + k]) }
            try expectClose(y.storage[r * o + c], ref, "linear forward [\(r), \(c)]")
            var dw = 0.0
            for s in 0..<t { dw += Double(dy.storage[s * o + c]) * Double(x.storage[s * i + r % i]) }
            try expectClose(g[1].storage[c * i + r % i], dw, "linear dW [\(c), \(r % i)]")
        }

        // The same three products, back to back into preallocated outputs, as one timed unit.
        var y0 = [Float](repeating: 0, count: t * o), dx = [Float](repeating: 0, count: t * i)
        var dw = [Float](repeating: 0, count: o * i)
        let raw = BLAS.withOpenBLASThreads(BLAS.threadCount) {
            medianSeconds(repeats: repeats) {
                BLAS.sgemm(x.storage, w.storage, &y0, m: t, n: o, k: i, transposeB: true)
                BLAS.sgemm(dy.storage, w.storage, &dx, m: t, n: i, k: o)
                BLAS.sgemm(dy.storage, x.storage, &dw, m: o, n: i, k: t, transposeA: true)
            }
        }
        let engine = medianSeconds(repeats: repeats) {
            let y = Tensor.linear(x, weight: w, bias: b)
            _ = gradients(of: y, withRespectTo: [x, w, b], seed: dy)
        }
        let flops = 3 * 2 * Double(t * i * o)
        print(String(format: "linear %d×%d→%d fwd+bwd: raw sgemm ×3 %.2f ms (%.1f GFLOP/s), engine %.2f ms (%.1f GFLOP/s) = %.0f%% of raw",
                     t, i, o, raw * 1e3, flops / raw / 1e9, engine * 1e3, flops / engine / 1e9, 100 * raw / engine))
    }

    func attention(heads h: Int, tokens t: Int, dims d: Int, stream: inout RandomStream) throws {
        let q = Tensor.normal([1, t, h * d], stream: &stream).requiringGrad()
        let k = Tensor.normal([1, t, h * d], stream: &stream).requiringGrad()
        let v = Tensor.normal([1, t, h * d], stream: &stream).requiringGrad()
        let dy = Tensor.normal([1, t, h * d], stream: &stream)
        // Validate one output row against a naive softmax(q·kᵀ/√d)·v.
        let y = Tensor.attention(query: q, key: k, value: v, heads: h)
        var scores = (0..<t).map { j in (0..<d).reduce(0.0) { $0 + Double(q.storage[$1]) * Double(k.storage[j * h * d + $1]) } / Double(d).squareRoot() }
        let top = scores.max()!
        scores = scores.map { Foundation.exp($0 - top) }
        let total = scores.reduce(0, +)
        for c in [0, d - 1] {
            let ref = (0..<t).reduce(0.0) { $0 + scores[$1] / total * Double(v.storage[$1 * h * d + c]) }
            try expectClose(y.storage[c], ref, "attention output [0, 0, \(c)] (head 0)")
        }
        let seconds = medianSeconds(repeats: repeats) {
            let y = Tensor.attention(query: q, key: k, value: v, heads: h)
            _ = gradients(of: y, withRespectTo: [q, k, v], seed: dy)
        }
        // Forward: Q·Kᵀ and P·V, 2·T²·d each per head; backward: four products of that size.
        let flops = Double(h) * 6 * 2 * Double(t * t * d)
        print(String(format: "attention %d heads × %d tokens × %d dims fwd+bwd: %.2f ms (%.1f GFLOP/s in its products)",
                     h, t, d, seconds * 1e3, flops / seconds / 1e9))
    }

    /// The kernels that are not matrix products, at a ViT-B/16 step's shapes (4 images of 197
    /// tokens): each one's forward value alone, in ns per output element.
    func pointwise(stream: inout RandomStream) {
        let hidden = Tensor.normal([4 * 197, 3072], stream: &stream), g = Tensor.normal([4 * 197, 3072], stream: &stream)
        let rows = Tensor.normal([4 * 197, 768], stream: &stream), rowsG = Tensor.normal([4 * 197, 768], stream: &stream)
        let weight = Tensor.normal([768], stream: &stream), bias = Tensor.normal([768], stream: &stream)
        let scores = Tensor.normal([4 * 12 * 197, 197], stream: &stream), scoresG = Tensor.normal([4 * 12 * 197, 197], stream: &stream)
        let probabilities = scores.softmax()
        let cases: [(String, Int, () -> Tensor)] = [
            ("quickGELU (788×3072)", hidden.count, { hidden.quickGELU() }),
            ("quickGELU input gradient", hidden.count, { g.quickGELUInputGradient(at: hidden) }),
            ("add, equal shapes (788×3072)", hidden.count, { hidden + g }),
            ("add a bias row (788×768 + 768)", rows.count, { rows + bias }),
            ("multiply, equal shapes (788×3072)", hidden.count, { hidden * g }),
            ("softmax (9456×197)", scores.count, { scores.softmax() }),
            ("softmax input gradient", scores.count, { scoresG.softmaxInputGradient(output: probabilities) }),
            ("layer norm (788×768)", rows.count, { rows.layerNorm(weight: weight, bias: bias) }),
            ("layer norm input gradient", rows.count, { rowsG.layerNormInputGradient(at: rows, epsilon: 1e-5) }),
        ]
        for (name, count, op) in cases {
            let seconds = medianSeconds(repeats: repeats) { _ = op() }
            print(String(format: "%@: %.2f ns/element (%.2f ms)", name, seconds / Double(count) * 1e9, seconds * 1e3))
        }
    }

    func smallOps() {
        let a = Tensor(shape: [4], values: [1, 2, 3, 4]), b = Tensor(shape: [4], values: [4, 3, 2, 1])
        let count = 20_000
        let constant = medianSeconds(repeats: repeats) {
            var y = a
            for _ in 0..<count { y = y + b }
            _ = y
        }
        let leaf = a.requiringGrad()
        let recorded = medianSeconds(repeats: repeats) {
            var y = leaf
            for _ in 0..<count { y = y + b }
            _ = gradients(of: y.sum(), withRespectTo: [leaf])
        }
        print(String(format: "small op (4-element add): %.2f µs untracked, %.2f µs recorded forward + backward",
                     constant / Double(count) * 1e6, recorded / Double(count) * 1e6))
    }

    func expectClose(_ value: Float, _ reference: Double, _ what: String) throws {
        // fp32 sums of up to 3072 products of order-1 terms: ~1e-4 relative to the term scale.
        guard Swift.abs(Double(value) - reference) <= 1e-3 * Swift.max(1, Swift.abs(reference)) else {
            throw BenchmarkError(description: "\(what): engine \(value), naive reference \(reference)")
        }
    }
}
