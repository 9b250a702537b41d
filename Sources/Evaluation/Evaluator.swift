import AutoDiff
import CLIP
import Datasets
import CLIPAdapter
import Foundation

/// Evaluates a frozen CLIP model, zero-shot or with learned prompts, on labelled images —
/// the test phase of CoOp/Dassl (`trainer.test()`).
///
/// Logits are `exp(logit_scale) · cos(image, class)` (N, C). The class features are computed
/// once; images are decoded, preprocessed (``CLIPPreprocessor``, PIL-exact) and encoded
/// `batchSize` at a time without recording gradients, so memory holds one batch of
/// activations plus the (N, C) logits, or only the predictions when logits are not kept.
///
/// ```swift
/// let evaluation = try Evaluator(modelDirectory: "clip-vit-base-patch16")
/// let set = try EvaluationSet.load(.standard(.oxfordPets, root: "$DATA"), subset: .new)
/// let result = try evaluation.run(set, prompts: .template(EvaluationPrompts.defaultTemplate))
/// print(result.metrics.dasslReport().joined(separator: "\n"))
/// ```
public struct Evaluator: Sendable {
    public let model: CLIPModel
    public let tokenizer: CLIPTokenizer
    public let preprocessor: CLIPPreprocessor
    /// Images encoded per forward pass.
    public let batchSize: Int

    /// Text rows encoded per forward pass (class prompts; an ensemble is C × T rows).
    static let textBatch = 256

    /// - Precondition: `batchSize ≥ 1`.
    public init(_ bundle: CLIPBundle, batchSize: Int = 32) {
        precondition(batchSize >= 1, "batch size must be positive, got \(batchSize)")
        self.model = bundle.model
        self.tokenizer = bundle.tokenizer
        self.preprocessor = bundle.preprocessor
        self.batchSize = batchSize
    }

    /// The evaluator of a Hugging Face CLIP directory (``CLIPBundle/init(directory:)``).
    public init(modelDirectory: String, batchSize: Int = 32) throws {
        self.init(try CLIPBundle(directory: modelDirectory), batchSize: batchSize)
    }

    // MARK: Class features

    /// The class features (C, P), L2-normalised, for `classNames` under `prompts`.
    ///
    /// - template: encode `template(name)`, normalise.
    /// - ensemble: for each template t, f_t = encode(t(name)) (normalised first with
    ///   `.normalized`); mean over t; normalise.
    /// - learned: encode "X … X name." with the text context and deep prompts, normalise
    ///   (vision-only prompts use "a photo of a {}.").
    public func classFeatures(_ classNames: [String], prompts: EvaluationPrompts) -> Tensor {
        precondition(!classNames.isEmpty, "class features of no classes")
        return withoutGradient {
            switch prompts {
            case .template(let template):
                return encode(classNames.map { ClassPrompt.fill(template, $0) }, prompts: nil).l2Normalized()
            case .ensemble(let templates, let averaging):
                precondition(!templates.isEmpty, "an ensemble of no templates")
                var sum = Tensor.zeros([classNames.count, model.configuration.projectionWidth])
                for template in templates {
                    let f = encode(classNames.map { ClassPrompt.fill(template, $0) }, prompts: nil)
                    sum = sum + (averaging == .normalized ? f.l2Normalized() : f)
                }
                return (sum * (1 / Float(templates.count))).l2Normalized()
            case .learned(let text, _):
                guard let text else {
                    return encode(classNames.map { ClassPrompt.fill(EvaluationPrompts.defaultTemplate, $0) }, prompts: nil).l2Normalized()
                }
                let rows = CLIPClassifier(model: model, tokenizer: tokenizer, classNames: classNames, contextTokens: text.count).classTokens
                return encode(tokens: rows, prompts: text).l2Normalized()
            }
        }
    }

    /// Projected features (N, P) of `texts`, `textBatch` rows at a time.
    func encode(_ texts: [String], prompts: TowerPrompts?) -> Tensor {
        encode(tokens: tokenizer.tokenize(texts, contextLength: model.configuration.contextLength), prompts: prompts)
    }

    func encode(tokens: [[Int]], prompts: TowerPrompts?) -> Tensor {
        let parts = stride(from: 0, to: tokens.count, by: Self.textBatch).map { start in
            model.encodeText(Array(tokens[start..<min(start + Self.textBatch, tokens.count)]), prompts: prompts)
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, alongAxis: 0)
    }

    // MARK: Images

    /// The preprocessed images of `items` as one (B, 3, S, S) tensor.
    /// - Throws: `ImageError` naming the file that cannot be decoded.
    public func pixels(_ items: some Collection<DatasetItem>) throws -> Tensor {
        let s = model.configuration.imageSize
        var values: [Float] = []
        values.reserveCapacity(items.count * 3 * s * s)
        for item in items {
            values += preprocessor(try RGBImage(jpegFile: item.path)).storage
        }
        return Tensor(shape: [items.count, 3, s, s], values: values)
    }

    // MARK: Running

    /// Evaluates `set` under `prompts`.
    ///
    /// - Parameters:
    ///   - keepLogits: keep the (N, C) logits in the result (for `--save-logits`).
    ///   - progress: called after each batch with (images done, images in all).
    /// - Throws: `ImageError` naming an image that cannot be decoded.
    public func run(_ set: EvaluationSet, prompts: EvaluationPrompts, keepLogits: Bool = false,
                    progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        try run(set.items, classNames: set.classNames, prompts: prompts, keepLogits: keepLogits, progress: progress)
    }

    /// Evaluates labelled `items` (labels in `0..<classNames.count`) under `prompts`.
    public func run(_ items: [DatasetItem], classNames: [String], prompts: EvaluationPrompts, keepLogits: Bool = false,
                    progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        precondition(!items.isEmpty, "evaluation of no images")
        let c = classNames.count
        precondition(items.allSatisfy { (0..<c).contains($0.label) }, "labels must be in 0..<\(c)")
        let text = classFeatures(classNames, prompts: prompts)  // (C, P), normalised
        let vision: TowerPrompts? = if case .learned(_, let v) = prompts { v } else { nil }
        var predictions: [Int] = []
        predictions.reserveCapacity(items.count)
        var logits: [Float] = []
        if keepLogits { logits.reserveCapacity(items.count * c) }
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.count)]
            let x = try pixels(batch)
            let scores = withoutGradient {  // (B, C)
                model.logits(imageFeatures: model.encodeImages(x, prompts: vision), textFeatures: text)
            }
            predictions += scores.argmaxLastAxis()
            if keepLogits { logits += scores.storage }
            progress?(start + batch.count, items.count)
        }
        let labels = items.map(\.label)
        return EvaluationResult(labels: labels, predictions: predictions, logits: keepLogits ? logits : nil, classCount: c,
                                metrics: EvaluationMetrics(labels: labels, predictions: predictions, classNames: classNames))
    }
}
