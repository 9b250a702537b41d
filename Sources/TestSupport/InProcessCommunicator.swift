import Distributed
import Foundation
import Synchronization

/// The shared state of an in-process job: each collective is a gather of every rank's value
/// under a lock, after which each rank combines the values in rank order.
public final class InProcessGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [Any?]
    private var results: [Any] = []
    private var arrived = 0
    private var generation = 0

    public init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    /// Every rank's `value`, in rank order, once all ranks have called.
    func gather(rank: Int, _ value: Any) -> [Any] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = value
        arrived += 1
        if arrived == size {
            results = slots.map { $0! }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return results
    }
}

/// One rank of an ``InProcessGroup``: a real `Communicator` for tests that run a job's ranks
/// as threads of one process. It sums in rank order, as a fixed-order MPI reduction would.
public final class InProcessCommunicator: Communicator, @unchecked Sendable {
    let group: InProcessGroup
    public let rank: Int
    public var size: Int { group.size }

    public init(group: InProcessGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    private func combine<T>(_ buffer: [T], _ f: (T, T) -> T) -> [T] {
        let all = group.gather(rank: rank, buffer).map { $0 as! [T] }
        return all.dropFirst().reduce(all[0]) { zip($0, $1).map(f) }
    }

    public func allReduceSum(_ buffer: inout [Float]) throws { buffer = combine(buffer, +) }
    public func allReduceSum(_ buffer: inout [Int64]) throws { buffer = combine(buffer, &+) }
    public func allReduceMax(_ buffer: inout [Float]) throws { buffer = combine(buffer, Swift.max) }
    public func allGather(_ buffer: [Float]) throws -> [Float] { group.gather(rank: rank, buffer).flatMap { $0 as! [Float] } }
    public func broadcast(_ buffer: inout [Float], root: Int) throws { buffer = group.gather(rank: rank, buffer)[root] as! [Float] }
    public func barrier() throws { _ = group.gather(rank: rank, 0) }
    public func abort(_ message: String, code: Int32) -> Never { fatalError(message) }

    /// As `MPI_Comm_split`: one gather of every rank's (color, key); then the lowest rank of
    /// each color makes the color's ``InProcessGroup`` and a second gather hands it to the
    /// others, each ranked by (key, rank).
    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0, "split color \(color)")
        let requests = group.gather(rank: rank, (color, key)).map { $0 as! (Int, Int) }
        let members = requests.indices.filter { requests[$0].0 == color }.sorted { (requests[$0].1, $0) < (requests[$1].1, $1) }
        let made: InProcessGroup? = members.min() == rank ? InProcessGroup(size: members.count) : nil
        let groups = group.gather(rank: rank, made as Any).map { $0 as? InProcessGroup }
        return InProcessCommunicator(group: groups[members.min()!]!, rank: members.firstIndex(of: rank)!)
    }
}


/// Runs `body(communicator)` for each of `ranks` ranks on its own thread and returns their
/// results in rank order (rethrowing the lowest rank's error).
public func inProcessJob<T: Sendable>(ranks: Int, _ body: @escaping @Sendable (InProcessCommunicator) throws -> T) throws -> [T] {
    let group = InProcessGroup(size: ranks)
    let results = Mutex<[Int: Result<T, any Error>]>([:])
    let done = DispatchSemaphore(value: 0)
    for rank in 0..<ranks {
        Thread {
            let result = Result { try body(InProcessCommunicator(group: group, rank: rank)) }
            results.withLock { $0[rank] = result }
            done.signal()
        }.start()
    }
    for _ in 0..<ranks { done.wait() }
    return try results.withLock { r in try (0..<ranks).map { try r[$0]!.get() } }
}
