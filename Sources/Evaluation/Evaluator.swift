import AutoDiff
import CLIP
import Datasets
import CLIPAdapter
import Distributed
import Foundation

/// Evaluates a frozen CLIP model, zero-shot or with learned prompts, on labelled images —
/// the test phase of CoOp/Dassl (`trainer.test()`).
///
/// Logits are `exp(logit_scale) · cos(image, class)` (N, C). The class features are computed
/// once; images are decoded, preprocessed (``CLIPPreprocessor``, PIL-exact) and encoded
/// `batchSize` at a time without recording gradients, so memory holds one batch of
/// activations plus the (N, C) logits, or only the predictions when logits are not kept.
/// Under a job of several ranks each rank encodes a contiguous block of the batches and the
/// results are gathered: the same bits as one process, in about 1/size of the time.
///
/// ```swift
/// let evaluation = try Evaluator(modelDirectory: "clip-vit-base-patch16")
/// let set = try EvaluationSet.load(.standard(.oxfordPets, root: "$DATA"), subset: .new)
/// let result = try evaluation.run(set, prompts: .template(EvaluationPrompts.defaultTemplate),
///                                  communicator: LocalCommunicator())
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

    /// Evaluates `set` under `prompts`, its images split over the ranks of `communicator`
    /// (see ``run(_:classNames:prompts:keepLogits:communicator:progress:)``).
    ///
    /// - Parameters:
    ///   - keepLogits: keep the (N, C) logits in the result (for `--save-logits`).
    ///   - communicator: the job's ranks; `LocalCommunicator()` evaluates everything here.
    ///   - progress: called after each of this rank's batches with (images this rank has
    ///     done, images in this rank's batches).
    /// - Throws: `ImageError` naming an image that cannot be decoded; `DistributedError`.
    public func run(_ set: EvaluationSet, prompts: EvaluationPrompts, keepLogits: Bool = false, communicator: any Communicator,
                    progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        try run(set.items, classNames: set.classNames, prompts: prompts, keepLogits: keepLogits, communicator: communicator,
                progress: progress)
    }

    /// Evaluates labelled `items` (labels in `0..<classNames.count`) under `prompts`, split
    /// over the ranks of `communicator`; every rank returns the whole result.
    ///
    /// The items are taken `batchSize` at a time in order: batches 0..<nb, nb = ⌈N / batchSize⌉,
    /// the last possibly partial. Rank r decodes and encodes the contiguous block
    /// `TaskSharding(taskCount: nb, rankCount: size).tasks(ofRank: r)` (possibly empty), then
    /// one all-gather brings every image's prediction (and logits row) to every rank in batch
    /// order. Each batch holds the same images in the same rows as in a one-rank run, and
    /// that is what makes the result the same bits at any rank count: OpenBLAS's sgemm gives a
    /// row results that depend on its position in the micro-tile and on the batch's row count,
    /// so encoding the images in any other grouping would change low bits of the features.
    /// The class features are computed on every rank (the same inputs, the same bits).
    ///
    /// Exchange: ⌈nb / size⌉ batch slots per rank of `batchSize` × (1 + C with `keepLogits`,
    /// else 1) floats, a prediction as a Float (exact below 2²⁴ classes) followed by its
    /// logits row; slots past a rank's block, and rows past a partial batch, are padding.
    public func run(_ items: [DatasetItem], classNames: [String], prompts: EvaluationPrompts, keepLogits: Bool = false,
                    communicator: any Communicator, progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        precondition(!items.isEmpty, "evaluation of no images")
        let c = classNames.count
        precondition(c <= 1 << 24, "\(c) classes: predictions travel as Float, exact up to 2^24")
        precondition(items.allSatisfy { (0..<c).contains($0.label) }, "labels must be in 0..<\(c)")
        let text = classFeatures(classNames, prompts: prompts)  // (C, P), normalised
        let vision: TowerPrompts? = if case .learned(_, let v) = prompts { v } else { nil }

        let n = items.count, batchCount = (n + batchSize - 1) / batchSize
        func batch(_ b: Int) -> Range<Int> { (b * batchSize)..<min((b + 1) * batchSize, n) }
        let sharding = TaskSharding(taskCount: batchCount, rankCount: communicator.size)
        let mine = sharding.tasks(ofRank: communicator.rank)
        let width = keepLogits ? 1 + c : 1  // per image: prediction, then the logits row
        let slot = batchSize * width        // one batch in the exchange
        var local = [Float](repeating: 0, count: sharding.slotsPerRank * slot)  // this rank's slots
        let imagesHere = mine.reduce(0) { $0 + batch($1).count }
        var done = 0
        for (k, b) in mine.enumerated() {
            let x = try pixels(items[batch(b)])
            let scores = withoutGradient {  // (B, C)
                model.logits(imageFeatures: model.encodeImages(x, prompts: vision), textFeatures: text)
            }
            let predicted = scores.argmaxLastAxis(), rows = scores.storage
            for i in predicted.indices {
                let offset = k * slot + i * width
                local[offset] = Float(predicted[i])
                if keepLogits { local.replaceSubrange((offset + 1)..<(offset + width), with: rows[(i * c)..<((i + 1) * c)]) }
            }
            done += predicted.count
            progress?(done, imagesHere)
        }
        // Rank r's slot k is batch r·⌈nb / size⌉ + k: the gathered slots are batches 0..<nb, then padding.
        let all = try communicator.allGather(local)
        var predictions: [Int] = []
        predictions.reserveCapacity(n)
        var logits: [Float] = []
        if keepLogits { logits.reserveCapacity(n * c) }
        for b in 0..<batchCount {
            for i in 0..<batch(b).count {
                let offset = b * slot + i * width
                predictions.append(Int(all[offset]))
                if keepLogits { logits += all[(offset + 1)..<(offset + width)] }
            }
        }
        let labels = items.map(\.label)
        return EvaluationResult(labels: labels, predictions: predictions, logits: keepLogits ? logits : nil, classCount: c,
                                metrics: EvaluationMetrics(labels: labels, predictions: predictions, classNames: classNames))
    }
}
