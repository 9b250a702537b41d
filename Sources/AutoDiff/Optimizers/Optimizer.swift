/// An optimiser over named parameters (dotted keys such as `text.ctx`).
///
/// Parameters are immutable tensors, so a step returns new leaves that require gradients.
/// State is a flat dictionary of named float arrays — what a checkpoint stores — and is
/// restored with `load(state:)`. Iteration is in sorted-name order everywhere.
public protocol Optimizer: Sendable {
    /// Applies one update with learning rate `learningRate` (set per epoch by a schedule).
    /// - Precondition: every parameter has a gradient of its shape.
    mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor],
                       learningRate: Double)
    /// The optimiser's state, e.g. `momentum.text.ctx`.
    var state: [String: [Float]] { get }
    /// Restores state saved from `state`.
    mutating func load(state: [String: [Float]]) throws
}

/// A saved optimiser state that does not fit the parameters.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Optimizer {
    static func checkGradient(_ name: String, _ p: Tensor, _ g: Tensor?) -> Tensor {
        guard let g else { preconditionFailure("no gradient for parameter '\(name)'") }
        precondition(g.shape == p.shape, "gradient of '\(name)' has shape \(g.shape), parameter \(p.shape)")
        return g
    }
}
