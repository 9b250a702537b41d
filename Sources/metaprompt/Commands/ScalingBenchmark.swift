import AutoDiff
import CLIP
import CLIPAdapter
import Distributed
import Evaluation
import Foundation
import MetaLearning
import Training

/// `metaprompt bench scaling`: weak scaling of ProMetaR steps over MPI ranks (T = ranks ×
/// tasks-per-rank), and the share of a step spent combining meta-gradients.
struct ScalingBenchmark {
    let configuration: CLIPConfiguration
    let steps: Int
    let tasksPerRank: Int
    let firstOrder: Bool

    /// Under mpirun: every rank runs `steps` steps (after one warm-up step); rank 0 prints a
    /// line that the launcher parses.
    func runWorker() throws {
        let comm = try MPICommunicator.fromEnvironment()
        BLAS.setThreadCount(1)
        var method = try MethodConfiguration.defaults(for: "prometar")
        method.prometar.firstOrder = firstOrder
        method.prometar.tasksPerStep = tasksPerRank * comm.size
        var (classifier, target, batch, prompts, stream) = RandomStep.inputs(configuration, method: method, classes: 10, batch: 4)
        let regulator = GradientGate.initialWeights(promptShapes: prompts.mapValues(\.shape), dimRate: 8, stream: &stream)
        var prometar: any PromptMethod = ProMetaRMethod(
            state: ProMetaRState(prompts: prompts, regulator: regulator, promptOptimizer: method.promptOptimizer.sgd,
                                 regulatorOptimizer: method.regulatorOptimizer.sgd),
            configuration: method.prometar)
        let reduction = CommunicatorMean(comm)
        reduction.separatesWaiting = true
        /// Training's step: the task draws of `step` from (seed 1, "task", step).
        func step(_ step: Int) throws {
            let context = StepContext(textTarget: target, stream: RandomStream(seed: 1, Trainer.taskPurpose, UInt64(step)),
                                      learningRates: ["prompts": 0.0025, "regulator": 0.00025], reduction: reduction)
            _ = try prometar.step(model: classifier, batch: batch, context: context)
        }
        try step(0)  // warm-up
        try comm.barrier()
        let (reduced, waited) = (reduction.reductionSeconds, reduction.waitSeconds)
        let clock = ContinuousClock(), start = clock.now
        for s in 1...steps { try step(s) }
        try comm.barrier()
        let elapsed = clock.now - start
        let seconds = elapsed.seconds
        var shares = [Float((reduction.reductionSeconds - reduced) / seconds), Float((reduction.waitSeconds - waited) / seconds)]
        try comm.allReduceMax(&shares)
        if comm.rank == 0 {
            let parameters = prometar.parameters.values.reduce(0) { $0 + $1.count }
            print(String(format: "SCALING ranks=%d tasks=%d seconds_per_step=%.3f tasks_per_second=%.4f reduction_share=%.4f wait_share=%.4f parameters=%d",
                         comm.size, method.prometar.tasksPerStep, seconds / Double(steps),
                         Double(steps * method.prometar.tasksPerStep) / seconds, Double(shares[0]), Double(shares[1]), parameters))
        }
        try (comm as? MPICommunicator)?.finalize()
    }

    /// Launches `mpirun -np 1` and `-np 2` of the worker and prints tasks/s, weak-scaling
    /// efficiency and the reduction's share of a step.
    static func launch(arguments: [String]) throws {
        var results: [Int: (rate: Double, share: Double, wait: Double, line: String)] = [:]
        for ranks in [1, 2] {
            let text = try runUnderMPI(ranks: ranks, arguments: ["bench", "scaling", "--worker"] + arguments)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SCALING") }) else {
                throw BenchmarkError(description: "bench scaling with \(ranks) rank(s) printed no result:\n\(text)")
            }
            let fields = Self.fields(line)
            results[ranks] = (Double(fields["tasks_per_second"]!)!, Double(fields["reduction_share"]!)!, Double(fields["wait_share"]!)!, String(line))
            print(line)
        }
        let efficiency = results[2]!.rate / (2 * results[1]!.rate)
        print(String(format: "weak scaling efficiency 1 → 2 ranks: %.1f%%; combining meta-gradients (packing, fixed point, all-reduce): %.2f%% of a step; waiting for the slower rank before it: %.2f%% (2 ranks)",
                     100 * efficiency, 100 * results[2]!.share, 100 * results[2]!.wait))
    }

    /// This executable with `arguments` under `mpirun -np ranks` (one core each where there are
    /// enough); its standard output.
    static func runUnderMPI(ranks: Int, arguments: [String]) throws -> String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let mpirun = path.split(separator: ":").map({ "\($0)/mpirun" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchmarkError(description: "mpirun not found (apt-get install openmpi-bin)")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: mpirun)
        child.arguments = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--bind-to", "core:overload-allowed", "-np", "\(ranks)", exe]
            + arguments
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw BenchmarkError(description: "\(arguments.prefix(2).joined(separator: " ")) with \(ranks) rank(s) failed (exit \(child.terminationStatus)):\n\(text)")
        }
        return text
    }

    /// The `key=value` fields of a result line after its tag.
    static func fields(_ line: Substring) -> [String: String] {
        Dictionary(uniqueKeysWithValues: line.split(separator: " ").dropFirst().map { f -> (String, String) in
            let kv = f.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), String(kv[1]))
        })
    }
}

/// The random inputs of the scaling benchmarks' steps: CLIP of `configuration`'s shapes with
/// random weights, C class prompts "X … X <two made-up words>." (CoOp's form), a normalised
/// random text target, a batch of random pixels labelled 0, 1, 0, 1, …, and random prompts in
/// name order — the same on every rank.
enum RandomStep {
    static func inputs(_ configuration: CLIPConfiguration, method: MethodConfiguration, classes: Int, batch: Int)
        -> (CLIPClassifier, Tensor, LabelledBatch, [String: Tensor], RandomStream) {
        let model = CLIPModel.random(configuration, seed: 1)
        var stream = RandomStream(seed: 1, 0x5CA1E)
        let tokens: [[Int]] = (0..<classes).map { k in
            [49406] + Array(repeating: 343, count: method.textTokens) + [1000 + k % 40_000, 2000 + k / 40_000, 269, 49407]
                + Array(repeating: 0, count: 77 - method.textTokens - 5)
        }
        let target = Tensor.normal([classes, configuration.projectionWidth], stream: &stream).l2Normalized()
        let pixels = Tensor.normal([batch, 3, configuration.imageSize, configuration.imageSize], stream: &stream)
        var prompts: [String: Tensor] = [:]
        for (name, shape) in method.promptShapes(textWidth: configuration.text.width, visionWidth: configuration.vision.width)
            .sorted(by: { $0.key < $1.key }) {
            prompts[name] = Tensor.normal(shape, std: 0.02, stream: &stream)
        }
        return (CLIPClassifier(model: model, classTokens: tokens), target,
                LabelledBatch(pixels: pixels, labels: (0..<batch).map { $0 % 2 }), prompts, stream)
    }
}
