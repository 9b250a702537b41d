#if canImport(Glibc)
import Glibc
#endif

/// The one-process job: every collective is the identity. Used by tests and by runs
/// started without mpirun.
public final class LocalCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: inout [Float]) throws {}
    public func allReduceSum(_ buffer: inout [Int64]) throws {}
    public func allReduceMax(_ buffer: inout [Float]) throws {}
    public func allGather(_ buffer: [Float]) throws -> [Float] { buffer }
    public func broadcast(_ buffer: inout [Float], root: Int) throws {
        precondition(root == 0, "broadcast root \(root) in a one-rank job")
    }
    public func barrier() throws {}
    /// The one rank's group: itself, a one-rank job.
    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0, "split color \(color)")
        return LocalCommunicator()
    }
    public func abort(_ message: String, code: Int32) -> Never {
        writeToStandardError("metaprompt: \(message)")
        exit(code)
    }
}
