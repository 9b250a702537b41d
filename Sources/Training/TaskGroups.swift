import AutoDiff
import Distributed
import MetaLearning

/// A step's T virtual tasks over the R ranks of a run that also share each forward pass: the
/// ranks form G = gcd(T, R) task groups of R/G consecutive ranks; group g computes the g-th
/// contiguous block of T/G tasks, each task's passes split over the group's ranks (the model
/// sharded over `group`); the tasks' mean is `DeterministicMean`'s over the run, each group's
/// rank 0 contributing its group's tasks. T = 1 is one group of all ranks; T = R is one rank
/// per task, as a pure task split. Every task's values are the same bits on whichever group
/// computes it (the sharded passes do not depend on the group's size) and the fixed-point mean
/// does not depend on where the tasks were, so the step's bits do not depend on R.
public final class TaskGroups: TaskReduction {
    /// The run's ranks.
    public let run: any Communicator
    /// This rank's task group (the run itself when G = 1).
    public let group: any Communicator
    /// G and this rank's group index.
    public let groupCount: Int
    public let groupIndex: Int

    /// - Parameter taskCount: T, the tasks per step (1 for methods without tasks).
    /// - Throws: the split's MPI errors.
    public init(run: any Communicator, taskCount: Int) throws {
        precondition(taskCount >= 1, "task groups for \(taskCount) tasks")
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = gcd(taskCount, run.size), size = run.size / g
        self.run = run
        groupCount = g
        groupIndex = run.rank / size
        group = g == 1 ? run : try run.split(color: groupIndex, key: run.rank)
    }

    public func tasks(of count: Int) -> Range<Int> {
        TaskSharding(taskCount: count, rankCount: groupCount).tasks(ofRank: groupIndex)
    }

    /// With one group every rank holds every task: the mean is taken here, with the bits the
    /// run-wide one would have. Otherwise over the run, each group counted once.
    public func mean(_ local: [[String: Tensor]], layout: FlatLayout, taskCount: Int) throws -> [String: Tensor] {
        let (contributed, over): ([[String: Tensor]], any Communicator) =
            groupCount == 1 ? (local, LocalCommunicator()) : (group.rank == 0 ? local : [], run)
        return try CommunicatorMean.mean(contributed, layout: layout, taskCount: taskCount, over: over)
    }
}
