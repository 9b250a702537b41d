import AutoDiff
import CLIP
import Datasets
import Distributed
import Foundation
import Pretraining
import Synchronization
import TestSupport
import Testing
import Training

/// Short pretraining runs on a synthetic world: one square of one of four colours on a grey
/// background, captioned "a red square .".
@Suite struct PretrainingRunTests {
    static let colors: [(name: String, rgb: (Int, Int, Int))] = [
        ("red", (210, 45, 40)), ("green", (40, 175, 60)), ("blue", (45, 70, 210)), ("yellow", (225, 205, 40)),
    ]
    static let words = ["a", "square", "."] + colors.map(\.name)

    /// Sample `index` of world `seed`: a square of side 8–18 at a random position, colour
    /// jittered by ±20 levels, on a grey background of level 50–200.
    static func sample(seed: UInt64, index: Int) -> (image: RGBImage, caption: String, label: Int) {
        var stream = RandomStream(seed: seed, UInt64(index))
        let label = stream.int(below: colors.count)
        let grey = 50 + stream.int(below: 151)
        let side = 8 + stream.int(below: 11)
        let x0 = stream.int(below: 32 - side + 1), y0 = stream.int(below: 32 - side + 1)
        let (r, g, b) = colors[label].rgb
        let jitter = (0..<3).map { _ in stream.int(below: 41) - 20 }
        let fill = [r, g, b].enumerated().map { UInt8(clamping: $1 + jitter[$0]) }
        var pixels = [UInt8](repeating: UInt8(grey), count: 32 * 32 * 3)
        for y in y0..<(y0 + side) {
            for x in x0..<(x0 + side) {
                for c in 0..<3 { pixels[(y * 32 + x) * 3 + c] = fill[c] }
            }
        }
        return (RGBImage(width: 32, height: 32, pixels: pixels), "a \(colors[label].name) square .", label)
    }

    static func options(directory: String, steps: Int, batch: Int, microBatch: Int) -> PretrainingOptions {
        var o = PretrainingOptions(outputDirectory: directory, words: words, seed: 11, steps: steps)
        o.tower = TowerConfiguration(width: 32, layers: 2, heads: 2, mlpWidth: 128)
        o.projectionWidth = 32
        o.batchSize = batch
        o.microBatchSize = microBatch
        o.learningRate = 2e-3
        o.warmupSteps = 3
        o.logEvery = 10
        return o
    }

    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "pretraining-run-\(UUID().uuidString)"
    }

    /// 30 steps of 32 pairs (two micro-batches of 16), then zero-shot classification of 64
    /// held-out images (another world seed) with the written directory loaded the ordinary way.
    @Test func shortPretrainingGivesZeroShotAccuracyFarAboveChanceAndTheDirectoryRoundTrips() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trained = try PretrainingTrainer(options: Self.options(directory: directory, steps: 30, batch: 32, microBatch: 16),
                                             communicator: LocalCommunicator()) { i in
            let s = Self.sample(seed: 1, index: i)
            return (s.image, s.caption)
        }.run()

        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file) missing")
        }
        let model = try CLIPModel(directory: directory)
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)
        let preprocessor = try CLIPPreprocessor(configFile: directory + "/preprocessor_config.json")
        #expect(model.configuration == trained.configuration)
        #expect(preprocessor == Pretraining.preprocessor(imageSize: 32))
        #expect(model.weights.keys.sorted() == trained.weights.keys.sorted())
        for (name, w) in trained.weights { #expect(model.weights[name]!.storage == w.storage, "\(name) changed on disk") }

        let held = (0..<64).map { Self.sample(seed: 2, index: $0) }
        let pixels = Tensor(shape: [64, 3, 32, 32], values: held.flatMap { preprocessor($0.image).storage })
        let prompts = tokenizer.tokenize(Self.colors.map { "a \($0.name) square ." })
        let (imageFeatures, textFeatures) = withoutGradient { (model.encodeImages(pixels), model.encodeText(prompts)) }
        // The loaded model reproduces the in-memory one bit for bit.
        let (memoryImage, memoryText) = withoutGradient { (trained.encodeImages(pixels), trained.encodeText(prompts)) }
        #expect(imageFeatures.storage == memoryImage.storage && textFeatures.storage == memoryText.storage)

        let predictions = model.logits(imageFeatures: imageFeatures, textFeatures: textFeatures).argmaxLastAxis()
        let accuracy = Double(zip(predictions, held).filter { $0 == $1.label }.count) / Double(held.count)
        // Chance is 25 %. Requiring 75 %: at chance, P(≥ 48 of 64 right) < 10⁻¹³, so passing
        // means the towers learned colour from the captions; colour is the easiest attribute,
        // so a working run reaches it in 30 steps (≈ 95–100 % here).
        #expect(accuracy >= 0.75, "zero-shot accuracy \(accuracy) after 30 steps")
    }

    /// The same run on one rank and on two (threads with an in-process communicator, three
    /// micro-batches so the split is uneven) ends in the same bits.
    @Test func weightsDoNotDependOnTheNumberOfRanks() throws {
        BLAS.setThreadCount(1)
        func run(ranks: Int) throws -> [[String: [Float]]] {
            let directory = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var options = Self.options(directory: directory, steps: 2, batch: 24, microBatch: 8)
            options.tower = TowerConfiguration(width: 16, layers: 1, heads: 2, mlpWidth: 32)
            options.projectionWidth = 16
            let sample: PretrainingSampler = { i in
                let s = Self.sample(seed: 3, index: i)
                return (s.image, s.caption)
            }
            return try inProcessJob(ranks: ranks) { [options] communicator in
                try PretrainingTrainer(options: options, communicator: communicator, sample: sample).run().weights.mapValues(\.storage)
            }
        }
        let one = try run(ranks: 1)[0]
        for (rank, weights) in try run(ranks: 2).enumerated() {
            #expect(weights.keys.sorted() == one.keys.sorted())
            for (name, w) in one { #expect(weights[name]! == w, "rank \(rank) of 2: \(name) differs from the one-rank run") }
        }
    }
}

extension PretrainingRunTests {
    static func tinyOptions(directory: String) -> PretrainingOptions {
        var options = options(directory: directory, steps: 1, batch: 8, microBatch: 8)
        options.tower = TowerConfiguration(width: 8, layers: 1, heads: 2, mlpWidth: 16)
        options.projectionWidth = 8
        return options
    }

    @Test func aSamplePoolDrawsIndicesBelowItsSize() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = Self.tinyOptions(directory: directory)
        options.steps = 2
        options.samplePool = 5
        let seen = Mutex<Set<Int>>([])
        try PretrainingTrainer(options: options, communicator: LocalCommunicator()) { i in
            seen.withLock { _ = $0.insert(i) }
            let s = Self.sample(seed: 1, index: i)
            return (s.image, s.caption)
        }.run()
        let indices = seen.withLock { $0 }
        #expect(!indices.isEmpty && indices.allSatisfy { (0..<5).contains($0) }, "drew \(indices.sorted())")
    }

    @Test func aCaptionOutsideTheVocabularyStopsTheRunNamingIt() {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect {
            try PretrainingTrainer(options: Self.tinyOptions(directory: directory), communicator: LocalCommunicator()) { i in
                (Self.sample(seed: 1, index: i).image, "a purple square .")
            }.run()
        } throws: { error in
            (error as? TrainingError)?.description.contains("'a purple square .'") == true
        }
    }
}
