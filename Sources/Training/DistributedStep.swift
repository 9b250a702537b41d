import AutoDiff
import Distributed
import Foundation
import MetaLearning

/// One training step with its work spread over the ranks of a job.
///
/// ProMetaR: stage 1 (one regulated SGD step on the whole batch) runs on every rank — the
/// same inputs give the same bits; the step's T virtual tasks (draws from the substream t of
/// (seed, "task", step), whichever rank runs it) are split with `TaskSharding`; each rank
/// computes its tasks' meta-gradients (and losses) and `DeterministicMean` combines them so
/// every rank applies the same, rank-count-independent update. Base methods run the whole
/// step on every rank.
public struct DistributedStep {
    public let communicator: any Communicator
    public let seed: UInt64
    /// Benchmarks only: a barrier before the reduction, so the time spent waiting for the
    /// slowest rank is measured apart from the reduction itself. Training leaves it off.
    public var separatesWaiting = false
    /// Stream purpose of a step's virtual task draws ("task").
    static let taskPurpose: UInt64 = 0x7461_736B

    public init(communicator: any Communicator, seed: UInt64) {
        self.communicator = communicator
        self.seed = seed
    }

    /// What one step spent, in seconds, beside computing: combining the meta-gradients
    /// (packing, fixed-point conversion, all-reduces) and, with `separatesWaiting`, waiting
    /// at a barrier for the slowest rank first.
    public struct Timing {
        public var reductionSeconds = 0.0
        public var waitSeconds = 0.0
    }

    /// One step of `method` on this rank's share of the work; returns the step's losses,
    /// identical on every rank.
    public func run(_ method: inout any PromptMethod, model classifier: PromptedModel, batch: LabelledBatch, textTarget: Tensor?,
                    step: Int, rates: [String: Double]) throws -> (losses: [String: Float], timing: Timing) {
        let stream = RandomStream(seed: seed, Self.taskPurpose, UInt64(step))
        guard var prometar = method as? ProMetaRMethod else {
            // Base methods: one step on the whole batch, computed identically on every rank.
            return (method.step(model: classifier, batch: batch, context: StepContext(textTarget: textTarget, stream: stream, learningRates: rates)), Timing())
        }
        let c = prometar.configuration
        let (stage1, targets) = ProMetaR.stageOne(model: classifier, batch: batch, textTarget: textTarget!, state: &prometar.state,
                                                  configuration: c, promptLR: rates["prompts"]!)
        var losses = ProMetaR.stage1Scalars(stage1)
        // Task t's draws come from substream t whichever rank runs it.
        let draws = prometar.draws(labels: batch.labels, stream: stream)
        if draws.isEmpty { method = prometar; return (losses, Timing()) }  // one class in the batch: no meta step
        let promptNames = prometar.state.prompts.keys.sorted(), regulatorNames = prometar.state.regulator.keys.sorted()
        let shapes = promptNames.map { prometar.state.prompts[$0]!.shape } + regulatorNames.map { prometar.state.regulator[$0]!.shape }
        var segments: [Range<Int>] = []
        var offset = 0
        for shape in shapes + [[1], [1]] {  // parameters, then the task's meta and query losses
            segments.append(offset..<(offset + shape.product))
            offset += shape.product
        }
        let sharding = TaskSharding(taskCount: draws.count, rankCount: communicator.size)
        let clock = ContinuousClock()
        var local: [[Float]] = []
        var packing = Duration.zero
        for t in sharding.tasks(ofRank: communicator.rank) {
            let g = ProMetaR.metaGradients(model: classifier, batch: batch, targets: targets, prompts: prometar.state.prompts,
                                           regulator: prometar.state.regulator, draws: draws[t], configuration: c)
            guard g.loss.scalar.isFinite else {
                throw TrainingError("meta loss is \(TrainingError.shown(g.loss.scalar)) at step \(step + 1), task \(t); stopping, the last good checkpoint is kept")
            }
            let packStart = clock.now
            defer { packing += clock.now - packStart }
            var v: [Float] = []
            v.reserveCapacity(offset)
            for n in promptNames { v += g.prompts[n]!.storage }
            for n in regulatorNames { v += g.regulator[n]!.storage }
            v += [g.loss.scalar, g.queryCrossEntropy.scalar]
            local.append(v)
        }
        var timing = Timing()
        if separatesWaiting {
            let waitStart = clock.now
            try communicator.barrier()
            timing.waitSeconds = (clock.now - waitStart).seconds
        }
        let mean: [Float]
        let reduceStart = clock.now
        do {
            mean = try DeterministicMean.mean(local: local, length: offset, segments: segments, taskCount: draws.count, communicator: communicator)
        } catch let error as DeterministicMean.NonFinite {
            throw TrainingError("a meta-gradient is not finite at step \(step + 1) (\(error)); stopping, the last good checkpoint is kept")
        }
        var promptGrads: [String: Tensor] = [:], regulatorGrads: [String: Tensor] = [:]
        for (i, n) in promptNames.enumerated() { promptGrads[n] = Tensor(shape: shapes[i], values: Array(mean[segments[i]])) }
        for (j, n) in regulatorNames.enumerated() {
            let i = promptNames.count + j
            regulatorGrads[n] = Tensor(shape: shapes[i], values: Array(mean[segments[i]]))
        }
        timing.reductionSeconds = (clock.now - reduceStart + packing).seconds
        ProMetaR.applyMeta(state: &prometar.state, prompts: promptGrads, regulator: regulatorGrads,
                           promptLR: rates["prompts"]!, regulatorLR: rates["regulator"]!)
        losses["loss.meta"] = mean[segments[segments.count - 2]].first!
        losses["loss.query_ce"] = mean[segments[segments.count - 1]].first!
        method = prometar
        return (losses, timing)
    }

}
