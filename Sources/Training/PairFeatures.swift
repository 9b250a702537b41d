import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Foundation
import MetaLearning
import TensorIO
#if canImport(Glibc)
import Glibc
#endif

/// Frozen CLIP features of an image–caption list, computed once over a job's ranks and kept in
/// a safetensors file that later runs map instead of recomputing.
///
/// The file holds `image` and `text` (F32 [N, D], the frozen image and caption embeddings),
/// `readable` (F32 [N]: 1 where the pair's image was read, 0 where it was missing or not a
/// JPEG) and, as metadata, what it was computed from: the list and the model weights (path,
/// size, modification time), the chunk size and the shapes. A file whose metadata does not
/// match is recomputed.
///
/// Extraction goes in chunks of ``chunk`` pairs — the same batches on any rank count, so the
/// bits do not depend on it. Each round, rank r computes chunk `first + r`; the chunks are
/// gathered and rank 0 writes them in place into `<file>.partial` (the header first, the rest
/// of the file allocated), then, at most every ``progressInterval``, syncs it and records the
/// chunks done in `<file>.progress` (atomically). An interrupted extraction resumes from the
/// recorded chunk, with any rank count, and ends with the same bytes as an uninterrupted one;
/// when every chunk is in, the file is synced and renamed into place. The file is on the job's
/// shared file system, as checkpoints are: every rank maps it. SIGUSR1 or SIGTERM (watched by
/// the caller, ``Preemption``) ends a round early: the chunks so far are synced and recorded,
/// and every rank throws ``Preempted`` (exit 75), so a requeued job continues from there.
///
/// Memory: each rank holds one chunk's images; rank 0 the gathered round. The features are
/// read from the mapped file.
public struct PairFeatures: @unchecked Sendable {
    /// Pairs per batch of the frozen encoders.
    public static let chunk = 32
    /// Longest time between two syncs of the partial file and its progress record.
    public static let progressInterval: Duration = .seconds(30)
    /// Unreadable images named in the log; the rest are counted.
    public static let namedSkips = 5

    public let path: String
    public let count: Int
    public let width: Int
    public let image: FeatureMatrix
    public let text: FeatureMatrix
    /// The pairs whose image was read, ascending.
    public let readable: [Int]

    /// Maps a finished feature file.
    /// - Throws: ``TrainingError`` naming the file when a tensor is missing or its shape is wrong.
    public init(path: String) throws {
        let file = try SafeTensorsFile(path: path)
        let imageEntry = try file.entry("image"), textEntry = try file.entry("text"), readableEntry = try file.entry("readable")
        guard imageEntry.shape.count == 2, textEntry.shape == imageEntry.shape, readableEntry.shape == [imageEntry.shape[0]] else {
            throw TrainingError("\(path): expected image and text [N, D] and readable [N], found \(imageEntry.shape), \(textEntry.shape), \(readableEntry.shape)")
        }
        self.path = path
        (count, width) = (imageEntry.shape[0], imageEntry.shape[1])
        let (imageValues, imageOwner) = try file.mappedFloats("image"), (textValues, textOwner) = try file.mappedFloats("text")
        image = FeatureMatrix(count: count, width: width, storage: imageValues, owner: imageOwner)
        text = FeatureMatrix(count: count, width: width, storage: textValues, owner: textOwner)
        readable = try file.floats("readable").enumerated().filter { $0.element != 0 }.map(\.offset)
    }

    /// The metadata a feature file of `pairs` under `modelDirectory` holds.
    static func identity(pairs: PairIndex, modelDirectory: String, width: Int) throws -> [String: String] {
        ["pairs": try fileIdentity(pairs.path), "model": try fileIdentity((modelDirectory as NSString).appendingPathComponent("model.safetensors")),
         "chunk": String(chunk), "count": String(pairs.count), "width": String(width)]
    }

    /// The features of `pairs` in `path`: the file when it is there for these pairs and this
    /// model, otherwise computed over `communicator`'s ranks (resuming a partial extraction).
    /// Every rank returns the mapped file.
    /// - Parameter say: rank 0's progress lines (the log).
    /// - Parameter preemption: the preempting signal noted on this rank, if any (tests stand
    ///   in for a signal with it; a real one would reach every test of the process). Default:
    ///   ``Preemption``'s.
    public static func prepare(pairs: PairIndex, bundle: CLIPBundle, modelDirectory: String, path: String,
                               communicator: any Communicator, say: (String) -> Void,
                               preemption: (() -> Int32?)? = nil) throws -> PairFeatures {
        let width = bundle.model.configuration.projectionWidth
        let identity = try Self.identity(pairs: pairs, modelDirectory: modelDirectory, width: width)
        let chunks = (pairs.count + chunk - 1) / chunk
        // Rank 0 decides where to start (chunks, or -1: the file is done) and tells the others.
        var start: [Int64] = [0]
        var writer: PartialFeatureFile?
        if communicator.rank == 0 {
            if let done = try? SafeTensorsFile(path: path), done.metadata == identity {
                start[0] = -1
                say("gram: features of \(pairs.count) pairs reused from \(path)")
            } else {
                let w = try PartialFeatureFile(path: path, identity: identity, count: pairs.count, width: width)
                start[0] = Int64(w.chunksDone)
                say(w.chunksDone > 0 ? "gram: features resumed at chunk \(w.chunksDone) of \(chunks) in \(w.partialPath)"
                                     : "gram: computing the features of \(pairs.count) pairs (\(chunks) chunks of \(chunk)) into \(path)")
                writer = w
            }
        }
        try communicator.allReduceSum(&start)
        if start[0] >= 0 {
            try extract(pairs: pairs, bundle: bundle, path: path, from: Int(start[0]), chunks: chunks, writer: writer, communicator: communicator,
                        say: say, preemption: preemption)
        }
        try communicator.barrier()
        let features = try PairFeatures(path: path)
        if communicator.rank == 0, features.readable.count < features.count {
            say("gram: \(features.count - features.readable.count) of \(features.count) pairs have no readable image and are left out")
        }
        return features
    }

    /// Computes chunks `first..<chunks`, a round of one chunk per rank at a time; rank 0
    /// (`writer`) writes them and names the first unreadable images.
    static func extract(pairs: PairIndex, bundle: CLIPBundle, path: String, from first: Int, chunks: Int, writer: PartialFeatureFile?,
                        communicator: any Communicator, say: (String) -> Void, preemption: (() -> Int32?)?) throws {
        let width = bundle.model.configuration.projectionWidth, ranks = communicator.size
        // Per chunk: readable flags, image rows, text rows; then the rank's preempting signal.
        let stride = chunk * (1 + 2 * width) + 1
        let clock = ContinuousClock(), began = clock.now
        var synced = began, lastReport = began, named = 0
        var round = first
        while round < chunks {
            communicator.noteActivity("gram features, chunk \(round + communicator.rank + 1) of \(chunks)")
            let mine = round + communicator.rank
            var buffer = [Float](repeating: 0, count: stride)
            if mine < chunks { try compute(chunk: mine, pairs: pairs, bundle: bundle, into: &buffer, width: width) }
            buffer[stride - 1] = Float((preemption.map { $0() } ?? Preemption.received) ?? 0)
            let gathered = try communicator.allGather(buffer)
            let signal = Int32((0..<ranks).map { gathered[$0 * stride + stride - 1] }.max()!)
            let done = min(round + ranks, chunks)
            if let writer {
                for r in 0..<ranks where round + r < chunks {
                    let c = round + r, rows = min(chunk, pairs.count - c * chunk)
                    let slice = gathered[(r * stride)..<(r * stride + stride)]
                    try writer.write(chunk: c, rows: rows, values: Array(slice), width: width)
                    for row in 0..<rows where slice[slice.startIndex + row] == 0 && named < namedSkips {
                        let i = c * chunk + row, pair = pairs.pair(at: i)
                        let reason: String
                        do { _ = try RGBImage(jpegFile: pair.path); reason = "unreadable" } catch { reason = "\(error)" }
                        say("gram: skipping pair \(i + 1) (\(pairs.path) line \(pairs.lineNumber(of: i))): \(reason)")
                        named += 1
                    }
                }
                let now = clock.now
                if now - synced >= progressInterval || done == chunks || signal != 0 {
                    try writer.commit(chunksDone: done, finished: done == chunks)
                    synced = now
                }
                if now - lastReport >= .seconds(10) || done == chunks {
                    let seconds = (now - began).seconds, pairsDone = min(done * chunk, pairs.count) - min(first * chunk, pairs.count)
                    say(String(format: "gram: features %d/%d pairs, %.1f pairs/s", min(done * chunk, pairs.count), pairs.count, Double(pairsDone) / max(seconds, 1e-9)))
                    lastReport = now
                }
            }
            if signal != 0 && done < chunks {
                // Every rank saw the same flags; rank 0 has synced the chunks so far.
                var stop = Preempted(signal: signal, step: done, steps: chunks, checkpoint: path + ".progress")
                (stop.unit, stop.record) = ("feature chunk", "progress record")
                if writer != nil { say(stop.description) }
                try communicator.barrier()
                throw stop
            }
            round += ranks
        }
    }

    /// Chunk `c`'s readable flags, image features and caption features into `buffer`
    /// (zeros for a pair whose image cannot be read: its row still goes through the encoder,
    /// so every chunk is one batch of the same rows).
    static func compute(chunk c: Int, pairs: PairIndex, bundle: CLIPBundle, into buffer: inout [Float], width: Int) throws {
        let lines = (c * chunk)..<min((c + 1) * chunk, pairs.count)
        let size = bundle.model.configuration.imageSize
        var pixels: [Tensor] = [], captions: [String] = []
        for (row, i) in lines.enumerated() {
            let pair = pairs.pair(at: i)
            captions.append(pair.caption)
            if let image = try? RGBImage(jpegFile: pair.path) {
                pixels.append(bundle.preprocessor(image))
                buffer[row] = 1
            } else {
                pixels.append(Tensor.zeros([3, size, size]))
            }
        }
        withoutGradient {
            let images = bundle.model.encodeImages(Tensor.concatenate(pixels.map { $0.reshaped([1] + $0.shape) }, alongAxis: 0))
            let texts = bundle.model.encodeText(bundle.tokenizer.tokenize(captions, contextLength: bundle.model.configuration.contextLength))
            let n = lines.count
            for j in 0..<(n * width) {
                buffer[chunk + j] = images.storage[j]
                buffer[chunk + chunk * width + j] = texts.storage[j]
            }
        }
    }
}

/// "path size modification-time" of a file.
func fileIdentity(_ path: String) throws -> String {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return "\(path) \(attributes[.size] ?? "?") \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
}

/// Rank 0's feature file in the making: `<path>.partial` with its header and room for every
/// row, and `<path>.progress` recording the chunks written and synced.
final class PartialFeatureFile {
    let path: String, partialPath: String, progressPath: String
    let descriptor: Int32
    let header: Int
    let offsets: [String: Range<Int>]
    let progressIdentity: String
    private(set) var chunksDone = 0

    /// Opens the partial file of the same identity where its progress record says, or starts
    /// a new one (any stale partial file is replaced).
    init(path: String, identity: [String: String], count: Int, width: Int) throws {
        self.path = path
        partialPath = path + ".partial"
        progressPath = path + ".progress"
        let (bytes, offsets) = SafeTensorsWriter.header([("image", .F32, [count, width]), ("readable", .F32, [count]), ("text", .F32, [count, width])],
                                                         metadata: identity)
        self.header = bytes.count
        self.offsets = offsets
        progressIdentity = JSONValue.object(JSONObject(identity.keys.sorted().map { ($0, .string(identity[$0]!)) })).serialized()
        let total = bytes.count + (offsets.values.map(\.upperBound).max() ?? 0)
        var resumeAt = 0
        if let data = FileManager.default.contents(atPath: progressPath), let json = try? JSONValue(parsing: data),
           json["identity"]?.serialized() == progressIdentity, let done = json["chunks"]?.intValue,
           let size = (try? FileManager.default.attributesOfItem(atPath: partialPath))?[.size] as? Int, size == total {
            resumeAt = done
        }
        let fd = open(partialPath, resumeAt > 0 ? O_RDWR | O_CLOEXEC : O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrainingError("\(partialPath): cannot open: \(String(cString: strerror(errno)))") }
        descriptor = fd
        chunksDone = resumeAt
        if resumeAt == 0 {
            try? FileManager.default.removeItem(atPath: progressPath)
            try write(bytes, at: 0)
            guard ftruncate(fd, off_t(total)) == 0 else { throw TrainingError("\(partialPath): cannot allocate \(total) bytes: \(String(cString: strerror(errno)))") }
        }
    }

    deinit { close(descriptor) }

    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            guard n > 0 else { throw TrainingError("\(partialPath): cannot write \(bytes.count) bytes at \(offset): \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// Chunk `c`'s `rows` pairs from a gathered buffer (flags, image rows, text rows).
    func write(chunk c: Int, rows: Int, values: [Float], width: Int) throws {
        let first = c * PairFeatures.chunk
        try values.withUnsafeBytes { raw in
            let f = MemoryLayout<Float>.size, imageStart = PairFeatures.chunk * f, textStart = imageStart + PairFeatures.chunk * width * f
            try write(UnsafeRawBufferPointer(rebasing: raw[0..<(rows * f)]), at: header + offsets["readable"]!.lowerBound + first * f)
            try write(UnsafeRawBufferPointer(rebasing: raw[imageStart..<(imageStart + rows * width * f)]),
                      at: header + offsets["image"]!.lowerBound + first * width * f)
            try write(UnsafeRawBufferPointer(rebasing: raw[textStart..<(textStart + rows * width * f)]),
                      at: header + offsets["text"]!.lowerBound + first * width * f)
        }
    }

    /// Syncs what is written and records `chunksDone`; with `finished`, renames the file into
    /// place and removes the record.
    func commit(chunksDone done: Int, finished: Bool) throws {
        guard fsync(descriptor) == 0 else { throw TrainingError("\(partialPath): cannot sync: \(String(cString: strerror(errno)))") }
        chunksDone = done
        if finished {
            guard rename(partialPath, path) == 0 else { throw TrainingError("\(partialPath): cannot rename to \(path): \(String(cString: strerror(errno)))") }
            let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
            if directory >= 0 { _ = fsync(directory); close(directory) }
            try? FileManager.default.removeItem(atPath: progressPath)
        } else {
            let record = "{\"identity\": \(progressIdentity), \"chunks\": \(done)}\n"
            try AtomicFile.write(record, to: progressPath)
        }
    }
}
