import AutoDiff

/// One GRAM meta-task: support pairs from one domain, query pairs from another, each with
/// its own pseudo-classes (the model carries the class prompts: prompt + caption name).
public struct GRAMTask {
    public var supportModel: PromptedModel
    public var support: LabelledBatch
    public var queryModel: PromptedModel
    public var query: LabelledBatch

    public init(supportModel: PromptedModel, support: LabelledBatch, queryModel: PromptedModel, query: LabelledBatch) {
        self.supportModel = supportModel
        self.support = support
        self.queryModel = queryModel
        self.query = query
    }
}

/// GRAM hyperparameters (our reading; see `GRAMRegulator`).
public struct GRAMConfiguration: Sendable, Equatable {
    /// Regulated inner SGD steps on the support set.
    public var innerSteps = 1
    /// Inner step size α.
    public var innerLR: Float = 0.002
    /// Exact second-order meta-gradient (default) or first-order (inner gradients detached;
    /// the regulator then still gets a gradient through the gates).
    public var firstOrder = false
    /// Gate entries shared per group.
    public var groupSize = 8
    public init() {}
}

/// GRAM meta-training (Li et al., "Gradient-Regulated Meta-Prompt Learning for Generalizable
/// Vision-Language Models", ICCV 2023), as we read it: meta-learn a prompt initialisation
/// θ₀ and a gradient regulator φ so that a few regulated steps on one domain's support set
/// generalise to another domain's query set.
///
///     θ₀′ = θ₀,  θᵢ₊₁ = θᵢ − α · ĝ_φ(∇ CE_support(θᵢ)),  L_meta = CE_query(θ_k)
///
/// and (∂L_meta/∂θ₀, ∂L_meta/∂φ) by exact second-order back-propagation through the k steps.
public enum GRAM {
    public struct MetaGradients {
        public var initialisation: [String: Tensor]
        public var regulator: [String: Tensor]
        public var supportLoss: Float
        public var queryLoss: Tensor
    }

    /// The query loss after k regulated inner steps, as a function of θ₀ and φ (graphs kept).
    public static func queryLoss(task: GRAMTask, initialisation: [String: Tensor], regulator: GRAMRegulator,
                                 configuration c: GRAMConfiguration) -> (query: Tensor, firstSupport: Float) {
        let names = initialisation.keys.sorted()
        var theta = initialisation
        var firstSupport: Float = .nan
        for step in 0..<c.innerSteps {
            let t = task.supportModel.classFeatures(prompts: theta).l2Normalized()
            let v = task.supportModel.imageFeatures(task.support.pixels, prompts: theta).l2Normalized()
            let loss = Tensor.crossEntropy(Tensor.matmul(v, t, transposeB: true) * task.supportModel.logitScale, labels: task.support.labels)
            if step == 0 { firstSupport = loss.scalar }
            let raw = gradients(of: loss, withRespectTo: names.map { theta[$0]! }, createGraph: !c.firstOrder)
            let g = regulator.regulate(Dictionary(uniqueKeysWithValues: zip(names, raw)))
            for name in names { theta[name] = theta[name]! - g[name]! * c.innerLR }
        }
        let t = task.queryModel.classFeatures(prompts: theta).l2Normalized()
        let v = task.queryModel.imageFeatures(task.query.pixels, prompts: theta).l2Normalized()
        let query = Tensor.crossEntropy(Tensor.matmul(v, t, transposeB: true) * task.queryModel.logitScale, labels: task.query.labels)
        return (query, firstSupport)
    }

    /// ∂L_meta/∂θ₀ and ∂L_meta/∂φ for one task.
    public static func metaGradients(task: GRAMTask, initialisation: [String: Tensor], regulator: GRAMRegulator,
                                     configuration c: GRAMConfiguration) -> MetaGradients {
        let theta0 = initialisation.mapValues { $0.detached().requiringGrad() }
        let phi = regulator.differentiable()
        let (query, support) = queryLoss(task: task, initialisation: theta0, regulator: phi, configuration: c)
        let names = theta0.keys.sorted(), regulatorNames = phi.weights.keys.sorted()
        let all = gradients(of: query, withRespectTo: names.map { theta0[$0]! } + regulatorNames.map { phi.weights[$0]! })
        return MetaGradients(initialisation: Dictionary(uniqueKeysWithValues: zip(names, all.prefix(names.count))),
                             regulator: Dictionary(uniqueKeysWithValues: zip(regulatorNames, all.suffix(regulatorNames.count))),
                             supportLoss: support, queryLoss: query.detached())
    }
}
