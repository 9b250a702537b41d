/// The backward rule of one recorded op.
///
/// - Parameters:
///   - grad: the gradient of the differentiated scalar with respect to `output`.
///   - inputs: the op's inputs, in order.
///   - output: the op's result (so rules such as exp's can reuse it).
///   - needs: which inputs need a gradient; the rule may return `nil` for the others.
/// - Returns: one gradient (or `nil`) per input, each shaped like that input.
///
/// Rules are written in differentiable tensor ops, so running them with recording on
/// (`createGraph`) builds the graph of the gradient itself. They must not capture graph
/// tensors — only constants — which keeps teardown iterative (see `Tensor.deinit`).
public typealias BackwardRule = @Sendable (
    _ grad: Tensor, _ inputs: [Tensor], _ output: Tensor, _ needs: [Bool]
) -> [Tensor?]

/// A recorded op: its inputs and its backward rule.
public final class Node: @unchecked Sendable {
    public let name: String
    internal private(set) var inputs: [Tensor]
    internal let backward: BackwardRule

    init(name: String, inputs: [Tensor], backward: @escaping BackwardRule) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
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
    public static func record(_ name: String, shape: [Int], storage: [Float], inputs: [Tensor],
                              backward: @escaping BackwardRule) -> Tensor {
        if GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
            return Tensor(shape: shape, storage: storage,
                          node: Node(name: name, inputs: inputs, backward: backward))
        }
        return Tensor(shape: shape, storage: storage, node: nil)
    }
}
