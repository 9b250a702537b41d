/// Collective communication among the ranks of a job, as metaprompt needs it.
///
/// Buffers are flat Float arrays (parameters and gradients flattened in sorted-name order),
/// so one call moves everything. Every call either completes on every rank or throws;
/// a rank that cannot go on calls `abort(_:)`, which ends the whole job instead of leaving
/// the other ranks waiting in a collective.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0..<size.
    var rank: Int { get }
    /// The number of processes in the job.
    var size: Int { get }
    /// Element-wise sum over ranks, in place. The order of summation is MPI's; use
    /// `allGather` and a fixed-order sum where the result must not depend on the rank count.
    func allReduceSum(_ buffer: inout [Float]) throws
    /// Element-wise integer sum over ranks, in place: exact and associative (fixed-point
    /// reductions rely on it).
    func allReduceSum(_ buffer: inout [Int64]) throws
    /// Element-wise maximum over ranks, in place.
    func allReduceMax(_ buffer: inout [Float]) throws
    /// Every rank's `buffer` (all of equal length), concatenated in rank order.
    func allGather(_ buffer: [Float]) throws -> [Float]
    /// Rank `root`'s buffer, copied to every rank (the lengths must agree).
    func broadcast(_ buffer: inout [Float], root: Int) throws
    /// Waits until every rank has arrived.
    func barrier() throws
    /// Splits the ranks into disjoint sub-communicators, as `MPI_Comm_split`: the ranks that
    /// pass the same `color` form one, ranked by `key` (ties by rank). Collective: every rank
    /// calls it, and collectives on the result involve only the ranks of its group.
    /// `abort(_:code:)` on a sub-communicator still ends the whole job.
    /// - Parameters:
    ///   - color: the group to join, ≥ 0 (every rank joins one; no `MPI_UNDEFINED`).
    ///   - key: the order within the group.
    func split(color: Int, key: Int) throws -> any Communicator
    /// Ends the whole job with `message` on standard error and exit code `code`.
    func abort(_ message: String, code: Int32) -> Never
}

extension Communicator {
    /// This job's ranks in consecutive groups of `groupSize`: rank r joins group r / groupSize
    /// as its rank r % groupSize (`split(color: rank / groupSize, key: rank)`).
    /// - Precondition: `groupSize` divides `size` (callers check it and say so first).
    public func split(groupSize: Int) throws -> any Communicator {
        precondition(groupSize >= 1 && size % groupSize == 0, "groups of \(groupSize) ranks in a job of \(size)")
        return try split(color: rank / groupSize, key: rank)
    }
}

/// A failed collective, with MPI's own words for the error.
public enum DistributedError: Error, CustomStringConvertible {
    case mpi(call: String, code: Int32, message: String)
    case lengthMismatch(call: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .mpi(call, code, message): "\(call) failed with MPI error \(code): \(message)"
        case let .lengthMismatch(call, expected, found): "\(call): buffer of \(found) floats, expected \(expected)"
        }
    }
}
