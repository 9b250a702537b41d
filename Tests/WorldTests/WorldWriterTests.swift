import Datasets
import Foundation
import Testing
@testable import World

@Suite struct WorldWriterTests {
    /// A small world: 16 train images per class (the loader samples 16 shots: all of them),
    /// 1 val and 2 test images per class, 30 pretraining pairs; 16-pixel images without
    /// supersampling keep it fast in debug builds (what is tested does not depend on either).
    static let small: WorldConfiguration = {
        var configuration = WorldConfiguration()
        configuration.trainPerClass = 16
        configuration.validationPerClass = 1
        configuration.testPerClass = 2
        configuration.pretrainingPairs = 30
        configuration.imageSize = 16
        configuration.supersampling = 1
        return configuration
    }()

    @Test func writtenWorldLoadsThroughDatasetsWithBaseAndNewHalves() throws {
        let directory = try TemporaryDirectory()
        let summary = try WorldWriter.write(to: directory.path, configuration: Self.small, seed: 1)
        #expect(summary.splitFile == directory.path + "/world/split_zhou_World.json")
        #expect(summary.downstreamImages == 48 * 19 && summary.pretrainingImages == 30)
        let source = DatasetSource.custom(splitFile: summary.splitFile, imageRoot: summary.imageRoot)

        let base = try source.load(shots: 16, seed: 1, subset: .base)
        #expect(base.classnames == Array(World.classNames[..<24]))
        #expect(base.splits.train.count == 24 * 16)
        #expect(base.splits.val.count == 24 && base.splits.test.count == 24 * 2)

        let new = try source.load(shots: 16, seed: 1, subset: .new)
        #expect(new.classnames == Array(World.classNames[24...]))
        #expect(new.splits.test.count == 24 * 2)

        let all = try source.readSplits()
        #expect(all.train.first?.path == summary.imageRoot + "/red_circle/000.jpg")
        #expect(all.val.first?.path == summary.imageRoot + "/red_circle/016.jpg")
        #expect(all.test.last?.path == summary.imageRoot + "/pink_cross/018.jpg")
        #expect(all.test.last?.label == 47 && all.test.last?.classname == "pink cross")

        // The file holds the in-memory sample, JPEG-compressed.
        let decoded = try RGBImage(jpegFile: summary.imageRoot + "/cyan_star/017.jpg")
        let sample = World.downstreamSample(label: 34, index: 17, seed: 1, configuration: Self.small)
        #expect(JPEGEncoderTests.meanAbsoluteError(decoded, sample.image) < JPEGEncoderTests.downstreamBound)  // measured 3.1
    }

    @Test func pretrainingPairsAreTheInMemorySamples() throws {
        let directory = try TemporaryDirectory()
        var configuration = Self.small
        configuration.trainPerClass = 0
        let (pairsFile, count) = try WorldWriter.writePretraining(to: directory.path, configuration: configuration, seed: 5)
        #expect(count == 30)
        let pairs = try ImageCaptionPairs.read(pairsFile)
        #expect(pairs.count == 30)
        for (index, pair) in pairs.enumerated() {
            let sample = World.pretrainingSample(index: index, seed: 5, configuration: configuration)
            #expect(pair.caption == sample.caption)
            #expect(pair.path == directory.path + "/pretrain/images/" + WorldWriter.padded(index, 5) + ".jpg")
        }
        let decoded = try RGBImage(jpegFile: pairs[7].path)
        let sample = World.pretrainingSample(index: 7, seed: 5, configuration: configuration)
        #expect(JPEGEncoderTests.meanAbsoluteError(decoded, sample.image) < 4)  // 16 px without anti-aliasing: sharper than the 32-px images (measured 2.7)
    }

    @Test func sameSeedWritesTheSameBytes() throws {
        var configuration = Self.small
        configuration.trainPerClass = 1
        configuration.validationPerClass = 0
        configuration.testPerClass = 1
        configuration.pretrainingPairs = 5
        let first = try TemporaryDirectory(), second = try TemporaryDirectory(), other = try TemporaryDirectory()
        try WorldWriter.write(to: first.path, configuration: configuration, seed: 3)
        try WorldWriter.write(to: second.path, configuration: configuration, seed: 3)
        try WorldWriter.write(to: other.path, configuration: configuration, seed: 4)
        for relative in ["world/split_zhou_World.json", "world/images/blue_star/001.jpg",
                         "pretrain/pairs.tsv", "pretrain/images/00004.jpg"] {
            let a = FileManager.default.contents(atPath: first.path + "/" + relative)
            #expect(a != nil && a == FileManager.default.contents(atPath: second.path + "/" + relative), "\(relative)")
        }
        for relative in ["world/images/blue_star/001.jpg", "pretrain/pairs.tsv"] {
            #expect(FileManager.default.contents(atPath: first.path + "/" + relative)
                    != FileManager.default.contents(atPath: other.path + "/" + relative), "\(relative)")
        }
    }

    /// The default world's train pool is larger than the demo's 16 shots, so every seed trains
    /// on its own draw (Dassl's sampler under CoOp's seeding, as `train` loads it): seeds 1–5
    /// give five different lists of 16 distinct pool images per class, two seeds share about
    /// a quarter of a class's shots, and the five together cover most of the pool.
    @Test func seedsDrawDifferentShotsFromTheDefaultPool() throws {
        var configuration = WorldConfiguration()
        #expect(configuration.trainPerClass == 64)
        (configuration.validationPerClass, configuration.testPerClass, configuration.pretrainingPairs) = (1, 1, 0)
        (configuration.imageSize, configuration.supersampling) = (8, 1)
        let directory = try TemporaryDirectory()
        let (splitFile, imageRoot, _) = try WorldWriter.writeDownstream(to: directory.path, configuration: configuration, seed: 1)
        let source = DatasetSource.custom(splitFile: splitFile, imageRoot: imageRoot)
        let pool = Set(try source.readSplits().train.map(\.path))
        let lists = try (1...5).map { seed in try source.load(shots: 16, seed: seed, subset: .base).splits.train }
        var perClass: [[Int: Set<String>]] = []
        for list in lists {
            #expect(list.count == 24 * 16 && Set(list.map(\.path)).count == 24 * 16 && list.allSatisfy { pool.contains($0.path) })
            perClass.append(Dictionary(grouping: list, by: \.label).mapValues { Set($0.map(\.path)) })
            #expect(perClass.last!.count == 24 && perClass.last!.values.allSatisfy { $0.count == 16 })
        }
        for a in 0..<5 {
            for b in (a + 1)..<5 {
                // Expected overlap of two independent 16-of-64 draws: 16·16/64 = 4 per class.
                let shared = perClass[a].keys.reduce(0) { $0 + perClass[a][$1]!.intersection(perClass[b][$1]!).count }
                #expect(Double(shared) / 24 < 8, "seeds \(a + 1) and \(b + 1) share \(shared) of 384 shots")
            }
        }
        // Five independent draws cover 64·(1 − (48/64)^5) ≈ 49 of a class's 64 images on average.
        let covered = perClass[0].keys.map { label in perClass.reduce(Set<String>()) { $0.union($1[label]!) }.count }
        #expect(Double(covered.reduce(0, +)) / 24 > 40, "\(covered)")
    }

    @Test func paddingWidensForLargeCounts() {
        #expect(WorldWriter.padded(7, 3) == "007")
        #expect(WorldWriter.padded(1234, 3) == "1234")
    }
}
