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
    /// What the job is doing now (e.g. "step 12 of 2000"), for the messages of a collective
    /// that waits too long (``CollectiveWatch``).
    func noteActivity(_ activity: String)
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

extension Communicator {
    /// Nothing to note where collectives cannot wait (one process, threads of one).
    public func noteActivity(_ activity: String) {}
}

/// How long a collective may wait before the job is ended, shared by a communicator and the
/// groups split from it — torch.distributed's collective timeout and Horovod's stall check.
/// A collective waits for the slowest rank to arrive, which on a healthy job can take as long
/// as that rank's work between two collectives (a pass, a task group's tasks, rank 0 writing a
/// checkpoint); a dead link, a lost host or a stopped process makes it wait for ever.
public final class CollectiveWatch: @unchecked Sendable {
    /// A collective that has not completed after this many seconds ends the whole job, naming
    /// the operation, the activity and this rank's host (nil: wait for ever).
    public var timeout: Double?
    /// A collective still waiting after this many seconds prints one warning (nil: never).
    public var warning: Double?
    /// What the job is doing, named in both messages.
    public var activity = "starting"

    /// The defaults: 30 minutes, far above any wait of a healthy job (the longest are a task
    /// group's share of a step and rank 0's checkpoint and evaluation writes, minutes at most),
    /// and a warning after 2 minutes.
    public static let defaultTimeout = 1800.0, defaultWarning = 120.0

    public init(timeout: Double? = CollectiveWatch.defaultTimeout, warning: Double? = CollectiveWatch.defaultWarning) {
        self.timeout = timeout
        self.warning = warning
    }
}
