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
    mutating func apply(initialisation initGrads: [String: Tensor], regulator regulatorGrads: [String: Tensor],
                               initialisationLR: Double, regulatorLR: Double) {
        initialisationOptimizer.step(&initialisation, gradients: initGrads, learningRate: initialisationLR)
        var weights = regulator.weights
        regulatorOptimizer.step(&weights, gradients: regulatorGrads, learningRate: regulatorLR)
        regulator.weights = weights.mapValues { $0.detached() }
    }

    /// One meta-step of `taskCount` tasks: this process builds and computes the tasks
    /// `reduction` gives it (`task(t)` makes task t), the reduction averages their
    /// meta-gradients and losses over all tasks, and SGD updates θ₀ and φ at the given rates.
    /// - Returns: the mean `loss.support` and `loss.query`.
    /// - Throws: ``StepError`` for a task whose query loss is not finite; `task`'s and the
    ///   reduction's errors.
    public mutating func step(taskCount: Int, task: (Int) throws -> GRAMTask, reduction: any TaskReduction,
                              initialisationLR: Double, regulatorLR: Double) throws -> [String: Float] {
        precondition(taskCount >= 1, "a GRAM meta-step needs at least one task")
        let layout = FlatLayout([initialisation, regulator.weights], scalars: ["loss.support", "loss.query"])
        var local: [[String: Tensor]] = []
        for t in reduction.tasks(of: taskCount) {
            let g = GRAM.metaGradients(task: try task(t), initialisation: initialisation, regulator: regulator, configuration: configuration)
            guard g.queryLoss.scalar.isFinite else { throw StepError("query loss is \(StepError.shown(g.queryLoss.scalar)) in task \(t)") }
            var values = g.initialisation.merging(g.regulator) { a, _ in a }
            (values["loss.support"], values["loss.query"]) = (Tensor(g.supportLoss), g.queryLoss)
            local.append(values)
        }
        let mean = try reduction.mean(local, layout: layout, taskCount: taskCount)
        apply(initialisation: mean.filter { initialisation[$0.key] != nil }, regulator: mean.filter { regulator.weights[$0.key] != nil },
              initialisationLR: initialisationLR, regulatorLR: regulatorLR)
        return ["loss.support": mean["loss.support"]!.scalar, "loss.query": mean["loss.query"]!.scalar]
    }

    /// As a `PromptMethod` on one labelled batch with a domain per sample: domain 0 is the
    /// support set and domain 1 the query set, both over the model's classes.
    public mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) throws -> [String: Float] {
        guard let domains = batch.domains else { preconditionFailure("gram needs a domain per sample (0 = support, 1 = query)") }
        let task = GRAMTask(supportModel: model, support: batch.subset(domains.indices.filter { domains[$0] == 0 }),
                            queryModel: model, query: batch.subset(domains.indices.filter { domains[$0] == 1 }))
        return try step(taskCount: 1, task: { _ in task }, reduction: context.reduction,
                        initialisationLR: context.learningRate("prompts"), regulatorLR: context.learningRate("regulator"))
    }
}
