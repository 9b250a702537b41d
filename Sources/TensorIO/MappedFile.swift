#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes.
///
/// Mapping instead of reading keeps a 600 MB checkpoint out of the heap: pages load on first
/// touch and the kernel may drop them again. A file replaced later by `AtomicFile` (rename)
/// leaves this mapping on the old inode, so readers never see a half-written file.
// @unchecked: the mapping is immutable (PROT_READ) after init and never exposed mutably.
public final class MappedFile: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`; on failure returns the `strerror` text of the failing call.
    public init(path: String) throws(MappedFileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw MappedFileError(reason: "open: \(errnoString())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw MappedFileError(reason: "fstat: \(errnoString())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw MappedFileError(reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {  // mmap rejects empty mappings
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED
        else { throw MappedFileError(reason: "mmap: \(errnoString())") }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let address = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
        }
    }
}

public struct MappedFileError: Error {
    public let reason: String
}

/// The `strerror` text of the current `errno`.
func errnoString(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
