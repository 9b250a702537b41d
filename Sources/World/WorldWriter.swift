import Foundation
import TensorIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a world to disk: the downstream dataset in the Dassl/CoOp layout and the
/// pretraining image–caption pairs.
///
/// ```
/// <directory>/world/split_zhou_World.json           train / val / test lists
/// <directory>/world/images/<colour>_<shape>/<n>.jpg  downstream images, n = 000, 001, …
/// <directory>/pretrain/pairs.tsv                     image path<TAB>caption (GRAM's TSV too)
/// <directory>/pretrain/images/<i>.jpg                pretraining images, i = 00000, 00001, …
/// ```
///
/// Downstream image `n` of class `ℓ` is ``World/downstreamSample(label:index:seed:configuration:)``
/// with `index: n`; per class, `n` in `0..<train` are the train images, the next `val` the
/// validation images and the next `test` the test images. Split entries are
/// `["red_circle/000.jpg", 0, "red circle"]`, paths relative to `world/images`, lists ordered
/// by label then `n`. Pretraining image `i` is ``World/pretrainingSample(index:seed:configuration:)``;
/// `pairs.tsv` has no header and lists `images/<i>.jpg` (relative to the TSV) in order.
/// Numbers are zero-padded to 3 (downstream) and 5 (pretraining) digits, more when needed.
///
/// Images are JPEGs of ``JPEGEncoder`` at `configuration.jpegQuality`, written plainly; the
/// split file and the TSV are written last and atomically (``AtomicFile``), so when they exist
/// every image they list was complete. A stale `world/split_fewshot/` (few-shot lists of an
/// earlier world) is removed. Other files already in the directories are left alone.
public enum WorldWriter {
    /// What ``write(to:configuration:seed:)`` produced.
    public struct Summary: Sendable, Equatable {
        /// `<directory>/world/split_zhou_World.json`.
        public var splitFile: String
        /// `<directory>/world/images`, the root split paths are relative to.
        public var imageRoot: String
        /// `<directory>/pretrain/pairs.tsv`.
        public var pairsFile: String
        public var downstreamImages: Int
        public var pretrainingImages: Int
    }

    /// Writes the downstream dataset and the pretraining pairs of the world `seed` under
    /// `directory` (created if needed).
    ///
    /// - Throws: ``WorldError`` for directories or files that cannot be written, or the
    ///   ``AtomicFileError`` of the split file or TSV.
    @discardableResult
    public static func write(to directory: String, configuration: WorldConfiguration = WorldConfiguration(),
                             seed: UInt64) throws -> Summary {
        let (splitFile, imageRoot, downstream) = try writeDownstream(to: directory, configuration: configuration, seed: seed)
        let (pairsFile, pretraining) = try writePretraining(to: directory, configuration: configuration, seed: seed)
        return Summary(splitFile: splitFile, imageRoot: imageRoot, pairsFile: pairsFile,
                       downstreamImages: downstream, pretrainingImages: pretraining)
    }

    /// Writes `<directory>/world/` only; returns the split file, the image root and the
    /// number of images.
    public static func writeDownstream(to directory: String, configuration: WorldConfiguration = WorldConfiguration(),
                                       seed: UInt64) throws -> (splitFile: String, imageRoot: String, images: Int) {
        configuration.validate()
        let worldDirectory = directory + "/world"
        let imageRoot = worldDirectory + "/images"
        let encoder = JPEGEncoder(quality: configuration.jpegQuality)
        let lists = [("train", 0, configuration.trainPerClass),
                     ("val", configuration.trainPerClass, configuration.validationPerClass),
                     ("test", configuration.trainPerClass + configuration.validationPerClass, configuration.testPerClass)]
        let perClass = lists.reduce(0) { $0 + $1.2 }
        let digits = max(3, String(max(perClass - 1, 0)).count)
        var entries: [String: [String]] = [:]
        for label in 0..<World.classCount {
            let folder = World.classNames[label].replacingOccurrences(of: " ", with: "_")
            try makeDirectory(imageRoot + "/" + folder)
            for (list, start, count) in lists {
                for index in start..<(start + count) {
                    let relative = folder + "/" + padded(index, digits) + ".jpg"
                    let sample = World.downstreamSample(label: label, index: index, seed: seed, configuration: configuration)
                    try writeFile(imageRoot + "/" + relative, encoder.encode(sample.image))
                    let entry: JSONValue = [.string(relative), .int(Int64(label)), .string(World.classNames[label])]
                    entries[list, default: []].append(entry.serialized())
                }
            }
        }
        let fewShotCache = worldDirectory + "/split_fewshot"
        if FileManager.default.fileExists(atPath: fewShotCache) {
            do {
                try FileManager.default.removeItem(atPath: fewShotCache)
            } catch {
                throw WorldError.cannotWrite(path: fewShotCache, reason: "cannot remove the stale few-shot cache: \(error)")
            }
        }
        // One entry per line: `{"train": [\n[...],\n...\n], "val": ...}`.
        let body = lists.map { list in
            "\"\(list.0)\": [\n" + (entries[list.0] ?? []).joined(separator: ",\n") + "\n]"
        }.joined(separator: ",\n")
        let splitFile = worldDirectory + "/split_zhou_World.json"
        try AtomicFile.write("{\n" + body + "\n}\n", to: splitFile)
        return (splitFile, imageRoot, perClass * World.classCount)
    }

    /// Writes `<directory>/pretrain/` only; returns the TSV and the number of pairs.
    public static func writePretraining(to directory: String, configuration: WorldConfiguration = WorldConfiguration(),
                                        seed: UInt64) throws -> (pairsFile: String, images: Int) {
        configuration.validate()
        let pretrainDirectory = directory + "/pretrain"
        try makeDirectory(pretrainDirectory + "/images")
        let encoder = JPEGEncoder(quality: configuration.jpegQuality)
        let digits = max(5, String(max(configuration.pretrainingPairs - 1, 0)).count)
        var lines = ""
        for index in 0..<configuration.pretrainingPairs {
            let relative = "images/" + padded(index, digits) + ".jpg"
            let sample = World.pretrainingSample(index: index, seed: seed, configuration: configuration)
            try writeFile(pretrainDirectory + "/" + relative, encoder.encode(sample.image))
            lines += relative + "\t" + sample.caption + "\n"
        }
        let pairsFile = pretrainDirectory + "/pairs.tsv"
        try AtomicFile.write(lines, to: pairsFile)
        return (pairsFile, configuration.pretrainingPairs)
    }

    // MARK: Files

    /// `n` in decimal, zero-padded to `digits`.
    static func padded(_ n: Int, _ digits: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(digits - text.count, 0)) + text
    }

    private static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw WorldError.cannotCreateDirectory(path: path, reason: "\(error)")
        }
    }

    /// Writes `bytes` to `path`, replacing it (not atomically: the lists written afterwards
    /// are what make a world complete).
    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw WorldError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WorldError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }
}

// Inside `WorldWriter`, `write` names the static methods; this reaches the system call.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
