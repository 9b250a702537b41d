import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// `Communicator` over OpenMPI's MPI_COMM_WORLD.
///
/// Errors are returned, not fatal (`MPI_ERRORS_RETURN`), and every call goes through
/// `check`, which turns a failure into a `DistributedError` naming the call.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let world: MPI_Comm

    /// Initialises MPI (once per process) and joins MPI_COMM_WORLD.
    public init() throws {
        var initialized: Int32 = 0
        try Self.check("MPI_Initialized", MPI_Initialized(&initialized))
        if initialized == 0 { try Self.check("MPI_Init", MPI_Init(nil, nil)) }
        world = cmpi_comm_world()
        try Self.check("MPI_Comm_set_errhandler", MPI_Comm_set_errhandler(world, cmpi_errors_return()))
        var r: Int32 = 0, s: Int32 = 0
        try Self.check("MPI_Comm_rank", MPI_Comm_rank(world, &r))
        try Self.check("MPI_Comm_size", MPI_Comm_size(world, &s))
        rank = Int(r)
        size = Int(s)
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
            try Self.check(call, MPI_Allreduce(cmpi_in_place(), b.baseAddress, count, cmpi_float(), op, world))
        }
    }

    public func allReduceSum(_ buffer: inout [Float]) throws {
        try reduce(&buffer, cmpi_op_sum(), "MPI_Allreduce(sum)")
    }

    public func allReduceSum(_ buffer: inout [Int64]) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try Self.check("MPI_Allreduce(int64 sum)", MPI_Allreduce(cmpi_in_place(), b.baseAddress, count, cmpi_int64(), cmpi_op_sum(), world))
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
                                                               dst.baseAddress, count, cmpi_float(), world))
            }
        }
        return out
    }

    public func broadcast(_ buffer: inout [Float], root: Int) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try Self.check("MPI_Bcast", MPI_Bcast(b.baseAddress, count, cmpi_float(), Int32(root), world))
        }
    }

    public func barrier() throws {
        try Self.check("MPI_Barrier", MPI_Barrier(world))
    }

    public func abort(_ message: String, code: Int32) -> Never {
        writeToStandardError("metaprompt (rank \(rank) of \(size)): \(message)")
        MPI_Abort(world, code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker.
    }

    /// Leaves MPI. Call once, at the end of a successful run, on every rank.
    public func finalize() throws {
        try Self.check("MPI_Finalize", MPI_Finalize())
    }
}
