#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that either fully happen or leave the target untouched.
///
/// The bytes go to a temporary file in the target's directory
/// (`.<name>.tmp-<pid>-<random>`), which is flushed with `fsync` and then renamed over the
/// target; the directory is `fsync`ed so the rename survives a crash. Readers therefore see
/// the old file or the new one, never a mix — what checkpoints need when a job is killed.
/// A new file gets mode 0644 (less the umask).
public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `path` with `bytes`.
    ///
    /// - Throws: ``AtomicFileError`` naming `path` and the failing call; the temporary file is
    ///   removed and `path` is unchanged.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    /// Atomically replaces (or creates) the file at `path` with the UTF-8 of `text`.
    ///
    /// - Throws: ``AtomicFileError``, as for byte arrays.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Atomically replaces (or creates) the file at `path` with the bytes of `buffer`.
    ///
    /// - Throws: ``AtomicFileError``, as for byte arrays.
    public static func write(_ buffer: UnsafeRawBufferPointer, to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (slash.map { String(path[...$0]) } ?? "")
            + ".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

        func failure(_ operation: String, _ code: Int32 = errno) -> AtomicFileError {
            AtomicFileError(path: path, operation: operation, code: code)
        }

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("open") }
        do {
            // Once fsync succeeded the data is on disk, so an error from close cannot lose it.
            defer { close(descriptor) }
            try writeAll(buffer, to: descriptor, failure: failure)
            guard fsync(descriptor) == 0 else { throw failure("fsync") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename")
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory, failure: failure)
    }

    /// Writes all of `buffer`, resuming after partial writes and interrupted calls.
    private static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32,
                                 failure: (String, Int32) -> AtomicFileError) throws {
        var offset = 0
        while offset < buffer.count {
            // Linux transfers at most ~2 GiB per call; ask for 1 GiB at a time.
            let chunk = min(buffer.count - offset, 1 << 30)
            let written = systemWrite(descriptor, buffer.baseAddress! + offset, chunk)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", errno)
            }
            guard written > 0 else { throw failure("write", EIO) }
            offset += written
        }
    }

    /// Makes the rename durable by flushing the directory entry.
    private static func syncDirectory(_ directory: String, failure: (String, Int32) -> AtomicFileError) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", errno) }
        defer { close(descriptor) }
        // Some file systems cannot sync directories (EINVAL); the data itself is already safe.
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw failure("fsync directory", errno) }
    }
}

// Inside `AtomicFile`, `write` names the static methods; this reaches the system call.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
