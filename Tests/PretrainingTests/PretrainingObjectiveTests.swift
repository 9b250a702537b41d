import AutoDiff
import CLIP
import Foundation
import Pretraining
import TestSupport
import Testing
import Training

@Suite struct PretrainingObjectiveTests {
    static let words = ["a", "red", "green", "blue", "yellow", "square", "."]

    /// A model small enough for finite differences: width 8, one layer, 8-pixel images.
    static func tinyModel() throws -> (CLIPConfiguration, CLIPTokenizer) {
        var options = PretrainingOptions(outputDirectory: "", words: words, seed: 1, steps: 1)
        options.tower = TowerConfiguration(width: 8, layers: 1, heads: 2, mlpWidth: 16)
        options.imageSize = 8
        options.patchSize = 4
        options.projectionWidth = 4
        let vocabulary = try VocabularyBuilder(words: words)
        return (Pretraining.configuration(options, vocabularySize: vocabulary.count), CLIPTokenizer(vocabulary))
    }

    @Test func infoNCEGradientMatchesFiniteDifferences() throws {
        let (configuration, tokenizer) = try Self.tinyModel()
        let weights = Pretraining.initialWeights(configuration, seed: 3)
        let captions = ["a red square .", "a blue square .", "a green square .", "a red square ."]  // one repeat
        let ids = tokenizer.tokenize(captions)
        var stream = RandomStream(seed: 5)
        let pixels = Tensor.normal([4, 3, 8, 8], stream: &stream)
        let names = weights.keys.sorted()
        func loss(_ w: [String: Tensor]) -> Tensor {
            let model = CLIPModel(configuration: configuration, weights: w)
            return Pretraining.contrastiveLoss(imageFeatures: model.encodeImages(pixels), textFeatures: model.encodeText(ids),
                                               logitScale: w["logit_scale"]!, captions: captions)
        }
        let leaves = weights.mapValues { $0.requiringGrad() }
        let analytic = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: loss(leaves), withRespectTo: names.map { leaves[$0]! })))
        // Entries across both towers, embeddings, attention, MLP, norms, projections, scale.
        let probes: [(String, Int)] = [
            ("logit_scale", 0), ("text.token_embedding", tokenizer.encode("red")[0] * 8 + 1),
            ("text.position_embedding", 2 * 8 + 3), ("text.blocks.0.attn.q.weight", 5), ("text.blocks.0.attn.v.weight", 17),
            ("text.blocks.0.mlp.fc1.weight", 9), ("text.final_ln.weight", 2), ("text.projection", 7),
            ("vision.patch_embedding", 11), ("vision.class_embedding", 4), ("vision.blocks.0.attn.k.weight", 30),
            ("vision.blocks.0.attn.out.bias", 1), ("vision.blocks.0.mlp.fc2.weight", 40), ("vision.post_ln.bias", 6),
            ("vision.projection", 12),
        ]
        // Central differences in Float32 with a step of 5 % of the tensor's RMS (10⁻² for zero
        // biases): the embeddings (RMS 0.01–0.02) feed LayerNorms, so the loss is only locally
        // linear on their scale. Truncation is then ~10⁻³ relative; rounding ~10·ulp(loss ≈ 1.4)/ε;
        // hence rtol 2 % and atol max(2·10⁻⁴, 10⁻⁶/ε).
        func rms(_ t: Tensor) -> Float { (t.storage.map { $0 * $0 }.reduce(0, +) / Float(t.count)).squareRoot() }
        withoutGradient {
            for (name, index) in probes {
                func shifted(_ delta: Float) -> Float {
                    var values = weights[name]!.storage
                    values[index] += delta
                    var w = weights
                    w[name] = Tensor(shape: weights[name]!.shape, values: values)
                    return loss(w).scalar
                }
                let epsilon = rms(weights[name]!) > 0 ? 0.05 * rms(weights[name]!) : 1e-2
                let tolerance = Tolerance(atol: Swift.max(2e-4, 1e-6 / epsilon), rtol: 2e-2)
                let numeric = (shifted(epsilon) - shifted(-epsilon)) / (2 * epsilon)
                let exact = analytic[name]!.storage[index]
                #expect(tolerance.allows(exact, numeric), "∂loss/∂\(name)[\(index)]: autodiff \(exact), finite differences \(numeric) (\(tolerance))")
            }
        }
    }

    @Test func lossIsCLIPsCrossEntropyWhenCaptionsAreDistinct() {
        var stream = RandomStream(seed: 9)
        let image = Tensor.normal([3, 4], stream: &stream), text = Tensor.normal([3, 4], stream: &stream)
        let scale = Tensor(2)
        let loss = Pretraining.contrastiveLoss(imageFeatures: image, textFeatures: text, logitScale: scale, captions: ["a", "b", "c"])
        let logits = Tensor.matmul(image.l2Normalized(), text.l2Normalized(), transposeB: true) * Float(Foundation.exp(2.0))
        let expected = (Tensor.crossEntropy(logits, labels: [0, 1, 2]) + Tensor.crossEntropy(logits.transposed(), labels: [0, 1, 2])) * 0.5
        // Same ops up to exp of a tensor vs of a Double: a few ulps.
        #expect(Tolerance(atol: 1e-6, rtol: 1e-5).allows(loss.scalar, expected.scalar), "\(loss.scalar) vs \(expected.scalar)")
    }

    @Test func scheduleWarmsUpLinearlyThenFollowsTheCosine() {
        let lr = { (s: Int) in Pretraining.learningRate(step: s, totalSteps: 110, warmupSteps: 10, base: 1e-3) }
        func near(_ a: Double, _ b: Double) -> Bool { Tolerance(atol: 1e-15, rtol: 0).allows(a, b) }
        #expect(near(lr(0), 1e-4) && near(lr(4), 5e-4) && near(lr(9), 1e-3) && near(lr(10), 1e-3))
        #expect(near(lr(60), 5e-4) && lr(109) > 0 && lr(109) < 1e-6)
    }

    @Test func initialisationFollowsCLIP() throws {
        var options = PretrainingOptions(outputDirectory: "", words: Self.words, seed: 1, steps: 1)
        options.tower = TowerConfiguration(width: 64, layers: 2, heads: 4, mlpWidth: 256)
        let configuration = Pretraining.configuration(options, vocabularySize: 600)
        let w = Pretraining.initialWeights(configuration, seed: 2)
        func std(_ name: String) -> Float {
            let v = w[name]!.storage
            return (v.map { $0 * $0 }.reduce(0, +) / Float(v.count)).squareRoot()
        }
        // Sample standard deviations of ≥ 4096 draws are within a few % of the target.
        let close = Tolerance(atol: 0, rtol: 0.06)
        #expect(close.allows(std("text.token_embedding"), 0.02))
        #expect(close.allows(std("text.blocks.0.attn.q.weight"), 1 / 8))
        #expect(close.allows(std("vision.blocks.1.attn.out.weight"), 1 / (8 * 2)))
        #expect(close.allows(std("vision.blocks.0.mlp.fc1.weight"), 1 / Float(128).squareRoot()))
        #expect(close.allows(std("vision.projection"), 1 / 8))
        #expect(w["text.blocks.1.ln2.weight"]!.storage.allSatisfy { $0 == 1 } && w["vision.blocks.0.mlp.fc1.bias"]!.storage.allSatisfy { $0 == 0 })
        #expect(w["logit_scale"]!.scalar == Float(Foundation.log(1 / 0.07)))
        #expect(Pretraining.decays("text.blocks.0.attn.q.weight") && Pretraining.decays("vision.projection")
                && Pretraining.decays("vision.patch_embedding"))
        #expect(!Pretraining.decays("text.token_embedding") && !Pretraining.decays("text.blocks.0.ln1.weight")
                && !Pretraining.decays("vision.blocks.0.mlp.fc1.bias") && !Pretraining.decays("logit_scale"))
    }
}
