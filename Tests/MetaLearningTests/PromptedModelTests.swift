import AutoDiff
import CLIP
import CLIPAdapter
import Foundation
import MetaLearning
import TestSupport
import Testing

/// PromptSRC's logit term, `TrainingLosses.logitDistillation` and its place in the loss, on
/// the tiny CLIP fixture, against a hand-written Float64 reference of the official formula
/// `kl_div(log_softmax(z), log_softmax(z₀), reduction='sum', log_target=True) / z.numel()`.
@Suite struct PromptedModelTests {
    static let model = Result { try CLIPModel(directory: fixture("tiny-clip")) }
    static let tokenizer = Result { try CLIPTokenizer(modelDirectory: fixture("tiny-clip")) }
    static let classNames = ["circle", "square", "triangle"]

    /// PromptSRC at the tiny model's size (depth 2 of 3 layers), its classifier, initial
    /// prompts, the frozen text target over the 60 templates, and a random batch of 4.
    static func setup() throws -> (CLIPClassifier, [String: Tensor], LabelledBatch, Tensor) {
        let clip = try model.get(), tok = try tokenizer.get()
        var c = try MethodConfiguration.defaults(for: "promptsrc")
        c.textDepth = 2
        c.visionDepth = 2
        var stream = RandomStream(seed: 3, 1)
        // Prompts away from their initialisation, so the prompted and frozen logits differ.
        let prompts = MethodFactory.initialPrompts(c, model: clip, tokenizer: tok, stream: &stream)
            .mapValues { $0 + Tensor.normal($0.shape, std: 0.5, stream: &stream) }
        let classifier = MethodFactory.classifier(c, model: clip, tokenizer: tok, classNames: classNames)
        let target = classifier.frozenTextTarget(templateTokens: CLIPClassifier.templateTokens(tokenizer: tok, classNames: classNames))
        let batch = LabelledBatch(pixels: Tensor.normal([4, 3, 32, 32], stream: &stream), labels: [0, 2, 1, 2])
        return (classifier, prompts, batch, target)
    }

    @Test func logitTermMatchesTheOfficialFormulaInFloat64() throws {
        let (classifier, prompts, batch, target) = try Self.setup()
        let targets = FrozenTargets(text: target, images: FrozenTargets.images(of: batch.pixels, model: classifier))
        let losses = TrainingLosses.compute(model: classifier, batch: batch, prompts: prompts, targets: targets,
                                            textWeight: 25, imageWeight: 10, logitWeight: 1)
        // z₀ = logit_scale · v₀ · t₀ᵀ and the KL, all in Float64 from the Float32 features.
        let (b, c, p) = (batch.count, Self.classNames.count, target.shape[1])
        let v0 = targets.images.storage.map(Double.init), t0 = target.storage.map(Double.init)
        var z0 = [Double](repeating: 0, count: b * c)
        for i in 0..<b { for j in 0..<c { z0[i * c + j] = Double(classifier.logitScale) * (0..<p).reduce(0) { $0 + v0[i * p + $1] * t0[j * p + $1] } } }
        let logP = logSoftmaxReference(losses.logits.storage.map(Double.init), columns: c), logQ = logSoftmaxReference(z0, columns: c)
        let reference = zip(logP, logQ).reduce(0) { $0 + Foundation.exp($1.1) * ($1.1 - $1.0) } / Double(b * c)
        // Float32 features and logits (|z| ≲ logit_scale ≈ 14) carry ~10⁻⁶ relative error; the
        // KL of two nearby distributions is a difference of such terms: allow 10⁻⁴ relative
        // and 10⁻⁶ absolute.
        let tolerance = Tolerance(atol: 1e-6, rtol: 1e-4)
        #expect(reference > 1e-3, "the prompts moved the logits away from zero-shot (KL \(reference))")
        #expect(tolerance.allows(losses.logitRegulariser.scalar, Float(reference)), "\(losses.logitRegulariser.scalar) vs \(reference)")
        // The weight scales the term; without weight there is none.
        let weighted = TrainingLosses.compute(model: classifier, batch: batch, prompts: prompts, targets: targets,
                                              textWeight: 25, imageWeight: 10, logitWeight: 3)
        #expect(Tolerance(atol: 1e-6, rtol: 1e-6).allows(weighted.logitRegulariser.scalar, 3 * losses.logitRegulariser.scalar))
        let none = TrainingLosses.compute(model: classifier, batch: batch, prompts: prompts, targets: targets, textWeight: 25, imageWeight: 10)
        #expect(none.logitRegulariser.scalar == 0)
    }

    /// ∂L/∂z = (softmax(z) − softmax(z₀)) / (B·C), and z₀ gets no gradient.
    @Test func logitTermGradientIsTheSoftmaxDifferenceAndMatchesFiniteDifferences() {
        var stream = RandomStream(seed: 4, 1)
        let z = Tensor.normal([4, 5], std: 3, stream: &stream).requiringGrad(), z0 = Tensor.normal([4, 5], std: 3, stream: &stream).requiringGrad()
        let grads = gradients(of: TrainingLosses.logitDistillation(logits: z, zeroShotLogits: z0), withRespectTo: [z, z0])
        let p = logSoftmaxReference(z.storage.map(Double.init), columns: 5).map(Foundation.exp)
        let q = logSoftmaxReference(z0.storage.map(Double.init), columns: 5).map(Foundation.exp)
        let closedForm = zip(p, q).map { Float(($0 - $1) / 20) }
        // Float32 softmax ≈ 10⁻⁷ absolute per entry, /20: allow 10⁻⁷ absolute (entries ≲ 0.05).
        let exact = compare(grads[0].storage, closedForm, Tolerance(atol: 1e-7, rtol: 1e-5))
        #expect(exact.passes, "\(exact)")
        #expect(grads[1].storage.allSatisfy { $0 == 0 }, "the zero-shot logits are a constant")
        // Central differences, ε = 10⁻² on logits of order 3 (OpDerivativeTests' budget:
        // truncation ε²/6·|f‴| and rounding ulp(f)/ε ≈ 10⁻⁵ for f ≈ 0.1): 10⁻³ of the largest.
        let numeric = FiniteDifferences.gradient({ TrainingLosses.logitDistillation(logits: $0[0], zeroShotLogits: z0.detached()) },
                                                 at: [z.detached()], epsilon: 1e-2)[0]
        let fd = compare(grads[0].storage, numeric, Tolerance(atol: 1e-3 * maxMagnitude(numeric), rtol: 1e-3))
        #expect(fd.passes, "\(fd)")
    }

    /// One PromptSRC step: the total is CE + (logit + text + image) terms as the official
    /// trainer sums them, and each term is logged.
    @Test func promptSRCStepAddsTheLogitTermToTheLoss() throws {
        let (classifier, prompts, batch, target) = try Self.setup()
        var method = PromptTuning(name: "promptsrc", prompts: prompts, optimizer: SGD(momentum: 0.9, weightDecay: 5e-4),
                                  textRegWeight: 25, imageRegWeight: 10, logitRegWeight: 1)
        let scalars = try method.step(model: classifier, batch: batch,
                                  context: StepContext(textTarget: target, stream: RandomStream(seed: 1, 0), learningRates: ["prompts": 0.0025]))
        let sum = scalars["loss.ce"]! + (scalars["loss.logit_reg"]! + scalars["loss.text_reg"]! + scalars["loss.image_reg"]!)
        #expect(scalars["loss.total"] == sum, "\(scalars)")
        #expect(scalars["loss.logit_reg"]! > 0)
        // Without the logit weight the step logs no logit term (ivlp's lines stay as they were).
        var ivlp = PromptTuning(name: "ivlp", prompts: prompts, optimizer: SGD(momentum: 0.9, weightDecay: 5e-4), textRegWeight: 25, imageRegWeight: 10)
        let plain = try ivlp.step(model: classifier, batch: batch,
                              context: StepContext(textTarget: target, stream: RandomStream(seed: 1, 0), learningRates: ["prompts": 0.0025]))
        #expect(plain["loss.logit_reg"] == nil && plain["loss.ce"] == scalars["loss.ce"], "\(plain) \(scalars)")
    }
}
