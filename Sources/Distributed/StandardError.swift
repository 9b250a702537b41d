#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error in one `write(2)` (so lines from ranks do not interleave
/// mid-line) without touching C's shared `stderr` stream.
public func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written <= 0 { if errno == EINTR { continue }; return }
        offset += written
    }
}
