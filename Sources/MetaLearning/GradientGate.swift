import AutoDiff

/// ProMetaR's gradient regulator ("VNet"): a learned gate on each prompt's gradients.
///
/// For a prompt p (n, D) with CE gradient g_ce and regulariser gradient g_reg:
///
///     in = [g_ce; g_reg] flattened (1, 2nD)
///     γ = σ(W₂ · W₁ · in) (1, nD/r), each entry repeated r times → (n, D)
///     g = g_ce + γ ⊙ g_reg
///
/// W₁ (nD/r, 2nD) and W₂ (nD/r, nD/r), bias-free, one pair per prompted layer and tower:
/// `vnet.<tower>.<layer>.0.weight` and `….1.weight` (layer 0 is `*.ctx`). r = `dimRate`
/// (8; the official code hard-codes the repeat to 8). Every op is differentiable, so in the
/// meta step the outer loss reaches W₁ and W₂ through γ, and θ through g_ce and g_reg.
public enum GradientGate {
    public static func weightNames(for prompt: String) -> (first: String, second: String) {
        let stem = "vnet.\(PromptNames.tower(of: prompt)).\(PromptNames.layer(of: prompt))"
        return ("\(stem).0.weight", "\(stem).1.weight")
    }

    /// γ for one prompt, shaped like it.
    public static func gate(ce: Tensor, regulariser: Tensor, first: Tensor, second: Tensor, dimRate: Int) -> Tensor {
        let features = ce.count
        precondition(first.shape == [features / dimRate, 2 * features] && second.shape == [features / dimRate, features / dimRate],
                     "regulator weights \(first.shape), \(second.shape) do not fit a prompt of \(ce.shape) with dim_rate \(dimRate)")
        let input = Tensor.concatenate([ce, regulariser], alongAxis: 0).reshaped([1, 2 * features])
        let hidden = Tensor.matmul(Tensor.matmul(input, first, transposeB: true), second, transposeB: true)
        return hidden.sigmoid().repeatInterleaved(dimRate, alongAxis: 1).reshaped(ce.shape)
    }

    /// `g_ce + γ ⊙ g_reg` for every prompt, with the gates used.
    public static func regulate(ce: [String: Tensor], regulariser: [String: Tensor], weights: [String: Tensor],
                                dimRate: Int) -> (gradients: [String: Tensor], gates: [String: Tensor]) {
        var out: [String: Tensor] = [:], gates: [String: Tensor] = [:]
        for (name, gce) in ce {
            let (w1, w2) = weightNames(for: name)
            let gamma = gate(ce: gce, regulariser: regulariser[name]!, first: weights[w1]!, second: weights[w2]!, dimRate: dimRate)
            gates[name] = gamma
            out[name] = gce + gamma * regulariser[name]!
        }
        return (out, gates)
    }

    /// nn.Linear's default initialisation, U(−1/√in, 1/√in), for every prompt's pair of
    /// weights, drawn from `stream` in sorted-name order.
    public static func initialWeights(promptShapes: [String: [Int]], dimRate: Int, stream: inout RandomStream) -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for name in promptShapes.keys.sorted() {
            let features = promptShapes[name]!.product
            precondition(features % dimRate == 0, "prompt \(name) of \(features) values is not divisible by dim_rate \(dimRate)")
            let (w1, w2) = weightNames(for: name)
            let hidden = features / dimRate
            for (key, shape) in [(w1, [hidden, 2 * features]), (w2, [hidden, hidden])] {
                let bound = 1 / Float(shape[1]).squareRoot()
                weights[key] = Tensor.uniform(shape, -bound, bound, stream: &stream)
            }
        }
        return weights
    }
}
