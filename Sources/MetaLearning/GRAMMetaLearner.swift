import AutoDiff

/// GRAM meta-training state: the prompt initialisation θ₀, the regulator φ and their
/// optimisers (SGD with momentum, groups `prompts` and `regulator`).
public struct GRAMMetaLearner: PromptMethod {
    public let name = "gram"
    public private(set) var initialisation: [String: Tensor]
    public private(set) var regulator: GRAMRegulator
    public var initialisationOptimizer: SGD
    public var regulatorOptimizer: SGD
    public var configuration: GRAMConfiguration

    public init(initialisation: [String: Tensor], regulator: GRAMRegulator, initialisationOptimizer: SGD,
                regulatorOptimizer: SGD, configuration: GRAMConfiguration) {
        self.initialisation = initialisation.mapValues { $0.detached().requiringGrad() }
        self.regulator = regulator
        self.initialisationOptimizer = initialisationOptimizer
        self.regulatorOptimizer = regulatorOptimizer
        self.configuration = configuration
    }

    public var parameters: [String: Tensor] { initialisation.merging(regulator.weights) { a, _ in a } }

    public var optimizerState: [String: [Float]] {
        initialisationOptimizer.state.merging(regulatorOptimizer.state) { a, _ in a }
    }

    public mutating func restore(parameters: [String: Tensor], optimizerState: [String: [Float]]) throws {
        let prompts = parameters.filter { !$0.key.hasPrefix("gram.") }, weights = parameters.filter { $0.key.hasPrefix("gram.") }
        try Self.checkShapes(prompts, expected: initialisation, what: "gram initialisation")
        try Self.checkShapes(weights, expected: regulator.weights, what: "gram regulator")
        initialisation = prompts.mapValues { $0.detached().requiringGrad() }
        regulator.weights = weights.mapValues { $0.detached() }
        try initialisationOptimizer.load(state: optimizerState.filter { !$0.key.hasPrefix("momentum.gram.") })
        try regulatorOptimizer.load(state: optimizerState.filter { $0.key.hasPrefix("momentum.gram.") })
    }

    /// Applies (mean) meta-gradients: SGD on θ₀ and on φ.
    public mutating func apply(initialisation initGrads: [String: Tensor], regulator regulatorGrads: [String: Tensor],
                               initialisationLR: Double, regulatorLR: Double) {
        initialisationOptimizer.step(&initialisation, gradients: initGrads, learningRate: initialisationLR)
        var weights = regulator.weights
        regulatorOptimizer.step(&weights, gradients: regulatorGrads, learningRate: regulatorLR)
        regulator.weights = weights.mapValues { $0.detached() }
    }

    /// One meta-step over `tasks` (meta-gradients averaged in task order).
    public mutating func step(tasks: [GRAMTask], initialisationLR: Double, regulatorLR: Double) -> [String: Float] {
        precondition(!tasks.isEmpty, "a GRAM meta-step needs at least one task")
        let results = tasks.map { GRAM.metaGradients(task: $0, initialisation: initialisation, regulator: regulator, configuration: configuration) }
        let scale = 1 / Float(results.count)
        func mean(_ parts: [[String: Tensor]]) -> [String: Tensor] {
            parts[0].keys.reduce(into: [:]) { out, name in
                out[name] = parts.count == 1 ? parts[0][name]! : parts.dropFirst().reduce(parts[0][name]!) { $0 + $1[name]! } * scale
            }
        }
        initialisationOptimizer.step(&initialisation, gradients: mean(results.map(\.initialisation)), learningRate: initialisationLR)
        var weights = regulator.weights
        regulatorOptimizer.step(&weights, gradients: mean(results.map(\.regulator)), learningRate: regulatorLR)
        regulator.weights = weights.mapValues { $0.detached() }
        return ["loss.support": results.map(\.supportLoss).reduce(0, +) * scale,
                "loss.query": results.map { $0.queryLoss.scalar }.reduce(0, +) * scale]
    }

    /// As a `PromptMethod` on one labelled batch with a domain per sample: domain 0 is the
    /// support set and domain 1 the query set, both over the model's classes.
    public mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) -> [String: Float] {
        guard let domains = batch.domains else { preconditionFailure("gram needs a domain per sample (0 = support, 1 = query)") }
        let task = GRAMTask(supportModel: model, support: batch.subset(domains.indices.filter { domains[$0] == 0 }),
                            queryModel: model, query: batch.subset(domains.indices.filter { domains[$0] == 1 }))
        return step(tasks: [task], initialisationLR: context.learningRate("prompts"), regulatorLR: context.learningRate("regulator"))
    }
}
