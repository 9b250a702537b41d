/// A Float32 row-major tensor: a shape, its contiguous values, and — when it was computed
/// from tensors that require gradients — the graph node that produced it.
///
/// Tensors are immutable values with reference identity (the identity is what the autodiff
/// engine keys gradients on). Every op returns a new tensor; views such as `reshaped(_:)`
/// share storage through copy-on-write arrays, so they cost no copy.
///
/// A tensor "requires grad" when it is a leaf made with `requiringGrad()` or when it was
/// computed, with gradient recording on, from an input that requires grad.
public final class Tensor: @unchecked Sendable {
    /// The extent of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The values in row-major order, or empty for a shell (see `shell()`).
    private let values: [Float]
    /// True for a graph edge whose values were not kept (see `shell()`).
    internal let isShell: Bool
    /// True for a leaf created by `requiringGrad()`.
    public let isGradientLeaf: Bool
    /// The op that produced this tensor, if it was recorded. Only `deinit` mutates it.
    internal private(set) var node: Node?

    /// The values in row-major order; `count == shape.product`.
    public var storage: [Float] {
        precondition(!isShell, "the values of a \(shape) tensor were not kept for backward; the op that reads them must keep them")
        return values
    }

    /// Creates a constant (no gradient) tensor.
    /// - Precondition: `values.count == shape.product`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(values.count == shape.product,
                     "\(values.count) values cannot fill shape \(shape) (\(shape.product) elements)")
        self.shape = shape
        self.values = values
        self.isShell = false
        self.isGradientLeaf = false
        self.node = nil
    }

    internal init(shape: [Int], storage: [Float], node: Node?, isGradientLeaf: Bool = false) {
        self.shape = shape
        self.values = storage
        self.isShell = false
        self.node = node
        self.isGradientLeaf = isGradientLeaf
    }

    /// A shell: the shape and producing node of a tensor whose values were not kept.
    internal init(shellOf shape: [Int], node: Node?) {
        self.shape = shape
        self.values = []
        self.isShell = true
        self.node = node
        self.isGradientLeaf = false
    }

    /// A graph edge to this tensor without its values: the same shape and producing node
    /// (gradients are keyed by the node), so a recorded op whose backward rule does not read
    /// an input holds the input's shell instead of its buffer — PyTorch keeps only "saved
    /// tensors" alive in the same way. Leaves are their own identity and stay whole.
    internal func shell() -> Tensor {
        isGradientLeaf || isShell ? self : Tensor(shellOf: shape, node: node)
    }

    /// What `gradients(of:withRespectTo:)` keys this tensor's gradient on: its producing node
    /// (shared with its shells), or the tensor itself for leaves and constants.
    internal var gradientKey: ObjectIdentifier {
        node.map(ObjectIdentifier.init) ?? ObjectIdentifier(self)
    }

    /// A 0-d tensor holding `value`.
    public convenience init(_ value: Float) {
        self.init(shape: [], values: [value])
    }

    /// True when gradients can flow to or through this tensor.
    public var requiresGrad: Bool { isGradientLeaf || node != nil }

    public var rank: Int { shape.count }
    public var count: Int { shape.product }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with shape \(shape)")
        return storage[0]
    }

    /// The same values as a leaf that requires gradients (a trainable parameter).
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, node: nil, isGradientLeaf: true)
    }

    /// The same values, cut off from the graph: gradients do not flow through the result.
    /// First-order MAML is `detached()` applied to the inner-loop gradients.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, node: nil)
    }

    /// Normalises a possibly negative axis (`-1` is the last) and checks it is in range.
    public func axis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }

    // Releasing the output of a long chain of ops would otherwise release node after node
    // recursively and overflow the stack (an inner loop through CLIP is thousands of ops deep).
    // Here the chain is unlinked iteratively: a node whose only owner is the dying tensor is
    // taken apart on a work list instead of by nested deinits. Backward closures never
    // capture graph tensors (inputs and output are passed in), so nothing else holds the chain.
    deinit {
        guard var first = node else { return }
        node = nil
        guard isKnownUniquelyReferenced(&first) else { return }
        var work = [first]
        while let next = work.popLast() {
            var inputs = next.takeInputs()
            while var input = inputs.popLast() {
                if isKnownUniquelyReferenced(&input), var child = input.node {
                    input.node = nil
                    if isKnownUniquelyReferenced(&child) { work.append(child) }
                }
            }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        if isShell { return "Tensor\(shape)(shell)" }
        let shown = storage.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", …" : "")]"
    }
}

extension Sequence where Element == Int {
    /// The number of elements of a tensor with this shape.
    @inlinable public var product: Int { reduce(1, *) }
}
