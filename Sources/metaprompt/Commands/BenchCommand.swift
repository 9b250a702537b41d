import AutoDiff
import CPUGuard
import CLIP
import Foundation

/// `metaprompt bench kernels|clip|step|scaling|features`: measured speed, validated first, in release builds.
struct BenchCommand: Command {
    static let configuration = CommandConfiguration(
        name: "bench",
        summary: "measure kernels (build with -c release)",
        discussion: """
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
            and first-order, each order in its own process, and its sgemm bound: the step's own
            products (recorded by shape) timed as raw sgemm on as many OpenBLAS threads after each
            timed step, and the fraction of that bound the step reaches (median of the ratios).

            scaling — weak scaling of ProMetaR under mpirun: launches -np 1 and -np 2 (T = ranks ×
            K tasks per step, random weights, one BLAS thread per rank) and prints tasks/s, the
            efficiency 1 → 2 ranks and the share of a step spent combining meta-gradients.
            With --strong: one run's step (T = 1) of --method with the images and class prompts
            split over the ranks as train splits them, at each of --ranks (default 1,2); prints
            seconds per step, the speedups, and whether the parameters after the steps are
            identical at every rank count (the command fails if they are not).

            features — GRAM's frozen features of --pairs with the CLIP in --clip, under mpirun as
            train --method gram computes them (fixed chunks of 32 over the ranks, gathered, written
            by rank 0): pairs/s, the largest rank's peak resident memory, the file's size, and the
            projected hours of --project-pairs on --project-ranks at the measured rate per rank,
            for this model and for ViT-B/16.
            """)

    enum Benchmark: String, EnumeratedOptionValue {
        case kernels, clip, step, scaling, features
    }

    /// The CLIP shapes the benchmarks build (random weights).
    enum Model: String, EnumeratedOptionValue {
        case vitB16 = "vit-b16", vitB32 = "vit-b32", vitL14 = "vit-l14"

        var configuration: CLIPConfiguration {
            switch self {
            case .vitB16: .vitB16
            case .vitB32: .vitB32
            case .vitL14: .vitL14
            }
        }
    }

    /// `--order`'s words: which order `bench step` measures.
    enum Order: String, EnumeratedOptionValue {
        case second, first
    }

    @Argument(help: "the benchmark (see above)") var benchmark: Benchmark
    @Option(help: "the CLIP shapes (clip, step, scaling)") var model: Model = .vitB16
    @Option(valueName: "B", help: "images per forward pass (clip; step, at least 2)", in: 1...1024) var batch: Int = 4
    @Option(valueName: "C", help: "classes of the task (step)", in: 2...100_000) var classes: Int = 10
    @Option(help: "one order only, in this process (step; default: both, each in its own process)") var order: Order?
    @OptionGroup var threading: ThreadOptions
    @Option(help: "timed repetitions per measurement, the median reported: 10 for kernels and 3 for clip and step unless given",
            in: 1...10_000)
    var repeats: Int?
    @Option(help: "timed steps per rank count (scaling)", in: 1...10_000) var steps: Int = 2
    @Option(valueName: "K", help: "tasks per rank in a step (scaling)", in: 1...1024) var tasksPerRank: Int = 1
    @Flag(help: "first-order ProMetaR (scaling)") var firstOrder = false
    @Flag(help: "strong scaling: one run's step split over the ranks (scaling)") var strong = false
    @Option(help: "the method (scaling --strong)") var method: StrongScalingBenchmark.Method = .prometar
    @Option(valueName: "LIST", help: "rank counts, comma-separated, the first the baseline (scaling --strong)") var ranks: String = "1,2"
    @Flag(help: "run as one rank of the scaling job (scaling launches these under mpirun)") var worker = false
    @Option(valueName: "FILE", help: "the image-caption pairs (features; e.g. a world's pretrain/pairs.tsv)") var pairs: String?
    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory (features)") var clip: String?
    @Option(valueName: "FILE", help: "keep the feature file there (features; default a temporary file, removed)") var featuresFile: String?
    @Option(valueName: "N", help: "pairs of the projection (features; CC3M's 3.3 million)", in: 1...10_000_000_000) var projectPairs: Int = 3_318_333
    @Option(valueName: "R", help: "ranks of the projection (features)", in: 1...1_000_000) var projectRanks: Int = 64

    func validate() throws {
        if strong && (rankCounts == nil || rankCounts!.isEmpty) {
            throw UsageError("--ranks must be positive rank counts separated by commas, got '\(ranks)'")
        }
        if benchmark == .features && (pairs == nil || clip == nil) { throw UsageError("features needs --pairs FILE and --clip DIR") }
        if benchmark == .step && batch < 2 {
            throw UsageError("--batch must be at least 2 for step (a query class and a support class), got \(batch)")
        }
    }

    var rankCounts: [Int]? {
        let counts = ranks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return counts.allSatisfy { ($0 ?? 0) >= 1 } ? counts.map { $0! } : nil
    }

    func run() throws {
        threading.apply()
        // Once per job: not in scaling's ranks, nor in the two children `bench step` starts.
        if !worker && !(benchmark == .step && order != nil) {
            print("Swift code compiled for \(String(cString: metaprompt_instruction_set()))")
        }
        switch benchmark {
        case .kernels:
            try KernelBenchmark(repeats: repeats ?? 10).run()
        case .clip:
            try CLIPBenchmark(name: model.rawValue, configuration: model.configuration, batch: batch, repeats: repeats ?? 3).run()
        case .step:
            let bench = StepBenchmark(configuration: model.configuration, batch: batch, classes: classes, repeats: repeats ?? 3)
            switch order {
            case nil:
                print("ProMetaR step, \(model.rawValue), batch \(bench.batch), \(bench.classes) classes, threads \(BLAS.threadCount)")
                try StepBenchmark.runBoth(arguments: ["--model", model.rawValue, "--batch", "\(batch)", "--classes", "\(classes)",
                                                      "--threads", "\(threading.threads)", "--repeats", "\(bench.repeats)"])
            case .second: try bench.run(firstOrder: false)
            case .first: try bench.run(firstOrder: true)
            }
        case .scaling where strong:
            let bench = StrongScalingBenchmark(configuration: model.configuration, method: method, steps: steps, batch: batch,
                                               classes: classes, firstOrder: firstOrder)
            if worker {
                try bench.runWorker()
            } else {
                try StrongScalingBenchmark.launch(ranks: rankCounts!, arguments: [
                    "--model", model.rawValue, "--method", method.rawValue, "--steps", "\(steps)", "--batch", "\(batch)",
                    "--classes", "\(classes)"] + (firstOrder ? ["--first-order"] : []))
            }
        case .features:
            let bench = FeaturesBenchmark(pairs: pairs!, modelDirectory: clip!, output: featuresFile, projectedPairs: projectPairs, projectedRanks: projectRanks)
            try launch { try bench.run(communicator: $0) }
        case .scaling:
            let bench = ScalingBenchmark(configuration: model.configuration, steps: steps, tasksPerRank: tasksPerRank, firstOrder: firstOrder)
            if worker {
                try bench.runWorker()
            } else {
                try ScalingBenchmark.launch(arguments: ["--model", model.rawValue, "--steps", "\(steps)", "--tasks-per-rank", "\(tasksPerRank)"]
                                            + (firstOrder ? ["--first-order"] : []))
            }
        }
    }
}
