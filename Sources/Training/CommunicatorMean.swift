import AutoDiff
import Distributed
import MetaLearning

/// A step's virtual tasks over the ranks of a job: contiguous blocks per rank
/// (`TaskSharding`), averaged with `DeterministicMean`'s fixed-point sum, so every rank gets
/// the same mean for any number of ranks. Task t is the same task on whichever rank runs it:
/// its draws are keyed by (seed, step, t), never by rank.
public final class CommunicatorMean: TaskReduction {
    public let communicator: any Communicator
    /// Benchmarks only: a barrier before each reduction, so the time spent waiting for the
    /// slowest rank is measured apart from the reduction itself. Training leaves it off.
    public var separatesWaiting = false
    /// Seconds spent in reductions (fixed-point conversion, all-reduces) and, with
    /// `separatesWaiting`, waiting at the barrier first, summed over the calls.
    public private(set) var reductionSeconds = 0.0
    public private(set) var waitSeconds = 0.0

    public init(_ communicator: any Communicator) {
        self.communicator = communicator
    }

    public func tasks(of count: Int) -> Range<Int> {
        TaskSharding(taskCount: count, rankCount: communicator.size).tasks(ofRank: communicator.rank)
    }

    /// Packs each task's tensors (``FlatLayout``), takes `DeterministicMean`'s mean of the
    /// vectors, and unpacks it.
    public func mean(_ local: [[String: Tensor]], layout: FlatLayout, taskCount: Int) throws -> [String: Tensor] {
        let clock = ContinuousClock()
        if separatesWaiting {
            let start = clock.now
            try communicator.barrier()
            waitSeconds += (clock.now - start).seconds
        }
        let start = clock.now
        defer { reductionSeconds += (clock.now - start).seconds }
        return try Self.mean(local, layout: layout, taskCount: taskCount, over: communicator)
    }

    /// `DeterministicMean`'s mean over `communicator` of the tasks' tensors packed through
    /// `layout`; a NaN or infinite value is a ``StepError`` naming the tensor.
    static func mean(_ local: [[String: Tensor]], layout: FlatLayout, taskCount: Int, over communicator: any Communicator) throws -> [String: Tensor] {
        do {
            let mean = try DeterministicMean.mean(local: local.map(layout.pack), length: layout.count, segments: layout.segments,
                                                  taskCount: taskCount, communicator: communicator)
            return layout.unpack(mean)
        } catch let error as DeterministicMean.NonFinite {
            throw StepError("a task's gradient of '\(layout.names[error.segment])' has a NaN or infinite value")
        }
    }
}
