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
    /// Reads a TSV or JSONL list, by the file's extension.
    ///
    /// - Throws: ``DatasetError`` naming the file and line that is wrong.
    public static func read(_ path: String) throws -> [ImageCaptionPair] {
        path.lowercased().hasSuffix(".jsonl") ? try readJSONL(path) : try readTSV(path)
    }

    /// Reads a tab-separated list (see the type's description).
    public static func readTSV(_ path: String) throws -> [ImageCaptionPair] {
        let base = directoryOf(absolutePath(path))
        var pairs: [ImageCaptionPair] = []
        var columns: (path: Int, caption: Int, count: Int)?
        for (index, line) in try readTextLines(path).enumerated() {
            if pythonStripped(line).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(unquoted)
            func fail(_ message: String) -> DatasetError {
                .malformed(path: path, location: "line \(index + 1)", message: message)
            }
            if columns == nil {
                if let file = fields.firstIndex(of: "filepath"), let title = fields.firstIndex(of: "title") {
                    columns = (file, title, fields.count)
                    continue
                }
                columns = (0, 1, 2)
            }
            let layout = columns!
            guard fields.count == layout.count else {
                throw fail("expected \(layout.count) tab-separated fields, found \(fields.count)")
            }
            let image = fields[layout.path], caption = fields[layout.caption]
            guard !image.isEmpty else { throw fail("empty image path") }
            guard !caption.isEmpty else { throw fail("empty caption for \(image)") }
            pairs.append(ImageCaptionPair(path: joinPath(base, image), caption: caption))
        }
        return pairs
    }

    /// Reads a JSON-lines list (see the type's description).
    public static func readJSONL(_ path: String) throws -> [ImageCaptionPair] {
        let base = directoryOf(absolutePath(path))
        var pairs: [ImageCaptionPair] = []
        for (index, line) in try readTextLines(path).enumerated() {
            if pythonStripped(line).isEmpty { continue }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: line)
            } catch let error as JSONError {
                throw DatasetError.malformed(path: path, location: "line \(index + 1), column \(error.column)",
                                             message: error.message)
            }
            func fail(_ message: String) -> DatasetError {
                .malformed(path: path, location: "line \(index + 1)", message: message)
            }
            guard value.objectValue != nil else { throw fail("expected a JSON object") }
            guard let image = value["image"]?.stringValue, !image.isEmpty else {
                throw fail("expected a non-empty string \"image\"")
            }
            guard let caption = value["caption"]?.stringValue, !caption.isEmpty else {
                throw fail("expected a non-empty string \"caption\"")
            }
            pairs.append(ImageCaptionPair(path: joinPath(base, image), caption: caption))
        }
        return pairs
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
