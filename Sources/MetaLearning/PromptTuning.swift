import AutoDiff

/// Plain prompt tuning — CoOp (text context), VPT (vision tokens, shallow or deep) and IVLP
/// (independent deep prompts in both towers) — optionally with PromptSRC-style regularisers
/// and with a gradient regulator learned by GRAM applied to its gradients.
///
/// One iteration: `L = CE + w_t·mean|t − t₀| + w_v·mean|v − v₀|`, g = ∂L/∂θ (regulated by
/// GRAM's gates when present), one SGD step.
public struct PromptTuning: PromptMethod {
    public let name: String
    public private(set) var prompts: [String: Tensor]
    public var optimizer: SGD
    public var textRegWeight: Float
    public var imageRegWeight: Float
    /// GRAM's learned regulator, applied to raw gradients (`ĝ = 2σ(W₂W₁g) ⊙ g`).
    public var regulator: GRAMRegulator?

    public init(name: String, prompts: [String: Tensor], optimizer: SGD, textRegWeight: Float = 0, imageRegWeight: Float = 0,
                regulator: GRAMRegulator? = nil) {
        self.name = name
        self.prompts = prompts.mapValues { $0.detached().requiringGrad() }
        self.optimizer = optimizer
        self.textRegWeight = textRegWeight
        self.imageRegWeight = imageRegWeight
        self.regulator = regulator
    }

    public var parameters: [String: Tensor] { prompts }

    /// Starts from a GRAM meta-training result: its prompt initialisation (same names and
    /// shapes as this method's prompts) and its regulator (`gram.*`), applied to every gradient.
    /// - Parameter tensors: the GRAM output's tensors, with `group_size` in `metadata`.
    public mutating func start(fromGRAM tensors: [String: Tensor], groupSize: Int) throws {
        let given = tensors.filter { !$0.key.hasPrefix("gram.") }
        try Self.checkShapes(given, expected: prompts, what: "GRAM initialisation for \(name)")
        let weights = tensors.filter { $0.key.hasPrefix("gram.") }
        for prompt in prompts.keys.sorted() {
            let (w1, w2) = GRAMRegulator.weightNames(for: prompt)
            guard weights[w1] != nil, weights[w2] != nil else {
                throw MethodStateError("GRAM initialisation for \(name): missing regulator tensor '\(weights[w1] == nil ? w1 : w2)'")
            }
        }
        prompts = given.mapValues { $0.detached().requiringGrad() }
        regulator = GRAMRegulator(weights: weights.mapValues { $0.detached() }, groupSize: groupSize)
    }

    public var optimizerState: [String: [Float]] { optimizer.state }

    public mutating func restore(parameters: [String: Tensor], optimizerState: [String: [Float]]) throws {
        try Self.checkShapes(parameters, expected: prompts, what: name)
        prompts = parameters.mapValues { $0.detached().requiringGrad() }
        try optimizer.load(state: optimizerState)
    }

    public mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) -> [String: Float] {
        let needsImages = imageRegWeight != 0
        let targets = FrozenTargets(text: context.textTarget ?? Tensor.zeros([0]),
                                    images: needsImages ? FrozenTargets.images(of: batch.pixels, model: model) : Tensor.zeros([0]))
        precondition(textRegWeight == 0 || context.textTarget != nil, "\(name): the text regulariser needs a text target")
        let losses = TrainingLosses.compute(model: model, batch: batch, prompts: prompts, targets: targets,
                                            textWeight: textRegWeight, imageWeight: imageRegWeight)
        let total = losses.crossEntropy + losses.textRegulariser + losses.imageRegulariser
        let names = prompts.keys.sorted()
        var grads = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: total, withRespectTo: names.map { prompts[$0]! })))
        if let regulator { grads = withoutGradient { regulator.regulate(grads) } }
        optimizer.step(&prompts, gradients: grads, learningRate: context.learningRate("prompts"))
        return ["loss.ce": losses.crossEntropy.scalar, "loss.text_reg": losses.textRegulariser.scalar,
                "loss.image_reg": losses.imageRegulariser.scalar, "loss.total": total.scalar]
    }
}
