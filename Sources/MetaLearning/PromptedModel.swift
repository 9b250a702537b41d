import AutoDiff

/// A frozen vision-language model whose features take learnable prompt tensors — what the
/// methods need of CLIP, and no more (MetaLearning never sees CLIP types).
///
/// Prompts are named tensors: `text.ctx`, `text.deep.<l>`, `vision.ctx`, `vision.deep.<l>`;
/// a tower with no `*.ctx` entry runs unprompted.
public protocol PromptedModel: AnyObject {
    /// Projected, unnormalised text features (C, P) of the task's C class prompts.
    func classFeatures(prompts: [String: Tensor]) -> Tensor
    /// Projected, unnormalised image features (B, P) of preprocessed pixels (B, 3, S, S).
    func imageFeatures(_ pixels: Tensor, prompts: [String: Tensor]) -> Tensor
    /// `exp(logit_scale)`.
    var logitScale: Float { get }
}

/// A labelled batch of preprocessed images.
public struct LabelledBatch: Sendable {
    public var pixels: Tensor
    public var labels: [Int]
    /// For GRAM: the domain of each sample (0 = support, 1 = query), if known.
    public var domains: [Int]?

    public init(pixels: Tensor, labels: [Int], domains: [Int]? = nil) {
        precondition(pixels.shape.first == labels.count, "batch of \(pixels.shape) for \(labels.count) labels")
        precondition(domains == nil || domains!.count == labels.count, "\(domains!.count) domains for \(labels.count) labels")
        self.pixels = pixels
        self.labels = labels
        self.domains = domains
    }

    public var count: Int { labels.count }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabelledBatch {
        LabelledBatch(pixels: pixels.indexSelect(alongAxis: 0, indices), labels: indices.map { labels[$0] },
                      domains: domains.map { d in indices.map { d[$0] } })
    }
}

/// PromptSRC-style targets: where the prompted features are pulled back to.
public struct FrozenTargets: Sendable {
    /// Normalised frozen text features (C, P): the mean over the 60 ImageNet templates of the
    /// un-prompted projected features, normalised afterwards.
    public var text: Tensor
    /// Normalised frozen (un-prompted) image features (B, P) of the batch.
    public var images: Tensor

    public init(text: Tensor, images: Tensor) {
        self.text = text
        self.images = images
    }

    /// The frozen image features of `batch`, computed once (no graph) and reused.
    public static func images(of pixels: Tensor, model: PromptedModel) -> Tensor {
        withoutGradient { model.imageFeatures(pixels, prompts: [:]).l2Normalized() }
    }

    /// The frozen model's logits `logit_scale · v_frozen · t_frozenᵀ` (B, C), without a graph:
    /// PromptSRC's `zero_shot_logits` (`trainers/promptsrc.py:199–205`, the prompted model's
    /// `logit_scale` with the normalised frozen image features and the normalised
    /// template-averaged text features).
    public func zeroShotLogits(logitScale: Float) -> Tensor {
        withoutGradient { Tensor.matmul(images, text, transposeB: true) * logitScale }
    }

    public func subset(_ indices: [Int]) -> FrozenTargets {
        FrozenTargets(text: text, images: images.indexSelect(alongAxis: 0, indices))
    }
}

/// The losses of one prompted forward pass on a batch.
public struct TrainingLosses {
    /// Mean cross-entropy of the prompted logits.
    public var crossEntropy: Tensor
    /// `text_weight · mean|t − t_frozen|` over normalised class features (0 without weight).
    public var textRegulariser: Tensor
    /// `image_weight · mean|v − v_frozen|` over normalised image features.
    public var imageRegulariser: Tensor
    /// `logit_weight · KL(softmax(z₀) ‖ softmax(z)) / (B·C)`, z₀ the zero-shot logits
    /// (0 without weight): PromptSRC's `L_SCL_logits`.
    public var logitRegulariser = Tensor(0)
    /// exp(logit_scale) · v · tᵀ (B, C).
    public var logits: Tensor
    public var textFeatures: Tensor
    public var imageFeatures: Tensor

    /// The prompted forward pass: CE and the PromptSRC regularisers (ProMetaR's
    /// `CustomCLIP.forward` + the trainer's L1 terms; with `logitWeight`, PromptSRC's logit
    /// term too).
    /// - Parameter logitWeight: weight of the logit term (PromptSRC: 1); it needs both
    ///   targets (the zero-shot logits are built from them).
    public static func compute(model: PromptedModel, batch: LabelledBatch, prompts: [String: Tensor],
                               targets: FrozenTargets?, textWeight: Float, imageWeight: Float,
                               logitWeight: Float = 0) -> TrainingLosses {
        let t = model.classFeatures(prompts: prompts).l2Normalized()
        let v = model.imageFeatures(batch.pixels, prompts: prompts).l2Normalized()
        let logits = Tensor.matmul(v, t, transposeB: true) * model.logitScale
        let ce = Tensor.crossEntropy(logits, labels: batch.labels)
        var textReg = Tensor(0), imageReg = Tensor(0), logitReg = Tensor(0)
        if let targets {
            if textWeight != 0 { textReg = Tensor.l1Loss(t, targets.text) * textWeight }
            if imageWeight != 0 { imageReg = Tensor.l1Loss(v, targets.images) * imageWeight }
            if logitWeight != 0 {
                logitReg = logitDistillation(logits: logits, zeroShotLogits: targets.zeroShotLogits(logitScale: model.logitScale)) * logitWeight
            }
        }
        return TrainingLosses(crossEntropy: ce, textRegulariser: textReg, imageRegulariser: imageReg, logitRegulariser: logitReg,
                              logits: logits, textFeatures: t, imageFeatures: v)
    }

    /// PromptSRC's `L_SCL_logits` (`trainers/promptsrc.py:306–311`):
    /// `F.kl_div(log_softmax(z), log_softmax(z₀), reduction='sum', log_target=True) / z.numel()`
    /// = (1/(B·C)) Σ_rows KL(q ‖ p), p = softmax(z) the prompted model's, q = softmax(z₀) the
    /// frozen model's: the prompted distribution is pulled towards the zero-shot one.
    ///
    /// Per row, with Σⱼ qⱼ = 1: ∂/∂zⱼ Σᵢ qᵢ(log qᵢ − log pᵢ) = −Σᵢ qᵢ(δᵢⱼ − pⱼ) = pⱼ − qⱼ,
    /// so ∂L/∂z = (softmax(z) − softmax(z₀)) / (B·C); z₀ is a constant (no gradient).
    /// - Parameters:
    ///   - logits: prompted logits z (B, C).
    ///   - zeroShotLogits: the frozen model's logits z₀ (B, C).
    public static func logitDistillation(logits: Tensor, zeroShotLogits: Tensor) -> Tensor {
        precondition(logits.shape == zeroShotLogits.shape, "logitDistillation: logits \(logits.shape) vs zero-shot \(zeroShotLogits.shape)")
        return Tensor.klDivergence(logits.logSoftmax(), logTarget: zeroShotLogits.detached().logSoftmax()) / Float(logits.count)
    }
}
