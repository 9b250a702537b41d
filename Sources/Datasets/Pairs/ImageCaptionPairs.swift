import Foundation
import TensorIO

/// One image with its caption, for GRAM-style meta-training on image–text pairs.
public struct ImageCaptionPair: Sendable, Hashable {
    /// Absolute path of the image.
    public var path: String
    public var caption: String

    public init(path: String, caption: String) {
        self.path = path
        self.caption = caption
    }
}

/// Readers for image–caption lists, as CC3M-style data is distributed.
///
/// - **TSV** (any name not ending in `.jsonl`): `image path<TAB>caption` per line. An optional
///   first line naming the columns, as open_clip's `CsvDataset` expects (`filepath<TAB>title`,
///   possibly among other columns), selects the columns by name. A field wrapped in double
///   quotes is unquoted (`""` inside stands for `"`), as pandas does for single-line fields.
/// - **JSONL** (`.jsonl`): one object per line with string members `"image"` and `"caption"`.
///
/// Blank lines are skipped. Relative image paths are relative to the list file's directory.
public enum ImageCaptionPairs {
    /// Reads a TSV or JSONL list, by the file's extension, into memory (``PairIndex`` reads
    /// the same lists without holding them).
    ///
    /// - Throws: ``DatasetError`` naming the file and line that is wrong.
    public static func read(_ path: String) throws -> [ImageCaptionPair] {
        let index = try PairIndex(path: path)
        return (0..<index.count).map { index.pair(at: $0) }
    }

    /// How a list's lines are read: TSV columns (path, caption, field count), or JSONL.
    enum Format: Sendable {
        case tsv(path: Int, caption: Int, fields: Int)
        case jsonl
    }

    /// The pair on `line` (1-based, for messages) of `file` in `format`, paths relative to `base`.
    static func parse(_ line: String, number: Int, format: Format, file: String, base: String) throws -> ImageCaptionPair {
        func fail(_ message: String) -> DatasetError { .malformed(path: file, location: "line \(number)", message: message) }
        switch format {
        case .tsv(let path, let caption, let count):
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(unquoted)
            guard fields.count == count else { throw fail("expected \(count) tab-separated fields, found \(fields.count)") }
            let image = fields[path], text = fields[caption]
            guard !image.isEmpty else { throw fail("empty image path") }
            guard !text.isEmpty else { throw fail("empty caption for \(image)") }
            return ImageCaptionPair(path: joinPath(base, image), caption: text)
        case .jsonl:
            let value: JSONValue
            do {
                value = try JSONValue(parsing: line)
            } catch let error as JSONError {
                throw DatasetError.malformed(path: file, location: "line \(number), column \(error.column)", message: error.message)
            }
            guard value.objectValue != nil else { throw fail("expected a JSON object") }
            guard let image = value["image"]?.stringValue, !image.isEmpty else { throw fail("expected a non-empty string \"image\"") }
            guard let caption = value["caption"]?.stringValue, !caption.isEmpty else { throw fail("expected a non-empty string \"caption\"") }
            return ImageCaptionPair(path: joinPath(base, image), caption: caption)
        }
    }

    /// The TSV header's columns (`filepath` and `title` among the fields), if `line` is one.
    static func header(_ line: String) -> Format? {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(unquoted)
        guard let file = fields.firstIndex(of: "filepath"), let title = fields.firstIndex(of: "title") else { return nil }
        return .tsv(path: file, caption: title, fields: fields.count)
    }

    /// A field without its surrounding double quotes, `""` read as `"`. By code point, as pandas
    /// reads bytes: as `Character`s, a quote and a combining mark after it (`"\u{301}…`) are one.
    static func unquoted(_ field: Substring) -> String {
        let scalars = field.unicodeScalars
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else { return String(field) }
        var inner = String.UnicodeScalarView()
        var afterQuote = false
        for scalar in scalars.dropFirst().dropLast() {
            if scalar == "\"" && afterQuote {
                afterQuote = false
                continue
            }
            afterQuote = scalar == "\""
            inner.append(scalar)
        }
        return String(inner)
    }
}
