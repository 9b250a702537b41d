import AutoDiff
import CLIP
import CLIPAdapter
import Distributed
import Foundation
import MetaLearning
import Training

/// `metaprompt bench scaling --strong`: one run's step (T = 1) over 1, 2, … ranks, the images
/// and class prompts split over them as `train` splits them (`CLIPClassifier.sharded`), with
/// the parameters after the steps compared bit for bit across the rank counts.
struct StrongScalingBenchmark {
    /// The methods it measures: ProMetaR (second order unless `firstOrder`), CoOp, IVLP.
    enum Method: String, EnumeratedOptionValue {
        case prometar, coop, ivlp
    }

    let configuration: CLIPConfiguration
    let method: Method
    let steps: Int
    let batch: Int
    let classes: Int
    let firstOrder: Bool

    /// Under mpirun: one warm-up step, `steps` timed steps, then rank 0 prints a line with the
    /// seconds per step and a hash of every parameter's bits.
    func runWorker() throws {
        let comm = try MPICommunicator.fromEnvironment()
        BLAS.setThreadCount(1)
        var c = try MethodConfiguration.defaults(for: method.rawValue)
        c.prometar.firstOrder = firstOrder
        c.prometar.tasksPerStep = 1
        var (unsharded, target, labelled, prompts, stream) = RandomStep.inputs(configuration, method: c, classes: classes, batch: batch)
        let group = CommunicatorGroup(comm)
        let classifier = unsharded.sharded(over: group)
        var learner: any PromptMethod
        switch method {
        case .prometar:
            let regulator = GradientGate.initialWeights(promptShapes: prompts.mapValues(\.shape), dimRate: c.prometar.dimRate, stream: &stream)
            learner = ProMetaRMethod(state: ProMetaRState(prompts: prompts, regulator: regulator, promptOptimizer: c.promptOptimizer.sgd,
                                                          regulatorOptimizer: c.regulatorOptimizer.sgd),
                                     configuration: c.prometar)
        case .coop, .ivlp:
            learner = PromptTuning(name: c.method, prompts: prompts, optimizer: c.promptOptimizer.sgd,
                                   textRegWeight: c.textRegWeight, imageRegWeight: c.imageRegWeight)
        }
        // Train's reduction: at T = 1 one task group of all ranks.
        let reduction = try TaskGroups(run: comm, taskCount: 1)
        func step(_ step: Int) throws {
            let context = StepContext(textTarget: target, stream: RandomStream(seed: 1, Trainer.taskPurpose, UInt64(step)),
                                      learningRates: ["prompts": 0.0025, "regulator": 0.00025], reduction: reduction)
            _ = try learner.step(model: classifier, batch: labelled, context: context)
        }
        try step(0)  // warm-up
        try comm.barrier()
        let before = group.traffic
        let clock = ContinuousClock(), start = clock.now
        for s in 1...steps { try step(s) }
        try comm.barrier()
        let seconds = (clock.now - start).seconds
        if comm.rank == 0 {
            // Per step, what rank 0 contributed to each kind of collective.
            let traffic = ["gather", "max", "sum"].map { kind -> String in
                let now = group.traffic[kind] ?? .init(), then = before[kind] ?? .init()
                return String(format: "%@_calls=%d %@_bytes=%d", kind, (now.calls - then.calls) / steps, kind, (now.bytes - then.bytes) / steps)
            }
            print(String(format: "STRONG ranks=%d seconds_per_step=%.3f parameters=%@ ", comm.size, seconds / Double(steps),
                         Self.hash(learner.parameters)) + traffic.joined(separator: " "))
        }
        try (comm as? MPICommunicator)?.finalize()
    }

    /// FNV-1a over every parameter's name and bits, in name order.
    static func hash(_ parameters: [String: Tensor]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        for name in parameters.keys.sorted() {
            name.utf8.forEach(mix)
            for v in parameters[name]!.storage { withUnsafeBytes(of: v.bitPattern.littleEndian) { $0.forEach(mix) } }
        }
        return String(format: "%016llx", h)
    }

    /// Launches the worker under `mpirun -np R` for each of `ranks` and prints each line, then
    /// `strong scaling: 1 rank … s/step, 2 ranks … s/step, speedup …, parameters identical: yes|no`.
    static func launch(ranks: [Int], arguments: [String]) throws {
        var results: [(ranks: Int, seconds: Double, hash: String)] = []
        for r in ranks {
            let text = try ScalingBenchmark.runUnderMPI(ranks: r, arguments: ["bench", "scaling", "--strong", "--worker"] + arguments)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("STRONG") }) else {
                throw BenchmarkError(description: "bench scaling --strong with \(r) rank(s) printed no result:\n\(text)")
            }
            let fields = ScalingBenchmark.fields(line)
            results.append((r, Double(fields["seconds_per_step"]!)!, fields["parameters"]!))
            print(line)
        }
        let base = results[0]
        let parts = results.map { String(format: "%d rank%@ %.2f s/step", $0.ranks, $0.ranks == 1 ? "" : "s", $0.seconds) }
        let speedups = results.dropFirst().map { String(format: "speedup %.2f", base.seconds / $0.seconds) }
        let identical = results.allSatisfy { $0.hash == base.hash }
        print("strong scaling: " + (parts + speedups).joined(separator: ", ") + ", parameters identical: " + (identical ? "yes" : "no"))
        if !identical { throw BenchmarkError(description: "the parameters after the steps differ between rank counts") }
    }
}
