import AutoDiff
import CBLAS
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

        kernels — times, in this process: raw cblas_sgemm at ViT-B/16 MLP shapes (197×768·768×3072 and
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
