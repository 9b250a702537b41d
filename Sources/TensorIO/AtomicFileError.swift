/// A failed atomic write: the target path, the system call that failed and its `errno`.
///
/// Reads e.g. `cannot write '/out/ckpt.safetensors': open: No such file or directory`.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file that was to be written.
    public let path: String
    /// The failing step: `open`, `write`, `fsync`, `rename`, ...
    public let operation: String
    /// The `errno` value.
    public let code: Int32

    public var description: String {
        "cannot write '\(path)': \(operation): \(errnoString(code))"
    }
}
