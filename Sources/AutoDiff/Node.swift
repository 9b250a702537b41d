/// The backward rule of one recorded op.
///
/// - Parameters:
///   - grad: the gradient of the differentiated scalar with respect to `output`.
///   - inputs: the op's inputs, in order; those the op did not keep are shells (shape only).
///   - output: the op's result (so rules such as exp's can reuse it); a shell unless kept.
///   - needs: which inputs need a gradient; the rule may return `nil` for the others.
/// - Returns: one gradient (or `nil`) per input, each shaped like that input.
///
/// Rules are written in differentiable tensor ops, so running them with recording on
/// (`createGraph`) builds the graph of the gradient itself. They must not capture graph
/// tensors — only constants — which keeps teardown iterative (see `Tensor.deinit`).
public typealias BackwardRule = @Sendable (
    _ grad: Tensor, _ inputs: [Tensor], _ output: Tensor, _ needs: [Bool]
) -> [Tensor?]

/// A recorded op: its inputs (whole where the backward rule reads them, shells otherwise),
/// its output's values if the rule reads them, and the rule.
public final class Node: @unchecked Sendable {
    public let name: String
    internal private(set) var inputs: [Tensor]
    /// The output's values, kept for rules that read them (exp, softmax, …); else nil.
    private let outputValues: [Float]?
    internal let backward: BackwardRule

    init(name: String, inputs: [Tensor], outputValues: [Float]?, backward: @escaping BackwardRule) {
        self.name = name
        self.inputs = inputs
        self.outputValues = outputValues
        self.backward = backward
    }

    /// The output as its backward rule sees it: a tensor produced by this node (so its own
    /// gradient flows back here under `createGraph`), whole if its values were kept.
    func output(shape: [Int]) -> Tensor {
        outputValues.map { Tensor(shape: shape, storage: $0, node: self) } ?? Tensor(shellOf: shape, node: self)
    }

    /// Hands over the inputs and forgets them (teardown only).
    func takeInputs() -> [Tensor] {
        defer { inputs = [] }
        return inputs
    }
}

extension Tensor {
    /// Wraps a freshly computed result, recording `backward` when recording is on and some
    /// input requires grad. Every differentiable op ends here.
    ///
    /// Only what the rule reads stays alive with the graph: input i whole when `keeping[i]`,
    /// otherwise as a shell; the output's values when `keepingOutput`. An op keeps an input
    /// only if some gradient the rule may compute reads it (`a ⊙ b` keeps b only when a
    /// requires grad), which is what bounds the memory of long (second-order) graphs.
    public static func record(_ name: String, shape: [Int], storage: [Float], inputs: [Tensor],
                              keeping: [Bool], keepingOutput: Bool = false,
                              backward: @escaping BackwardRule) -> Tensor {
        precondition(keeping.count == inputs.count, "record \(name): \(keeping.count) keep flags for \(inputs.count) inputs")
        if GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
            let edges = zip(inputs, keeping).map { $1 ? $0 : $0.shell() }
            return Tensor(shape: shape, storage: storage,
                          node: Node(name: name, inputs: edges, outputValues: keepingOutput ? storage : nil, backward: backward))
        }
        return Tensor(shape: shape, storage: storage, node: nil)
    }
}
