import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import Pretraining
import Testing
import Training
import World

/// A short pretraining on the real world's pretraining domain (its renderer, captions and
/// vocabulary), written as a Hugging Face directory and loaded back the ordinary way.
@Suite struct WorldPretrainingTests {
    @Test func shortPretrainingLoadsAndRecognisesColoursFarAboveChance() throws {
        BLAS.setThreadCount(1)
        let directory = NSTemporaryDirectory() + "world-pretraining-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = PretrainingOptions(outputDirectory: directory, words: World.vocabulary, seed: 5, steps: 100)
        options.tower = TowerConfiguration(width: 32, layers: 2, heads: 2, mlpWidth: 128)
        options.projectionWidth = 32
        options.batchSize = 32
        options.microBatchSize = 32
        options.learningRate = 2e-3
        options.warmupSteps = 10
        options.logEvery = 100
        try PretrainingTrainer(options: options, communicator: LocalCommunicator()) { i in
            let s = World.pretrainingSample(index: i, seed: 5)
            return (s.image, s.caption)
        }.run()

        let model = try CLIPModel(directory: directory)
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)
        let preprocessor = try CLIPPreprocessor(configFile: directory + "/preprocessor_config.json")
        // Held-out pretraining-domain images: indices far past the 100 × 32 the run drew.
        let held = (0..<96).map { World.pretrainingSample(index: 1_000_000 + $0, seed: 5) }
        let pixels = Tensor(shape: [held.count, 3, 32, 32], values: held.flatMap { preprocessor($0.image).storage })
        let prompts = tokenizer.tokenize(World.classNames.map { "a photo of a \($0) ." })
        let logits = withoutGradient { model.logits(imageFeatures: model.encodeImages(pixels), textFeatures: model.encodeText(prompts)) }
        let predictions = logits.argmaxLastAxis()
        let shapes = ObjectShape.allCases.count
        let colourRight = zip(predictions, held).filter { $0 / shapes == $1.label / shapes }.count
        // Zero-shot over the 48 class prompts, scored on the colour of the predicted class:
        // chance is 1/8 (12 of 96, σ ≈ 3.2). Requiring half right (48) is 11σ above chance, so
        // passing means the towers learned colour words from the captions; shape needs far
        // longer pretraining than a test can afford, so it is not required here.
        #expect(colourRight >= 48, "colour right for \(colourRight) of 96 after 100 steps")
    }
}
