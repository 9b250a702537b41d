import AutoDiff
import CLIP
import Foundation

/// `metaprompt bench kernels|clip`: measured speed, validated first, in release builds.
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "measure kernels (build with -c release)"
    static let usage = """
        usage: metaprompt bench kernels [--threads N] [--repeats N]
               metaprompt bench clip [--model vit-b16|vit-b32|vit-l14] [--batch B] [--threads N] [--repeats N]
               metaprompt bench step [--model M] [--batch B] [--classes C] [--threads N] [--repeats N]
               metaprompt bench scaling [--model M] [--steps N] [--tasks-per-rank K] [--first-order]

        kernels — times, in this process: raw sgemm at ViT-B/16 MLP shapes (197×768·768×3072 and
        197×3072·3072×768); the engine's linear layer forward + backward on the same shapes as
        a fraction of the three raw sgemm calls it needs; attention forward + backward
        (12 heads, 197 tokens, 64 dims); and the engine's overhead per small op.
        Results are validated against a naive reference before timing. Build with
        'swift build -c release': debug builds are 10-50x slower.

        clip — random weights with the real shapes of the chosen CLIP (no checkpoint needed):
        sgemm GFLOP/s at the model's MLP shape, the image tower's forward ms/image, forward +
        backward to IVLP deep prompts (4 tokens, depth 9) ms/image with achieved GFLOP/s as a
        fraction of sgemm, and the text tower per class prompt ("X X X X <class>.").

        step — one ProMetaR iteration (IVLP 4+4 tokens, depth 9+9, two classes in the batch,
        C classes, random weights): seconds per iteration (wall and CPU) and peak RSS, second-
        and first-order, each order in its own process.

        scaling — weak scaling of ProMetaR under mpirun: launches -np 1 and -np 2 (T = ranks ×
        K tasks per step, random weights, one BLAS thread per rank) and prints tasks/s, the
        efficiency 1 → 2 ranks and the share of a step spent combining meta-gradients.

        options:
          --model M     vit-b16 (default), vit-b32 or vit-l14   (clip)
          --batch B     images per forward pass (default 4)      (clip, step)
          --classes C   classes of the task (default 10)         (step)
          --order O     second or first: one order only           (step)
          --threads N   OpenBLAS threads (default 1: one per rank, as training runs)
          --repeats N   timed repetitions per measurement; the median is reported (default 10)
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["threads", "repeats", "model", "batch", "classes", "order", "steps", "tasks-per-rank"],
                                 flags: ["worker", "first-order"])
        if args.wantsHelp { print(usage); return }
        BLAS.setThreadCount(try args.int("threads", default: 1, in: 1...1024))
        switch args.positional {
        case ["kernels"]:
            try KernelBenchmark(repeats: try args.int("repeats", default: 10, in: 1...10_000)).run()
        case ["clip"]:
            let (name, configuration) = try modelConfiguration(args)
            try CLIPBenchmark(name: name, configuration: configuration, batch: try args.int("batch", default: 4, in: 1...1024),
                              repeats: try args.int("repeats", default: 3, in: 1...10_000)).run()
        case ["step"]:
            let (_, configuration) = try modelConfiguration(args)
            let bench = StepBenchmark(configuration: configuration, batch: try args.int("batch", default: 4, in: 2...1024),
                                      classes: try args.int("classes", default: 10, in: 2...100_000),
                                      repeats: try args.int("repeats", default: 3, in: 1...10_000))
            switch args.string("order") {
            case nil:
                print("ProMetaR step, \(args.string("model") ?? "vit-b16"), batch \(bench.batch), \(bench.classes) classes, OpenBLAS threads \(BLAS.threadCount)")
                var forwarded: [String] = []
                for key in ["model", "batch", "classes", "threads", "repeats"] {
                    if let v = args.string(key) { forwarded += ["--\(key)", v] }
                }
                try StepBenchmark.runBoth(arguments: forwarded)
            case "second": try bench.run(firstOrder: false)
            case "first": try bench.run(firstOrder: true)
            case let other?: throw UsageError("--order must be second or first, got '\(other)'")
            }
        case ["scaling"]:
            let (_, configuration) = try modelConfiguration(args)
            let bench = ScalingBenchmark(configuration: configuration, steps: try args.int("steps", default: 2, in: 1...10_000),
                                         tasksPerRank: try args.int("tasks-per-rank", default: 1, in: 1...1024), firstOrder: args.has("first-order"))
            if args.has("worker") {
                try bench.runWorker()
            } else {
                var forwarded: [String] = []
                for key in ["model", "steps", "tasks-per-rank"] { if let v = args.string(key) { forwarded += ["--\(key)", v] } }
                if args.has("first-order") { forwarded.append("--first-order") }
                try ScalingBenchmark.launch(arguments: forwarded)
            }
        case []:
            throw UsageError("missing benchmark name (kernels, clip, step or scaling)")
        default:
            throw UsageError("unknown benchmark '\(args.positional.joined(separator: " "))'")
        }
    }
}

func modelConfiguration(_ args: Arguments) throws -> (String, CLIPConfiguration) {
    let models = ["vit-b16": CLIPConfiguration.vitB16, "vit-b32": .vitB32, "vit-l14": .vitL14]
    let name = args.string("model") ?? "vit-b16"
    guard let configuration = models[name] else {
        throw UsageError("--model must be one of \(models.keys.sorted().joined(separator: ", ")), got '\(name)'")
    }
    return (name, configuration)
}

/// Median wall time of `body` over `repeats` runs after two warm-up runs.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body(); try body()
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = clock.now
        try body()
        times.append((clock.now - start).seconds)
    }
    return times.sorted()[times.count / 2]
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

struct KernelBenchmark {
    let repeats: Int

    func run() throws {
        var stream = RandomStream(seed: 0, 0xBE7C)
        #if DEBUG
        print("warning: debug build; numbers are not meaningful (use swift build -c release)")
        #endif
        print("OpenBLAS threads: \(BLAS.threadCount), repeats: \(repeats) (median)")

        // The machine's own sgemm speed on a square problem, for scale.
        let n = 1024
        let sa = Tensor.normal([n, n], stream: &stream), sb = Tensor.normal([n, n], stream: &stream)
        let square = rawGemmSeconds(sa.storage, sb.storage, m: n, k: n, n: n, transposeA: false, transposeB: false)
        print(String(format: "sgemm %d×%d×%d: %.1f GFLOP/s", n, n, n, 2 * pow(Double(n), 3) / square / 1e9))

        for (inFeatures, outFeatures) in [(768, 3072), (3072, 768)] {
            try linear(tokens: 197, inFeatures: inFeatures, outFeatures: outFeatures, stream: &stream)
        }
        try attention(heads: 12, tokens: 197, dims: 64, stream: &stream)
        smallOps()
    }

    func rawGemmSeconds(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool) -> Double {
        var c = [Float](repeating: 0, count: m * n)
        return medianSeconds(repeats: repeats) {
            BLAS.sgemm(a, b, &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
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
        let raw = medianSeconds(repeats: repeats) {
            BLAS.sgemm(x.storage, w.storage, &y0, m: t, n: o, k: i, transposeB: true)
            BLAS.sgemm(dy.storage, w.storage, &dx, m: t, n: i, k: o)
            BLAS.sgemm(dy.storage, x.storage, &dw, m: o, n: i, k: t, transposeA: true)
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
        let q = Tensor.normal([1, h, t, d], stream: &stream).requiringGrad()
        let k = Tensor.normal([1, h, t, d], stream: &stream).requiringGrad()
        let v = Tensor.normal([1, h, t, d], stream: &stream).requiringGrad()
        let dy = Tensor.normal([1, h, t, d], stream: &stream)
        // Validate one output row against a naive softmax(q·kᵀ/√d)·v.
        let y = Tensor.attention(query: q, key: k, value: v)
        var scores = (0..<t).map { j in (0..<d).reduce(0.0) { $0 + Double(q.storage[$1]) * Double(k.storage[j * d + $1]) } / Double(d).squareRoot() }
        let top = scores.max()!
        scores = scores.map { Foundation.exp($0 - top) }
        let total = scores.reduce(0, +)
        for c in [0, d - 1] {
            let ref = (0..<t).reduce(0.0) { $0 + scores[$1] / total * Double(v.storage[$1 * d + c]) }
            try expectClose(y.storage[c], ref, "attention output [0, 0, 0, \(c)]")
        }
        let seconds = medianSeconds(repeats: repeats) {
            let y = Tensor.attention(query: q, key: k, value: v)
            _ = gradients(of: y, withRespectTo: [q, k, v], seed: dy)
        }
        // Forward: Q·Kᵀ and P·V, 2·T²·d each per head; backward: four products of that size.
        let flops = Double(h) * 6 * 2 * Double(t * t * d)
        print(String(format: "attention %d heads × %d tokens × %d dims fwd+bwd: %.2f ms (%.1f GFLOP/s in its products)",
                     h, t, d, seconds * 1e3, flops / seconds / 1e9))
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
