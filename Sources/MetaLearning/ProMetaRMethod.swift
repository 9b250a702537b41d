import AutoDiff

/// ProMetaR as a `PromptMethod`: IVLP prompts θ and the gate regulator φ.
public struct ProMetaRMethod: PromptMethod {
    public let name = "prometar"
    public var state: ProMetaRState
    public var configuration: ProMetaRConfiguration

    public init(state: ProMetaRState, configuration: ProMetaRConfiguration) {
        self.state = state
        self.configuration = configuration
    }

    public var parameters: [String: Tensor] { state.prompts.merging(state.regulator) { a, _ in a } }

    /// `momentum.<prompt>` and `momentum.vnet.…` (both optimisers' buffers; names are disjoint).
    public var optimizerState: [String: [Float]] {
        state.promptOptimizer.state.merging(state.regulatorOptimizer.state) { a, _ in a }
    }

    public mutating func restore(parameters: [String: Tensor], optimizerState: [String: [Float]]) throws {
        let prompts = parameters.filter { !$0.key.hasPrefix("vnet.") }, regulator = parameters.filter { $0.key.hasPrefix("vnet.") }
        try Self.checkShapes(prompts, expected: state.prompts, what: "prometar prompts")
        try Self.checkShapes(regulator, expected: state.regulator, what: "prometar regulator")
        for (key, value) in optimizerState {
            let target = String(key.dropFirst("momentum.".count))
            guard key.hasPrefix("momentum."), let p = parameters[target] else {
                throw MethodStateError("prometar: optimiser state '\(key)' names no parameter")
            }
            guard value.count == p.count else {
                throw MethodStateError("prometar: optimiser state '\(key)' has \(value.count) values, parameter \(p.shape) has \(p.count)")
            }
        }
        var promptOptimizer = state.promptOptimizer, regulatorOptimizer = state.regulatorOptimizer
        try promptOptimizer.load(state: optimizerState.filter { !$0.key.hasPrefix("momentum.vnet.") })
        try regulatorOptimizer.load(state: optimizerState.filter { $0.key.hasPrefix("momentum.vnet.") })
        state = ProMetaRState(prompts: prompts, regulator: regulator, promptOptimizer: promptOptimizer, regulatorOptimizer: regulatorOptimizer)
    }

    /// Draws `tasksPerStep` virtual tasks from the context's stream: task t uses the substream
    /// (t), so a task's draws do not depend on how many tasks there are.
    public func draws(labels: [Int], stream: RandomStream) -> [MetaTaskDraws] {
        (0..<configuration.tasksPerStep).compactMap { t in
            var s = stream.substream(UInt64(t))
            return MetaTaskDraws.draw(labels: labels, alpha: configuration.mixupAlpha, beta: configuration.mixupBeta, stream: &s)
        }
    }

    public mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) throws -> [String: Float] {
        guard let target = context.textTarget else { preconditionFailure("prometar needs the frozen text target") }
        let draws = context.draws ?? draws(labels: batch.labels, stream: context.stream)
        return try ProMetaR.step(model: model, batch: batch, textTarget: target, state: &state, draws: draws, configuration: configuration,
                                 promptLR: context.learningRate("prompts"), regulatorLR: context.learningRate("regulator"),
                                 reduction: context.reduction, taskModel: context.taskModel).scalars
    }
}
