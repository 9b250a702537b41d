import AutoDiff
import Distributed

/// A communicator as the ranks that share one run's forward passes (`ShardGroup`): the
/// autodiff graph's collectives cannot throw, so a failed collective ends the whole job
/// (`Communicator.abort`) with MPI's words for it, instead of leaving the other ranks waiting.
public final class CommunicatorGroup: ShardGroup, @unchecked Sendable {
    public let communicator: any Communicator
    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// What the collectives of one kind have moved: calls, and bytes this rank contributed.
    public struct Traffic: Sendable, Equatable {
        public var calls = 0
        public var bytes = 0
        public init() {}
    }
    /// Since the group was made, by kind: `gather` (features of the units), `max` (the
    /// fixed-point scales), `sum` (the fixed-point sums of gradients over the units).
    public private(set) var traffic: [String: Traffic] = [:]

    public init(_ communicator: any Communicator) {
        self.communicator = communicator
    }

    public func allGather(_ buffer: [Float]) -> [Float] {
        count("gather", buffer.count * 4)
        return attempt { try communicator.allGather(buffer) }
    }

    public func allReduceMax(_ buffer: inout [Float]) {
        count("max", buffer.count * 4)
        var copy = buffer
        attempt { try communicator.allReduceMax(&copy) }
        buffer = copy
    }

    public func allReduceSum(_ buffer: inout [Int64]) {
        count("sum", buffer.count * 8)
        var copy = buffer
        attempt { try communicator.allReduceSum(&copy) }
        buffer = copy
    }

    private func count(_ kind: String, _ bytes: Int) {
        traffic[kind, default: Traffic()].calls += 1
        traffic[kind, default: Traffic()].bytes += bytes
    }

    private func attempt<T>(_ body: () throws -> T) -> T {
        do { return try body() } catch {
            communicator.abort("a collective of the sharded forward or backward pass failed: \(error)", code: 1)
        }
    }
}
