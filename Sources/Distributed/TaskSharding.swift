/// How a step's tasks (or an evaluation's batches) are split over ranks: contiguous blocks of
/// `slotsPerRank` tasks, the last ranks possibly short or empty. Every rank exchanges
/// `slotsPerRank` slots, so gathered buffers line up as task 0, 1, …, count−1 followed by
/// padding.
public struct TaskSharding: Sendable, Equatable {
    public let taskCount: Int
    public let rankCount: Int

    public init(taskCount: Int, rankCount: Int) {
        precondition(taskCount >= 0 && rankCount >= 1, "sharding \(taskCount) tasks over \(rankCount) ranks")
        self.taskCount = taskCount
        self.rankCount = rankCount
    }

    /// Task slots each rank exchanges: ⌈tasks / ranks⌉.
    public var slotsPerRank: Int { (taskCount + rankCount - 1) / rankCount }

    /// The tasks rank `rank` runs (possibly empty).
    public func tasks(ofRank rank: Int) -> Range<Int> {
        precondition(rank >= 0 && rank < rankCount, "rank \(rank) of \(rankCount)")
        let lower = Swift.min(rank * slotsPerRank, taskCount)
        return lower..<Swift.min(lower + slotsPerRank, taskCount)
    }
}
