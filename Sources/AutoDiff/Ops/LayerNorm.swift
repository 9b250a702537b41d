import Foundation

extension Tensor {
    /// Layer normalisation over the last axis, PyTorch `nn.LayerNorm` semantics:
    /// `y = (x − μ)/√(σ² + ε) ⊙ w + b` with the biased variance σ².
    ///
    /// Forward is one fused pass per row. Backward, with x̂ = (x − μ)·r, r = 1/√(σ² + ε),
    /// ĝ = g ⊙ w and means over the normalised axis:
    ///   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),  dw = Σ g ⊙ x̂,  db = Σ g;
    /// x̂ and r are recomputed from x in differentiable ops, so the rule differentiates again.
    public func layerNorm(weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let n = shape.last ?? 1
        precondition(weight.shape == [n] && bias.shape == [n],
                     "layerNorm over \(n) features got weight \(weight.shape) and bias \(bias.shape)")
        let rows = count / Swift.max(n, 1)
        let out = storage.withUnsafeBufferPointer { xs in
            weight.storage.withUnsafeBufferPointer { w in
                bias.storage.withUnsafeBufferPointer { b in
                    makeStorage(count) { out in
                        for r in 0..<rows {
                            let src = xs.baseAddress! + r * n, dst = out + r * n
                            var mean: Float = 0
                            for i in 0..<n { mean += src[i] }
                            mean /= Float(n)
                            var variance: Float = 0
                            for i in 0..<n { let d = src[i] - mean; variance += d * d }
                            variance /= Float(n)
                            let rstd = 1 / (variance + epsilon).squareRoot()
                            for i in 0..<n { dst[i] = (src[i] - mean) * rstd * w[i] + b[i] }
                        }
                    }
                }
            }
        }
        return Tensor.record("layerNorm", shape: shape, storage: out, inputs: [self, weight, bias],
                             keeping: [true, true, false]) { g, inputs, _, needs in
            let (x, w) = (inputs[0], inputs[1])
            let centred = x - x.mean(alongAxis: -1, keepingDimensions: true)
            let rstd = (centred.squared().mean(alongAxis: -1, keepingDimensions: true) + epsilon).rsqrt()
            let xhat = centred * rstd
            let leading = Array(0..<(x.rank - 1))
            var dx: Tensor?
            if needs[0] {
                let gh = g * w
                dx = rstd * (gh - gh.mean(alongAxis: -1, keepingDimensions: true)
                             - xhat * (gh * xhat).mean(alongAxis: -1, keepingDimensions: true))
            }
            return [dx,
                    needs[1] ? (g * xhat).sum(alongAxes: leading) : nil,
                    needs[2] ? g.sum(alongAxes: leading) : nil]
        }
    }

    /// Rows scaled to unit L2 norm over the last axis: `x/‖x‖` (CLIP's feature
    /// normalisation, `x / x.norm(dim=-1, keepdim=True)`), composed of differentiable ops.
    public func l2Normalized() -> Tensor {
        self * squared().sum(alongAxis: -1, keepingDimensions: true).rsqrt()
    }
}
