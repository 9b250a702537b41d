#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorIO

/// Reading `vocab.json` and `merges.txt`.
extension CLIPTokenizer {
    /// `vocab.json`: a JSON object token → id, ids non-negative, distinct and below 2³¹.
    static func readVocabulary(path: String) throws -> [String: Int] {
        let bytes = try readFile(path: path)
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw TokenizerError.malformedJSON(path: path, reason: "\(error)")
        }
        guard let object = json.objectValue else {
            throw TokenizerError.vocabularyNotAnObject(path: path)
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(object.count)
        var tokenOfID: [Int: String] = [:]
        tokenOfID.reserveCapacity(object.count)
        for (token, value) in object {
            guard let id = value.intValue, (0...Int(Int32.max)).contains(id) else {
                throw TokenizerError.invalidVocabularyEntry(
                    path: path, token: token,
                    reason: "expected an integer id in 0...\(Int32.max), "
                        + "found \(summary(of: value))")
            }
            if let first = tokenOfID[id] {
                throw TokenizerError.duplicateVocabularyID(path: path, id: id, first: first,
                                                           second: token)
            }
            tokenOfID[id] = token
            vocabulary[token] = id
        }
        return vocabulary
    }

    /// `merges.txt`: line 1 may be a `#version` header; every other line is two symbols
    /// separated by whitespace (Python's `str.split()`). A final line break is allowed; CRLF line
    /// ends are accepted. Lines are cut at LF code points, not at `Character`s (in which CRLF is
    /// one character).
    static func readMerges(path: String) throws -> [(line: Int, left: String, right: String)] {
        let bytes = try readFile(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenizerError.unreadableFile(path: path, reason: "not valid UTF-8")
        }
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var merges: [(line: Int, left: String, right: String)] = []
        merges.reserveCapacity(lines.count)
        for (offset, rawLine) in lines.enumerated() {
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if offset == 0, line.starts(with: "#version".unicodeScalars) { continue }
            let parts = line.split(whereSeparator: PythonText.isSpace)
            guard parts.count == 2 else {
                throw TokenizerError.malformedMerge(path: path, line: offset + 1,
                                                    text: String(String.UnicodeScalarView(line)))
            }
            merges.append((offset + 1, String(String.UnicodeScalarView(parts[0])),
                           String(String.UnicodeScalarView(parts[1]))))
        }
        return merges
    }

    /// The whole file, or ``TokenizerError/unreadableFile(path:reason:)`` with the system's reason.
    private static func readFile(path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TokenizerError.unreadableFile(path: path, reason: systemError())
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TokenizerError.unreadableFile(path: path, reason: systemError())
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// A short description of a JSON value for error messages.
    private static func summary(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let string): "a string \"\(string.prefix(20))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
