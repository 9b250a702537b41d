import Foundation
import TensorIO

// Small file-system helpers shared by the readers. Paths are plain strings throughout, joined
// as Python's os.path.join does, because users compare them with CoOp's.

/// The file's bytes, or ``DatasetError/unreadable(path:reason:)``.
func readDatasetFile(_ path: String) throws -> [UInt8] {
    do {
        return try readWholeFile(path)
    } catch ImageError.unreadable(_, let reason) {
        throw DatasetError.unreadable(path: path, reason: reason)
    }
}

/// Parses a JSON file; syntax errors carry the line and column.
func readJSONFile(_ path: String) throws -> JSONValue {
    let bytes = try readDatasetFile(path)
    do {
        return try JSONValue(parsing: bytes)
    } catch let error as JSONError {
        throw DatasetError.malformed(path: path, location: "line \(error.line), column \(error.column)",
                                     message: error.message)
    }
}

/// The lines of a UTF-8 text file as Python's text-mode `readlines()` yields them (universal
/// newlines: `\r\n` and `\r` end lines too), without the line endings.
func readTextLines(_ path: String) throws -> [String] {
    let text = String(decoding: try readDatasetFile(path), as: UTF8.self)
    var lines: [String] = []
    var current = ""
    var previousWasReturn = false
    for scalar in text.unicodeScalars {
        if scalar == "\n" && previousWasReturn {
            previousWasReturn = false
            continue
        }
        previousWasReturn = scalar == "\r"
        if scalar == "\n" || scalar == "\r" {
            lines.append(current)
            current = ""
        } else {
            current.unicodeScalars.append(scalar)
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}

/// `os.path.join(base, component)`: an absolute component replaces the base.
func joinPath(_ base: String, _ component: String) -> String {
    if component.hasPrefix("/") || base.isEmpty { return component }
    return base.hasSuffix("/") ? base + component : base + "/" + component
}

/// `os.path.abspath(os.path.expanduser(path))`: `~` expanded, made absolute against the
/// current directory, `.`/`..` and repeated slashes removed (lexically, no symlinks resolved).
func absolutePath(_ path: String) -> String {
    var path = path
    if path == "~" || path.hasPrefix("~/") {
        path = NSHomeDirectory() + path.dropFirst()
    }
    if !path.hasPrefix("/") {
        path = joinPath(FileManager.default.currentDirectoryPath, path)
    }
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            _ = parts.popLast()
        } else {
            parts.append(part)
        }
    }
    return "/" + parts.joined(separator: "/")
}

/// The directory part of a path (`os.path.dirname`), `.` for a bare file name.
func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// Whether something exists at `path` (following symlinks).
func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}

/// Python's `str.strip()` for the whitespace that occurs in list files.
func pythonStripped(_ text: some StringProtocol) -> String {
    let scalars = Array(text.unicodeScalars)
    func isSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }
    guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !isSpace($0) })!
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars[first...last])
    return String(out)
}
