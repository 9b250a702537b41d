// Files for the fuzz targets whose parsers read paths: compiled into every target by
// Tests/Fuzz/run.sh.
import Foundation

/// A directory of this fuzzing process's own under $TMPDIR (or /tmp), made on first use.
func scratchDirectory(_ name: String) -> String {
    let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    let path = "\(temporary)/metaprompt-fuzz-\(name)-\(getpid())"
    mkdir(path, 0o755)
    return path
}

/// Writes `bytes` to `path`, replacing it.
func write(_ bytes: some Collection<UInt8>, to path: String) {
    guard let handle = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    let array = Array(bytes)
    if !array.isEmpty { fwrite(array, 1, array.count, handle) }
    fclose(handle)
}
