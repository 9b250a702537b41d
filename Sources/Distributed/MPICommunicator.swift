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
    /// How long collectives may wait (shared with the groups split from this one).
    public let watch: CollectiveWatch
    /// The side channel that names the ranks a waiting collective misses (shared with the
    /// groups split from this one), this communicator's identifier on it, and its members'
    /// ranks in the whole job.
    private let rollCall: RollCall
    private let identifier: Int
    private let members: [Int]
    /// This process's host, for the watch's messages.
    private var host: String { rollCall.hosts[jobRank] }

    /// Initialises MPI (once per process) and joins MPI_COMM_WORLD.
    public init() throws {
        var initialized: Int32 = 0
        try Self.check("MPI_Initialized", MPI_Initialized(&initialized))
        if initialized == 0 { try Self.check("MPI_Init", MPI_Init(nil, nil)) }
        (rank, size) = try Self.join(cmpi_comm_world())
        comm = cmpi_comm_world()
        isWorld = true
        (jobRank, jobSize) = (rank, size)
        watch = CollectiveWatch()
        rollCall = try RollCall(worldRank: rank, worldSize: size, host: Self.hostName())
        identifier = rollCall.register()
        members = Array(0..<size)
    }

    /// A communicator made by `MPI_Comm_split` of `parent`'s.
    private init(group: MPI_Comm, parent: MPICommunicator) throws {
        (rank, size) = try Self.join(group)
        comm = group
        isWorld = false
        (jobRank, jobSize) = (parent.jobRank, parent.jobSize)
        watch = parent.watch
        rollCall = parent.rollCall
        identifier = rollCall.register()
        members = try Self.jobRanks(of: group, size: size)
    }

    /// The ranks in MPI_COMM_WORLD of `comm`'s members, in `comm`'s rank order.
    private static func jobRanks(of comm: MPI_Comm, size: Int) throws -> [Int] {
        var groupOfComm: MPI_Group?, world: MPI_Group?
        try check("MPI_Comm_group", MPI_Comm_group(comm, &groupOfComm))
        try check("MPI_Comm_group", MPI_Comm_group(cmpi_comm_world(), &world))
        defer { MPI_Group_free(&groupOfComm); MPI_Group_free(&world) }
        var local = (0..<Int32(size)).map { $0 }
        var inWorld = [Int32](repeating: 0, count: size)
        try check("MPI_Group_translate_ranks", MPI_Group_translate_ranks(groupOfComm, Int32(size), &local, world, &inWorld))
        return inWorld.map(Int.init)
    }

    static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        return gethostname(&name, name.count) == 0 ? String(cString: name) : "?"
    }

    public func noteActivity(_ activity: String) { watch.activity = activity }

    /// Starts a non-blocking collective and waits for it under the watch: MPI_Test in a loop
    /// (spinning for the first second — a sleeping rank would stall the rounds of a collective
    /// its peers have joined — then sleeping 50 µs between tests, 1 ms after 10 s), a
    /// warning once past `watch.warning`, the end of the job past `watch.timeout`; both name
    /// the ranks that have not arrived (``RollCall``), and a rank that has waited a second
    /// answers the others' roll calls. The loop is what lets a rank notice a peer that never
    /// arrives — a blocking MPI call over TCP to an unreachable host does not return.
    private func collective(_ call: String, _ start: (UnsafeMutablePointer<MPI_Request?>) -> Int32) throws {
        let sequence = rollCall.enter(identifier)
        var request: MPI_Request?
        try Self.check(call, start(&request))
        var done: Int32 = 0
        let began = monotonicSeconds()
        var warned = false
        while true {
            try Self.check(call, MPI_Test(&request, &done, cmpi_status_ignore()))
            if done != 0 { return }
            let waited = monotonicSeconds() - began
            guard waited > 1 else { continue }
            rollCall.serve()
            if let warning = watch.warning, !warned, waited >= warning {
                warned = true
                let absent = rollCall.describe(rollCall.absentees(communicator: identifier, sequence: sequence, members: members))
                writeToStandardError("metaprompt (rank \(jobRank) of \(jobSize), host \(host)): warning: \(call) has waited \(Int(waited)) s for the other ranks (\(watch.activity)); \(absent) — one is much slower than the others, stalled, or cut off")
            }
            if let timeout = watch.timeout, waited >= timeout {
                let absent = rollCall.describe(rollCall.absentees(communicator: identifier, sequence: sequence, members: members))
                abort("\(call) did not complete within \(Int(timeout)) s (\(watch.activity)); \(absent): a rank that does not answer has stopped or hangs, or its host is down or the link to it is cut; the last checkpoint is kept (--resume continues). This rank runs on \(host); --comm-timeout sets the bound", code: 1)
            }
            usleep(waited > 10 ? 1000 : 50)
        }
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
            try collective(call) { MPI_Iallreduce(cmpi_in_place(), b.baseAddress, count, cmpi_float(), op, comm, $0) }
        }
    }

    public func allReduceSum(_ buffer: inout [Float]) throws {
        try reduce(&buffer, cmpi_op_sum(), "MPI_Allreduce(sum)")
    }

    public func allReduceSum(_ buffer: inout [Int64]) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try collective("MPI_Allreduce(int64 sum)") { MPI_Iallreduce(cmpi_in_place(), b.baseAddress, count, cmpi_int64(), cmpi_op_sum(), comm, $0) }
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
                try collective("MPI_Allgather") {
                    MPI_Iallgather(src.baseAddress, count, cmpi_float(), dst.baseAddress, count, cmpi_float(), comm, $0)
                }
            }
        }
        return out
    }

    public func broadcast(_ buffer: inout [Float], root: Int) throws {
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { b in
            try collective("MPI_Bcast") { MPI_Ibcast(b.baseAddress, count, cmpi_float(), Int32(root), comm, $0) }
        }
    }

    public func barrier() throws {
        try collective("MPI_Barrier") { MPI_Ibarrier(comm, $0) }
    }

    /// `MPI_Comm_split` of this communicator. The group's communicator lives until
    /// `MPI_Finalize` (a job splits once; `MPI_Comm_free` is collective, which a deinit
    /// cannot be). MPI has no non-blocking split, so the ranks first meet in a barrier under
    /// the watch: a rank that never gets there is named and ends the job, as in any other
    /// collective, instead of leaving the others blocked in the split.
    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0 && color <= Int(Int32.max) && abs(key) <= Int(Int32.max), "split color \(color), key \(key)")
        try collective("MPI_Barrier(before MPI_Comm_split)") { MPI_Ibarrier(comm, $0) }
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
