import AutoDiff
import Distributed

/// A communicator as the ranks that share one run's forward passes (`ShardGroup`): the
/// autodiff graph's collectives cannot throw, so a failed collective ends the whole job
/// (`Communicator.abort`) with MPI's words for it, instead of leaving the other ranks waiting.
public final class CommunicatorGroup: ShardGroup, @unchecked Sendable {
    public let communicator: any Communicator
    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    public init(_ communicator: any Communicator) {
        self.communicator = communicator
    }

    public func allGather(_ buffer: [Float]) -> [Float] {
        attempt { try communicator.allGather(buffer) }
    }

    public func allReduceMax(_ buffer: inout [Float]) {
        var copy = buffer
        attempt { try communicator.allReduceMax(&copy) }
        buffer = copy
    }

    public func allReduceSum(_ buffer: inout [Int64]) {
        var copy = buffer
        attempt { try communicator.allReduceSum(&copy) }
        buffer = copy
    }

    private func attempt<T>(_ body: () throws -> T) -> T {
        do { return try body() } catch {
            communicator.abort("a collective of the sharded forward or backward pass failed: \(error)", code: 1)
        }
    }
}
