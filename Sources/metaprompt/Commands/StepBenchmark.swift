import AutoDiff
import CLIP
import CLIPAdapter
import Evaluation
import Foundation
import MetaLearning
import Training

/// `metaprompt bench step`: one ProMetaR iteration at ViT-B/16 size with random weights.
struct StepBenchmark {
    let configuration: CLIPConfiguration
    let batch: Int
    let classes: Int
    let repeats: Int

    /// Runs the measurement for one order in this process and prints one line.
    func run(firstOrder: Bool) throws {
        var method = try MethodConfiguration.defaults(for: "prometar")
        method.prometar.firstOrder = firstOrder
        let model = CLIPModel.random(configuration, seed: 1)
        var stream = RandomStream(seed: 1, 0x57E9)
        // Class prompts "X X X X <name> ." (two name tokens), as CLIPBenchmark's text prompts.
        let tokens: [[Int]] = (0..<classes).map { k in
            [49406] + Array(repeating: 343, count: method.textTokens) + [1000 + k, 2000 + k, 269, 49407]
                + Array(repeating: 0, count: 77 - method.textTokens - 5)
        }
        let classifier = CLIPClassifier(model: model, classTokens: tokens)
        // The frozen text target is computed once per run, not per iteration: a stand-in here.
        let target = Tensor.normal([classes, configuration.projectionWidth], stream: &stream).l2Normalized()
        let pixels = Tensor.normal([batch, 3, configuration.imageSize, configuration.imageSize], stream: &stream)
        let labels = (0..<batch).map { $0 % 2 }  // two classes: a query class and a support class
        var prompts: [String: Tensor] = [:]
        for (name, shape) in method.promptShapes(textWidth: configuration.text.width, visionWidth: configuration.vision.width) {
            prompts[name] = Tensor.normal(shape, std: 0.02, stream: &stream)
        }
        let regulator = GradientGate.initialWeights(promptShapes: prompts.mapValues(\.shape), dimRate: 8, stream: &stream)
        var state = ProMetaRState(prompts: prompts, regulator: regulator, promptOptimizer: method.promptOptimizer.sgd,
                                  regulatorOptimizer: method.regulatorOptimizer.sgd)
        let drawStream = RandomStream(seed: 1, 0xD4A)
        let draws = ProMetaRMethod(state: state, configuration: method.prometar).draws(labels: labels, stream: drawStream)
        let b = LabelledBatch(pixels: pixels, labels: labels)
        func step() throws {
            _ = try ProMetaR.step(model: classifier, batch: b, textTarget: target, state: &state, draws: draws,
                                  configuration: method.prometar, promptLR: 0.0025, regulatorLR: 0.00025)
        }
        // Two untimed steps (first-touch page faults, warm caches); the second's products, by
        // shape, are the bound's.
        try step()
        BLAS.recordProducts()
        let before = BLAS.flops
        try step()
        let flops = BLAS.flops - before
        let products = BLAS.stopRecordingProducts()
        // Each timed step is followed by its own bound, so a machine whose speed drifts (a
        // shared host) gives each ratio from one stretch of time. CPU seconds too: on a shared
        // machine the wall time also counts waiting for a core.
        let clock = ContinuousClock()
        var runs: [(seconds: Double, cpu: Double, bound: Double)] = []
        for _ in 0..<repeats {
            let start = clock.now, cpuBefore = Self.processCPUSeconds()
            try step()
            let seconds = (clock.now - start).seconds, cpu = Self.processCPUSeconds() - cpuBefore
            let bound = BLAS.withOpenBLASThreads(BLAS.threadCount) {
                products.reduce(0.0) { $0 + Double($1.value) * Self.rawSeconds($1.key) }
            }
            runs.append((seconds, cpu, bound))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let (seconds, cpu, bound) = (median(runs.map(\.seconds)), median(runs.map(\.cpu)), median(runs.map(\.bound)))
        let fraction = median(runs.map { $0.bound / $0.seconds })
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peak = Double(usage.ru_maxrss) / (1024 * 1024)  // KiB → GiB
        let weights = Double(model.weights.values.reduce(0) { $0 + $1.count }) * 4 / Double(1 << 30)
        let order = firstOrder ? "first" : "second"
        print(String(format: "\(order)-order ProMetaR iteration: %.2f s (median of %d; CPU %.2f s), %.0f GFLOP in matrix products (%.1f GFLOP/s), peak RSS %.2f GiB (CLIP weights %.2f GiB)",
                     seconds, repeats, cpu, Double(flops) / 1e9, Double(flops) / seconds / 1e9, peak, weights))
        print(String(format: "  sgemm bound: %.2f s (the step's %d products of %d shapes, each timed as raw sgemm on %d OpenBLAS thread(s) after each timed step: %.1f GFLOP/s); reached %.3f of it (median of the %d steps' ratios)",
                     bound, products.values.reduce(0, +), products.count, BLAS.threadCount, Double(flops) / bound / 1e9, fraction, repeats))
    }

    /// Seconds of one raw `cblas_sgemm` of `product`'s shape on OpenBLAS's own threads, as
    /// many as the engine's (operands in cache, as the engine's often are not: a bound the
    /// step cannot beat): the median of 3 timings (`medianSeconds`), each of enough
    /// back-to-back calls to last 20 ms. The operands' values do not change sgemm's speed.
    static func rawSeconds(_ product: BLAS.Product) -> Double {
        let a = [Float](repeating: 0.5, count: product.m * product.k), b = [Float](repeating: 0.25, count: product.k * product.n)
        var c = [Float](repeating: 0, count: product.m * product.n)
        let call = {
            BLAS.sgemm(a, b, &c, m: product.m, n: product.n, k: product.k, transposeA: product.transposeA,
                       transposeB: product.transposeB)
        }
        let calls = max(1, Int(0.02 / max(medianSeconds(repeats: 1, call), 1e-7)))
        return medianSeconds(repeats: 3) { for _ in 0..<calls { call() } } / Double(calls)
    }

    /// User + system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    /// Runs each order in a child process, so each peak RSS is its own.
    static func runBoth(arguments: [String]) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        fflush(nil)  // the header first, then the children's lines
        for order in ["second", "first"] {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: exe)
            child.arguments = ["bench", "step", "--order", order] + arguments
            try child.run()
            child.waitUntilExit()
            guard child.terminationStatus == 0 else { throw BenchmarkError(description: "bench step --order \(order) failed") }
        }
    }
}
