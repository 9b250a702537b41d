import AutoDiff

/// Plain prompt tuning — CoOp (text context), VPT (vision tokens, shallow or deep) and IVLP
/// (independent deep prompts in both towers) — optionally with PromptSRC's regularisers and
/// Gaussian prompt aggregation, and with a gradient regulator learned by GRAM applied to its
/// gradients.
///
/// One iteration: `L = CE + w_l·KL(q ‖ p)/(B·C) + w_t·mean|t − t₀| + w_v·mean|v − v₀|`,
/// g = ∂L/∂θ (regulated by GRAM's gates when present), one SGD step.
///
/// PromptSRC (Khattak et al., ICCV 2023; `promptsrc`) is IVLP with w_t = 25, w_v = 10,
/// w_l = 1 and the prompts aggregated over epochs (``GaussianPromptAggregation``), as
/// `trainers/promptsrc.py:297–316` and `:320–335` of the official code run it.
public struct PromptTuning: PromptMethod {
    public let name: String
    public private(set) var prompts: [String: Tensor]
    public var optimizer: SGD
    public var textRegWeight: Float
    public var imageRegWeight: Float
    /// Weight of PromptSRC's logit term (``TrainingLosses/logitDistillation(logits:zeroShotLogits:)``).
    public var logitRegWeight: Float
    /// GRAM's learned regulator, applied to raw gradients (`ĝ = 2σ(W₂W₁g) ⊙ g`).
    public var regulator: GRAMRegulator?
    /// PromptSRC's aggregation over epochs; when present, the prompts after the last epoch
    /// are its aggregate.
    public private(set) var aggregation: GaussianPromptAggregation?

    public init(name: String, prompts: [String: Tensor], optimizer: SGD, textRegWeight: Float = 0, imageRegWeight: Float = 0,
                logitRegWeight: Float = 0, regulator: GRAMRegulator? = nil, aggregation: GaussianPromptAggregation? = nil) {
        self.name = name
        self.prompts = prompts.mapValues { $0.detached().requiringGrad() }
        self.optimizer = optimizer
        self.textRegWeight = textRegWeight
        self.imageRegWeight = imageRegWeight
        self.logitRegWeight = logitRegWeight
        self.regulator = regulator
        self.aggregation = aggregation
    }

    public var parameters: [String: Tensor] { prompts }

    /// Starts from a GRAM meta-training result: its prompt initialisation (same names and
    /// shapes as this method's prompts) and its regulator (`gram.*`), applied to every gradient.
    /// - Parameter tensors: the GRAM output's tensors, with `group_size` in `metadata`.
    public mutating func start(fromGRAM tensors: [String: Tensor], groupSize: Int) throws {
        let given = tensors.filter { !$0.key.hasPrefix("gram.") }
        try Self.checkShapes(given, expected: prompts, what: "GRAM initialisation for \(name)")
        let weights = tensors.filter { $0.key.hasPrefix("gram.") }
        guard groupSize > 0 else { throw MethodStateError("GRAM initialisation for \(name): group size \(groupSize) is not positive") }
        for prompt in prompts.keys.sorted() {
            let (w1, w2) = GRAMRegulator.weightNames(for: prompt)
            guard weights[w1] != nil, weights[w2] != nil else {
                throw MethodStateError("GRAM initialisation for \(name): missing regulator tensor '\(weights[w1] == nil ? w1 : w2)'")
            }
            // W₁ (G, nD) and W₂ (G, G) with G = nD / group size (``GRAMRegulator``).
            let features = prompts[prompt]!.count
            guard features % groupSize == 0 else {
                throw MethodStateError("GRAM initialisation for \(name): prompt '\(prompt)' has \(features) values, not a multiple of the group size \(groupSize)")
            }
            let groups = features / groupSize
            for (weight, shape) in [(w1, [groups, features]), (w2, [groups, groups])] where weights[weight]!.shape != shape {
                throw MethodStateError("GRAM initialisation for \(name): regulator tensor '\(weight)' has shape \(weights[weight]!.shape), expected \(shape) for prompt '\(prompt)' \(prompts[prompt]!.shape) with group size \(groupSize)")
            }
        }
        prompts = given.mapValues { $0.detached().requiringGrad() }
        regulator = GRAMRegulator(weights: weights.mapValues { $0.detached() }, groupSize: groupSize)
    }

    /// The optimiser's `momentum.*` buffers and, with aggregation, its `gpa.*` aggregate.
    public var optimizerState: [String: [Float]] {
        optimizer.state.merging(aggregation?.state ?? [:]) { a, _ in a }
    }

    public mutating func restore(parameters: [String: Tensor], optimizerState: [String: [Float]]) throws {
        try Self.checkShapes(parameters, expected: prompts, what: name)
        let gpa = optimizerState.filter { $0.key.hasPrefix(GaussianPromptAggregation.statePrefix) }
        if var aggregation {
            try aggregation.load(state: gpa, prompts: parameters)
            self.aggregation = aggregation
        } else if let key = gpa.keys.min() {
            throw MethodStateError("\(name): state '\(key)' is a prompt aggregate, but this method aggregates no prompts")
        }
        prompts = parameters.mapValues { $0.detached().requiringGrad() }
        try optimizer.load(state: optimizerState.filter { !$0.key.hasPrefix(GaussianPromptAggregation.statePrefix) })
    }

    public mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) throws -> [String: Float] {
        let needsImages = imageRegWeight != 0 || logitRegWeight != 0
        let targets = FrozenTargets(text: context.textTarget ?? Tensor.zeros([0]),
                                    images: needsImages ? FrozenTargets.images(of: batch.pixels, model: model) : Tensor.zeros([0]))
        precondition((textRegWeight == 0 && logitRegWeight == 0) || context.textTarget != nil,
                     "\(name): the text and logit regularisers need a text target")
        let losses = TrainingLosses.compute(model: model, batch: batch, prompts: prompts, targets: targets,
                                            textWeight: textRegWeight, imageWeight: imageRegWeight, logitWeight: logitRegWeight)
        let total = logitRegWeight == 0
            ? losses.crossEntropy + losses.textRegulariser + losses.imageRegulariser
            // trainers/promptsrc.py:312–313: loss_ce + (L_SCL_logits + loss_scl_text + loss_scl_image)
            : losses.crossEntropy + (losses.logitRegulariser + losses.textRegulariser + losses.imageRegulariser)
        let names = prompts.keys.sorted()
        var grads = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: total, withRespectTo: names.map { prompts[$0]! })))
        if let regulator { grads = withoutGradient { regulator.regulate(grads) } }
        optimizer.step(&prompts, gradients: grads, learningRate: context.learningRate("prompts"))
        var scalars = ["loss.ce": losses.crossEntropy.scalar, "loss.text_reg": losses.textRegulariser.scalar,
                       "loss.image_reg": losses.imageRegulariser.scalar, "loss.total": total.scalar]
        if logitRegWeight != 0 { scalars["loss.logit_reg"] = losses.logitRegulariser.scalar }
        return scalars
    }

    /// Adds the epoch's prompts to the aggregate, if any; after the last epoch the prompts
    /// become the aggregate (the official trainer's `load_state_dict(previous_model_gpa)`).
    public mutating func finishEpoch(_ epoch: Int, of maxEpoch: Int) {
        guard var aggregation else { return }
        if let aggregated = aggregation.add(prompts.mapValues { $0.detached() }, epoch: epoch, of: maxEpoch) {
            prompts = aggregated.mapValues { $0.requiringGrad() }
        }
        self.aggregation = aggregation
    }
}
