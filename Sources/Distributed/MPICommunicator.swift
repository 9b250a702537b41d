import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// `Communicator` over OpenMPI's MPI_COMM_WORLD, or over a group of its ranks
/// (``split(color:key:)``).
///
/// Errors are returned, not fatal (`MPI_ERRORS_RETURN`, set on every communicator), and every
/// call goes through `check`, which turns a failure into a `DistributedError` naming the call.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// The communicator the collectives run on: MPI_COMM_WORLD or a split of it.
    private let comm: MPI_Comm
    /// Whether `comm` is MPI_COMM_WORLD (only that one finalizes).
    private let isWorld: Bool
    /// This process's place in the whole job, for `abort`'s message.
    private let jobRank: Int, jobSize: Int

    /// Initialises MPI (once per process) and joins MPI_COMM_WORLD.
    public init() throws {
        var initialized: Int32 = 0
        try Self.check("MPI_Initialized", MPI_Initialized(&initialized))
        if initialized == 0 { try Self.check("MPI_Init", MPI_Init(nil, nil)) }
        (rank, size) = try Self.join(cmpi_comm_world())
        comm = cmpi_comm_world()
        isWorld = true
        (jobRank, jobSize) = (rank, size)
    }

    /// A communicator made by `MPI_Comm_split` of `parent`'s.
    private init(group: MPI_Comm, parent: MPICommunicator) throws {
        (rank, size) = try Self.join(group)
        comm = group
        isWorld = false
        (jobRank, jobSize) = (parent.jobRank, parent.jobSize)
    }

    /// Sets MPI_ERRORS_RETURN on `comm` and returns this process's rank in it and its size.
    private static func join(_ comm: MPI_Comm) throws -> (rank: Int, size: Int) {
        try check("MPI_Comm_set_errhandler", MPI_Comm_set_errhandler(comm, cmpi_errors_return()))
        var r: Int32 = 0, s: Int32 = 0
        try check("MPI_Comm_rank", MPI_Comm_rank(comm, &r))
        try check("MPI_Comm_size", MPI_Comm_size(comm, &s))
        return (Int(r), Int(s))
    }

    /// True when this process was started by an MPI launcher (mpirun, srun with PMIx).
    public static var isLaunchedByMPI: Bool {
        let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"]
        return launcherVariables.contains { getenv($0) != nil }
    }

    /// An MPI communicator under an MPI launcher, the local one otherwise.
    public static func fromEnvironment() throws -> any Communicator {
        isLaunchedByMPI ? try MPICommunicator() : LocalCommunicator()
    }

    static func check(_ call: String, _ code: Int32) throws {
        guard code != cmpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw DistributedError.mpi(call: call, code: code, message: String(cString: text))
    }

    private func reduce(_ buffer: inout [Float], _ op: MPI_Op, _ call: String) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try Self.check(call, MPI_Allreduce(cmpi_in_place(), b.baseAddress, count, cmpi_float(), op, comm))
        }
    }

    public func allReduceSum(_ buffer: inout [Float]) throws {
        try reduce(&buffer, cmpi_op_sum(), "MPI_Allreduce(sum)")
    }

    public func allReduceSum(_ buffer: inout [Int64]) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try Self.check("MPI_Allreduce(int64 sum)", MPI_Allreduce(cmpi_in_place(), b.baseAddress, count, cmpi_int64(), cmpi_op_sum(), comm))
        }
    }

    public func allReduceMax(_ buffer: inout [Float]) throws {
        try reduce(&buffer, cmpi_op_max(), "MPI_Allreduce(max)")
    }

    public func allGather(_ buffer: [Float]) throws -> [Float] {
        // Lengths are checked first so a mismatch is an error, not a truncated exchange.
        var lengths = [Float](repeating: Float(buffer.count), count: 1)
        var longest = lengths
        try allReduceMax(&longest)
        try reduce(&lengths, cmpi_op_min(), "MPI_Allreduce(min)")
        guard lengths[0] == longest[0] else {
            throw DistributedError.lengthMismatch(call: "allGather", expected: Int(longest[0]), found: buffer.count)
        }
        var out = [Float](repeating: 0, count: buffer.count * size)
        let count = Int32(buffer.count)
        try buffer.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                try Self.check("MPI_Allgather", MPI_Allgather(src.baseAddress, count, cmpi_float(),
                                                               dst.baseAddress, count, cmpi_float(), comm))
            }
        }
        return out
    }

    public func broadcast(_ buffer: inout [Float], root: Int) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try Self.check("MPI_Bcast", MPI_Bcast(b.baseAddress, count, cmpi_float(), Int32(root), comm))
        }
    }

    public func barrier() throws {
        try Self.check("MPI_Barrier", MPI_Barrier(comm))
    }

    /// `MPI_Comm_split` of this communicator. The group's communicator lives until
    /// `MPI_Finalize` (a job splits once; `MPI_Comm_free` is collective, which a deinit
    /// cannot be).
    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0 && color <= Int(Int32.max) && abs(key) <= Int(Int32.max), "split color \(color), key \(key)")
        var group: MPI_Comm?
        try Self.check("MPI_Comm_split", MPI_Comm_split(comm, Int32(color), Int32(key), &group))
        guard let group else { throw DistributedError.mpi(call: "MPI_Comm_split", code: 0, message: "no communicator returned") }
        return try MPICommunicator(group: group, parent: self)
    }

    /// Ends the whole job, from any communicator: MPI_Abort on MPI_COMM_WORLD.
    public func abort(_ message: String, code: Int32) -> Never {
        let place = isWorld ? "rank \(jobRank) of \(jobSize)" : "rank \(jobRank) of \(jobSize), \(rank) of its group of \(size)"
        writeToStandardError("metaprompt (\(place)): \(message)")
        MPI_Abort(cmpi_comm_world(), code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker.
    }

    /// Leaves MPI. Call once, at the end of a successful run, on every rank, on the
    /// MPI_COMM_WORLD communicator (not on a split of it).
    public func finalize() throws {
        precondition(isWorld, "finalize on a split communicator; finalize the world one")
        try Self.check("MPI_Finalize", MPI_Finalize())
    }
}
