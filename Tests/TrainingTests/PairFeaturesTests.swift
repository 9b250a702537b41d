import AutoDiff
import CLIPAdapter
import Datasets
import Distributed
import Foundation
import Glibc
import Synchronization
import TensorIO
import TestSupport
import Testing
@testable import Training

/// GRAM's feature file on the tiny CLIP and 82 tinyshapes pairs (3 chunks of 32), two of
/// them with no readable image.
@Suite(.serialized) struct PairFeaturesTests {
    /// pairs.tsv: the 72 tinyshapes images, 8 of them twice, captioned by class; line 3 names
    /// a missing image and line 10 a file that is not a JPEG.
    static func pairs(in dir: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("tinyshapes/split_zhou_TinyShapes.json")))
        let split = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[Any]]])
        var lines: [String] = []
        for part in ["train", "val", "test"] {
            for item in split[part] ?? [] {
                lines.append("\(fixture("tinyshapes"))/\(item[0] as! String)\ta photo of a \(item[2] as! String)")
            }
        }
        lines += lines.prefix(8)
        try "not an image".write(toFile: dir + "/notjpeg.jpg", atomically: true, encoding: .utf8)
        lines.insert("missing.jpg\ta photo of nothing", at: 2)
        lines.insert("notjpeg.jpg\ta photo of text", at: 9)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/pairs.tsv", atomically: true, encoding: .utf8)
        return dir + "/pairs.tsv"
    }

    static func prepare(_ pairs: String, _ path: String, ranks: Int, preempted: Bool = false) throws -> [String] {
        let index = try PairIndex(path: pairs), bundle = try CLIPBundle(directory: fixture("tiny-clip"))
        let lines = try inProcessJob(ranks: ranks) { communicator in
            var said: [String] = []
            _ = try PairFeatures.prepare(pairs: index, bundle: bundle, modelDirectory: fixture("tiny-clip"), path: path,
                                         communicator: communicator, say: { said.append($0) }, preemption: { preempted ? SIGUSR1 : nil })
            return said
        }
        let othersQuiet = lines.dropFirst().allSatisfy { $0.isEmpty }
        #expect(othersQuiet, "only rank 0 speaks")
        return lines[0]
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func extractionIsTheSameOnAnyRankCountSkipsUnreadableImagesAndResumesToTheSameBytes() throws {
        BLAS.setThreadCount(1)
        let dir = NSTemporaryDirectory() + "pair-features-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pairs = try Self.pairs(in: dir)

        let one = dir + "/one.safetensors"
        let said = try Self.prepare(pairs, one, ranks: 1)
        let features = try PairFeatures(path: one)
        #expect(features.count == 82 && features.width == 32 && features.readable.count == 80)
        #expect(!features.readable.contains(2) && !features.readable.contains(9))
        #expect(said.contains { $0.hasPrefix("gram: skipping pair 3 (\(pairs) line 3): ") && $0.contains("missing.jpg") }, "\(said)")
        #expect(said.contains { $0.hasPrefix("gram: skipping pair 10 (\(pairs) line 10): ") }, "\(said)")
        #expect(said.contains("gram: 2 of 82 pairs have no readable image and are left out"), "\(said)")
        // The features are the model's: pair 0's image row is its embedding.
        let bundle = try CLIPBundle(directory: fixture("tiny-clip"))
        let first = try PairIndex(path: pairs).pair(at: 0)
        let direct = withoutGradient { bundle.model.encodeText(bundle.tokenizer.tokenize([first.caption], contextLength: bundle.model.configuration.contextLength)) }
        for j in 0..<32 { #expect(abs(features.text[0][j] - direct.storage[j]) <= 1e-5 * max(1, abs(direct.storage[j]))) }

        // Three ranks write the same bytes.
        let three = dir + "/three.safetensors"
        _ = try Self.prepare(pairs, three, ranks: 3)
        #expect(try Self.bytes(three) == (try Self.bytes(one)))

        // Preempted (SIGUSR1 noted) in the first round on one rank, resumed on two: the same bytes.
        let resumed = dir + "/resumed.safetensors"
        #expect { _ = try Self.prepare(pairs, resumed, ranks: 1, preempted: true) } throws: { error in
            guard let stop = error as? Preempted else { return false }
            return stop.step == 1 && stop.steps == 3 && "\(stop)".contains("after feature chunk 1 of 3: progress record \(resumed).progress written")
        }
        #expect(!FileManager.default.fileExists(atPath: resumed) && FileManager.default.fileExists(atPath: resumed + ".partial"))
        let again = try Self.prepare(pairs, resumed, ranks: 2)
        #expect(again.first == "gram: features resumed at chunk 1 of 3 in \(resumed).partial", "\(again)")
        #expect(try Self.bytes(resumed) == (try Self.bytes(one)))
        #expect(!FileManager.default.fileExists(atPath: resumed + ".partial") && !FileManager.default.fileExists(atPath: resumed + ".progress"))

        // A later run reuses the file; a changed list recomputes it.
        #expect(try Self.prepare(pairs, one, ranks: 1).first == "gram: features of 82 pairs reused from \(one)")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: pairs)
        #expect(try Self.prepare(pairs, one, ranks: 1).first?.hasPrefix("gram: computing the features of 82 pairs") == true)
    }

    @Test func theImageCacheKeepsTheMostRecentlyUsed() throws {
        let cache = ImageCache(capacity: 2) { Tensor.zeros([Int($0) + 1]) }
        for i in [0, 1, 0, 2, 0, 1] { _ = try cache.pixels(i) }
        // 0 and 1 load; 0 hits; 2 loads, evicting 1; 0 hits; 1 loads again.
        #expect(cache.loads == 4)
    }
}
