import AutoDiff

/// What a method needs besides the model and the batch for one iteration.
public struct StepContext {
    /// Normalised frozen text features of the task's classes (PromptSRC/ProMetaR target);
    /// nil when the method uses no text regulariser.
    public var textTarget: Tensor?
    /// The iteration's random stream (keyed by seed and step by the caller).
    public var stream: RandomStream
    /// This epoch's learning rate per parameter group (`prompts`, `regulator`).
    public var learningRates: [String: Double]
    /// Replayed draws for ProMetaR's virtual tasks (one per task); nil draws from `stream`.
    public var draws: [MetaTaskDraws]?
    /// Which of the step's virtual tasks this process computes and how their meta-gradients
    /// are averaged (ProMetaR, GRAM); methods without tasks compute the whole step.
    public var reduction: any TaskReduction
    /// The model ProMetaR's virtual tasks run on, when the reduction gives them to groups of
    /// the ranks that share the step (the model sharded over this rank's task group); nil: the
    /// step's model.
    public var taskModel: (any PromptedModel)?

    public init(textTarget: Tensor?, stream: RandomStream, learningRates: [String: Double], draws: [MetaTaskDraws]? = nil,
                reduction: any TaskReduction = TaskOrderedMean(), taskModel: (any PromptedModel)? = nil) {
        self.textTarget = textTarget
        self.stream = stream
        self.learningRates = learningRates
        self.draws = draws
        self.reduction = reduction
        self.taskModel = taskModel
    }

    func learningRate(_ group: String) -> Double {
        guard let lr = learningRates[group] else { preconditionFailure("no learning rate for parameter group '\(group)'") }
        return lr
    }
}

/// A prompt-learning method: it owns its learnable state (prompts, regulator) and its
/// optimisers, and computes one training iteration on a batch.
public protocol PromptMethod {
    /// `coop`, `vpt`, `ivlp`, `promptsrc`, `prometar`, …
    var name: String { get }
    /// Learnable tensors by checkpoint name (`text.ctx`, `vnet.text.0.0.weight`, …).
    var parameters: [String: Tensor] { get }
    /// Training state beside the parameters by checkpoint name: optimiser buffers
    /// (`momentum.text.ctx`, …) and, with Gaussian prompt aggregation, the running aggregate
    /// (`gpa.text.ctx`, …).
    var optimizerState: [String: [Float]] { get }
    /// Restores parameters and optimiser state saved from the two properties above.
    mutating func restore(parameters: [String: Tensor], optimizerState: [String: [Float]]) throws
    /// One training iteration; returns scalar losses by name (`loss.ce`, …), the same on
    /// every process that shares the step through `context.reduction`.
    /// - Throws: ``StepError`` for a non-finite task loss; the reduction's errors.
    mutating func step(model: PromptedModel, batch: LabelledBatch, context: StepContext) throws -> [String: Float]
    /// Called after the last step of 1-based `epoch` of the run's `maxEpoch` (Dassl's
    /// `batch_idx + 1 == num_batches`), before that step's checkpoint. Default: nothing.
    mutating func finishEpoch(_ epoch: Int, of maxEpoch: Int)
}

extension PromptMethod {
    public mutating func finishEpoch(_ epoch: Int, of maxEpoch: Int) {}
}

/// A state file or configuration that does not fit the method.
public struct MethodStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PromptMethod {
    /// Checks that `given` has exactly the tensors of `expected`, with the same shapes.
    static func checkShapes(_ given: [String: Tensor], expected: [String: Tensor], what: String) throws {
        for name in expected.keys.sorted() {
            guard let t = given[name] else { throw MethodStateError("\(what): missing tensor '\(name)' (shape \(expected[name]!.shape))") }
            guard t.shape == expected[name]!.shape else {
                throw MethodStateError("\(what): tensor '\(name)' has shape \(t.shape), expected \(expected[name]!.shape)")
            }
        }
        for name in given.keys.sorted() where expected[name] == nil {
            throw MethodStateError("\(what): unexpected tensor '\(name)' for this method")
        }
    }
}
