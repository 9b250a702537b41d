// libFuzzer target: image-caption lists (`gram --pairs FILE`), as ImageCaptionPairs reads
// them, built by Tests/Fuzz/run.sh. An input is the file's bytes, read once as `pairs.tsv` and
// once as `pairs.jsonl`. Each read must succeed or throw a DatasetError. The pairs a read gives,
// written back as JSON lines (and as TSV when no field holds a tab or line break), must read
// back equal.
import Datasets
import Foundation
import TensorIO

private let directory = scratchDirectory("pairs")

/// The pairs of the list at `path`, nil when reading threw a DatasetError; any other error is
/// a finding.
private func read(_ path: String) -> [ImageCaptionPair]? {
    do {
        return try ImageCaptionPairs.read(path)
    } catch is DatasetError {
        return nil
    } catch {
        fatalError("\(path) threw \(type(of: error)), not a DatasetError: \(error)")
    }
}

/// Writes `pairs` in the format of `path`'s extension and reads them back.
private func roundTrip(_ pairs: [ImageCaptionPair], as path: String) {
    let lines: [String]
    if path.hasSuffix(".jsonl") {
        lines = pairs.map { pair in
            JSONValue.object(JSONObject([("image", .string(pair.path)), ("caption", .string(pair.caption))])).serialized()
        }
    } else {
        // Every field quoted, so that one reading "filepath" or with quotes at its ends stays as it is.
        func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        lines = pairs.map { quoted($0.path) + "\t" + quoted($0.caption) }
    }
    write((lines.joined(separator: "\n") + "\n").utf8, to: path)
    guard let again = read(path) else {
        fatalError("\(pairs.count) pairs written to \(path) do not read back: \(String(describing: try? ImageCaptionPairs.read(path)))")
    }
    if again != pairs {
        fatalError("\(pairs.count) pairs written to \(path) read back as \(again.count) different ones")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageCaptionPairs(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for name in ["pairs.tsv", "pairs.jsonl"] {
        let path = directory + "/" + name
        write(bytes, to: path)
        guard let pairs = read(path) else { continue }
        for pair in pairs where !pair.path.hasPrefix("/") || pair.caption.isEmpty {
            fatalError("\(path): a pair with a relative path or an empty caption: \(pair)")
        }
        roundTrip(pairs, as: directory + "/again.jsonl")
        func plain(_ field: String) -> Bool { !field.unicodeScalars.contains { $0 == "\t" || $0 == "\n" || $0 == "\r" } }
        if pairs.allSatisfy({ plain($0.path) && plain($0.caption) }) {
            roundTrip(pairs, as: directory + "/again.tsv")
        }
    }
    return 0
}
