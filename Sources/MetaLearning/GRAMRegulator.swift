import AutoDiff

/// GRAM's gradient regulating function, in our reading of Li et al. (ICCV 2023): a light
/// per-prompt map that turns a raw prompt gradient into a "domain-consistent" one.
///
///     ĝ = 2σ(W₂ · W₁ · vec(g)) ⊙ g,   gate entries shared by groups of `groupSize` values
///
/// W₁ (G, nD) and W₂ (G, G) with G = nD / groupSize, bias-free, one pair per prompt tensor:
/// `gram.<tower>.<layer>.0.weight`, `….1.weight` (layer 0 is `*.ctx`). W₂ starts at zero, so
/// the gate starts at 2σ(0) = 1 and the regulator at the identity. Every op is
/// differentiable: meta-training reaches W₁, W₂ through the inner steps.
/// (The paper's exact equations were not available to us; this is documented as a reading.)
public struct GRAMRegulator: Sendable {
    public var weights: [String: Tensor]
    public var groupSize: Int

    public init(weights: [String: Tensor], groupSize: Int) {
        self.weights = weights
        self.groupSize = groupSize
    }

    public static func weightNames(for prompt: String) -> (first: String, second: String) {
        let stem = "gram.\(PromptNames.tower(of: prompt)).\(PromptNames.layer(of: prompt))"
        return ("\(stem).0.weight", "\(stem).1.weight")
    }

    /// The identity regulator for prompts of these shapes: W₁ ~ U(±1/√(nD)), W₂ = 0.
    public static func identity(promptShapes: [String: [Int]], groupSize: Int, stream: inout RandomStream) -> GRAMRegulator {
        var weights: [String: Tensor] = [:]
        for name in promptShapes.keys.sorted() {
            let features = promptShapes[name]!.product
            precondition(features % groupSize == 0, "prompt \(name) of \(features) values is not divisible by the group size \(groupSize)")
            let groups = features / groupSize
            let (w1, w2) = weightNames(for: name)
            let bound = 1 / Float(features).squareRoot()
            weights[w1] = Tensor.uniform([groups, features], -bound, bound, stream: &stream)
            weights[w2] = Tensor.zeros([groups, groups])
        }
        return GRAMRegulator(weights: weights, groupSize: groupSize)
    }

    /// The gate 2σ(W₂W₁ vec(g)), shaped like g.
    public func gate(for name: String, gradient g: Tensor) -> Tensor {
        let (w1, w2) = Self.weightNames(for: name)
        guard let first = weights[w1], let second = weights[w2] else { preconditionFailure("no GRAM regulator weights for prompt '\(name)'") }
        precondition(first.shape == [g.count / groupSize, g.count], "GRAM weight \(w1) \(first.shape) does not fit prompt \(name) \(g.shape)")
        let hidden = Tensor.matmul(Tensor.matmul(g.reshaped([1, g.count]), first, transposeB: true), second, transposeB: true)
        return (hidden.sigmoid() * 2).repeatInterleaved(groupSize, alongAxis: 1).reshaped(g.shape)
    }

    /// ĝ for every prompt gradient.
    public func regulate(_ gradients: [String: Tensor]) -> [String: Tensor] {
        gradients.reduce(into: [:]) { out, entry in out[entry.key] = gate(for: entry.key, gradient: entry.value) * entry.value }
    }

    /// The weights as leaves that require gradients (for meta-training).
    public func differentiable() -> GRAMRegulator {
        GRAMRegulator(weights: weights.mapValues { $0.detached().requiringGrad() }, groupSize: groupSize)
    }
}
