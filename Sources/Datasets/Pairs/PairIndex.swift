import TensorIO

/// An image–caption list read where it is: the file is mapped, every line checked once, and
/// only each pair's place in the file kept (16 bytes a pair; 53 MB for CC3M's 3.3 million), so
/// a pair is parsed again when it is asked for. The formats and errors are
/// ``ImageCaptionPairs``'.
///
/// Lines end at `\n`, `\r\n` or `\r`; blank lines are skipped; line numbers count every line.
// @unchecked: immutable after init; the mapping lives as long as the index.
public final class PairIndex: @unchecked Sendable {
    public let path: String
    let file: MappedFile
    let format: ImageCaptionPairs.Format
    let base: String
    /// Per pair: the byte range of its line and the line's number (1-based).
    let starts: [Int]
    let lengths: [Int32]
    let lineNumbers: [Int32]

    /// The number of pairs.
    public var count: Int { starts.count }

    /// Maps and checks `path` (TSV, or JSONL by the `.jsonl` extension).
    /// - Throws: ``DatasetError`` naming the file and the first line that is wrong.
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            // "No such file or directory", as the other lists' errors say it.
            throw DatasetError.unreadable(path: path, reason: error.reason.hasPrefix("open: ") ? String(error.reason.dropFirst(6)) : error.reason)
        }
        base = directoryOf(absolutePath(path))
        (format, starts, lengths, lineNumbers) = try Self.scan(file.bytes, path: path, base: base)
    }

    /// Every line of `bytes` checked; the format and each pair's line range and number.
    static func scan(_ bytes: UnsafeRawBufferPointer, path: String, base: String) throws
        -> (ImageCaptionPairs.Format, [Int], [Int32], [Int32]) {
        var starts: [Int] = [], lengths: [Int32] = [], numbers: [Int32] = []
        var layout: ImageCaptionPairs.Format? = path.lowercased().hasSuffix(".jsonl") ? .jsonl : nil
        var lineStart = 0, number = 0, i = 0
        /// Checks the line `lineStart..<end` and records it when it holds a pair.
        func line(ending end: Int) throws {
            number += 1
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<end]), as: UTF8.self)
            guard !pythonStripped(text).isEmpty else { return }
            if layout == nil {
                if let header = ImageCaptionPairs.header(text) {
                    layout = header
                    return
                }
                layout = .tsv(path: 0, caption: 1, fields: 2)
            }
            _ = try ImageCaptionPairs.parse(text, number: number, format: layout!, file: path, base: base)
            guard end - lineStart <= Int(Int32.max), number <= Int(Int32.max) else {
                throw DatasetError.malformed(path: path, location: "line \(number)", message: "line or line count beyond 2³¹")
            }
            starts.append(lineStart)
            lengths.append(Int32(end - lineStart))
            numbers.append(Int32(number))
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                try line(ending: i)
                i += (b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n")) ? 2 : 1
                lineStart = i
            } else {
                i += 1
            }
        }
        if lineStart < bytes.count { try line(ending: bytes.count) }
        return (layout ?? .tsv(path: 0, caption: 1, fields: 2), starts, lengths, numbers)
    }

    /// Pair `i` (its line was checked when the index was made).
    public func pair(at i: Int) -> ImageCaptionPair {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: file.bytes[starts[i]..<(starts[i] + Int(lengths[i]))]), as: UTF8.self)
        // swiftlint:disable:next force_try
        return try! ImageCaptionPairs.parse(text, number: Int(lineNumbers[i]), format: format, file: path, base: base)
    }

    /// The line number (1-based) of pair `i` in the file, for messages.
    public func lineNumber(of i: Int) -> Int { Int(lineNumbers[i]) }
}
