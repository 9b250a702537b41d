import Foundation

extension Tensor {
    /// Layer normalisation over the last axis, PyTorch `nn.LayerNorm` semantics:
    /// `y = (x − μ)/√(σ² + ε) ⊙ w + b` with the biased variance σ².
    ///
    /// Forward is one fused pass per row, its sums eight lanes wide (`rowMoments`). Backward,
    /// with x̂ = (x − μ)·r, r = 1/√(σ² + ε), ĝ = g ⊙ w and means over the normalised axis:
    ///   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),  dw = Σ g ⊙ x̂,  db = Σ g;
    /// dx is the fused `layerNormInputGradient(at:epsilon:)`, which differentiates again.
    public func layerNorm(weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let n = shape.last ?? 1
        precondition(weight.shape == [n] && bias.shape == [n],
                     "layerNorm over \(n) features got weight \(weight.shape) and bias \(bias.shape)")
        let rows = count / Swift.max(n, 1)
        let out = storage.withUnsafeBufferPointer { xs in
            weight.storage.withUnsafeBufferPointer { w in
                bias.storage.withUnsafeBufferPointer { b in
                    makeStorage(count) { out in
                        Parallel.forEachRange(rows, work: rows * n, alignment: 1) { range in
                            for r in range {
                                let src = xs.baseAddress! + r * n, dst = out + r * n
                                let (mean, variance) = rowMoments(src, n)
                                let rstd = 1 / (variance + epsilon).squareRoot()
                                for i in 0..<n { dst[i] = (src[i] - mean) * rstd * w[i] + b[i] }
                            }
                        }
                    }
                }
            }
        }
        return Tensor.record("layerNorm", shape: shape, storage: out, inputs: [self, weight, bias],
                             keeping: [true, true, false]) { g, inputs, _, needs in
            let (x, w) = (inputs[0], inputs[1])
            let leading = Array(0..<(x.rank - 1))
            return [needs[0] ? (g * w).layerNormInputGradient(at: x, epsilon: epsilon) : nil,
                    needs[1] ? (g * x.normalizedRows(epsilon: epsilon).xhat).sum(alongAxes: leading) : nil,
                    needs[2] ? g.sum(alongAxes: leading) : nil]
        }
    }

    /// x̂ = (x − μ)·r and r = 1/√(σ² + ε) over the last axis, in differentiable ops.
    func normalizedRows(epsilon: Float) -> (xhat: Tensor, rstd: Tensor) {
        let centred = self - mean(alongAxis: -1, keepingDimensions: true)
        let rstd = (centred.squared().mean(alongAxis: -1, keepingDimensions: true) + epsilon).rsqrt()
        return (centred * rstd, rstd)
    }

    /// Layer normalisation's input gradient for this ĝ = g ⊙ w (…, n) at x (same shape):
    /// `r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂))`, one fused pass per row instead of a dozen ops.
    ///
    /// Backward with incoming G. In ĝ it is linear with the symmetric Jacobian
    /// J = r·(I − 11ᵀ/n − x̂x̂ᵀ/n), so dĝ is this same op applied to G. In x it is the gradient
    /// of ⟨G, J(x)·ĝ⟩, symmetric in G and ĝ (`layerNormCrossGradient`), one fused pass whose
    /// own backward is that of the composed ops.
    public func layerNormInputGradient(at x: Tensor, epsilon: Float) -> Tensor {
        precondition(shape == x.shape, "layerNormInputGradient: gradient \(shape) at input \(x.shape)")
        let n = shape.last ?? 1
        let rows = count / Swift.max(n, 1)
        let out = storage.withUnsafeBufferPointer { gs in
            x.storage.withUnsafeBufferPointer { xs in
                let inverseN = 1 / Float(n)
                return makeStorage(count) { out in
                    Parallel.forEachRange(rows, work: rows * n, alignment: 1) { range in
                        for r in range {
                            let src = xs.baseAddress! + r * n, g = gs.baseAddress! + r * n, dst = out + r * n
                            let (mean, variance) = rowMoments(src, n)
                            let rstd = 1 / (variance + epsilon).squareRoot()
                            var sumG = SIMD8<Float>(), sumGX = SIMD8<Float>()
                            for i in stride(from: 0, to: n, by: 8) {  // g is 0 past the row's end
                                let gi = rowLanes(g, i, n)
                                sumG += gi
                                sumGX += gi * ((rowLanes(src, i, n) - mean) * rstd)
                            }
                            let (meanG, meanGX) = (laneTotal(sumG) * inverseN, laneTotal(sumGX) * inverseN)
                            for i in 0..<n { dst[i] = rstd * (g[i] - meanG - (src[i] - mean) * rstd * meanGX) }
                        }
                    }
                }
            }
        }
        return Tensor.record("layerNormInputGradient", shape: shape, storage: out, inputs: [self, x],
                             keeping: [x.requiresGrad, true]) { g, inputs, _, needs in
            let (gh, x) = (inputs[0], inputs[1])
            return [needs[0] ? g.layerNormInputGradient(at: x, epsilon: epsilon) : nil,
                    needs[1] ? gh.layerNormCrossGradient(g, at: x, epsilon: epsilon) : nil]
        }
    }

    /// The gradient in x of ⟨G, J(x)·ĝ⟩ for this ĝ (…, n), with J(x)·ĝ =
    /// `ĝ.layerNormInputGradient(at: x)`. With x̂ and r as there and means over the row,
    /// m = mean(ĝ ⊙ x̂), a = mean(G ⊙ x̂):
    ///   −r²·(m·(G − mean G) + a·(ĝ − mean ĝ) + x̂·(mean(G ⊙ ĝ) − mean G·mean ĝ − 3am)),
    /// one fused pass per row instead of some thirty ops over the row. Backward: that of the
    /// same gradient composed of differentiable ops (through x̂ the cotangent is X̄ = −r·m·G −
    /// r·a·ĝ, which x̂'s Jacobian maps to `X̄.layerNormInputGradient(at: x)`; through the
    /// leading r, ∂r/∂x = −r²·x̂/n, it adds −r·x̂·mean(G ⊙ z), z = J(x)·ĝ).
    func layerNormCrossGradient(_ upstream: Tensor, at x: Tensor, epsilon: Float) -> Tensor {
        let n = shape.last ?? 1
        let inverseN = 1 / Float(n)
        let out = rowKernel(storage, upstream.storage, x.storage, rowLength: n) { gh, g, src, dst in
            let (mean, variance) = rowMoments(src, n)
            let rstd = 1 / (variance + epsilon).squareRoot()
            var sumGh = SIMD8<Float>(), sumG = SIMD8<Float>(), sumGhX = SIMD8<Float>(), sumGX = SIMD8<Float>(), sumGGh = SIMD8<Float>()
            for i in stride(from: 0, to: n, by: 8) {  // ĝ and G are 0 past the row's end
                let (ghi, gi) = (rowLanes(gh, i, n), rowLanes(g, i, n))
                let xhat = (rowLanes(src, i, n) - mean) * rstd
                sumGh += ghi; sumG += gi; sumGhX += ghi * xhat; sumGX += gi * xhat; sumGGh += gi * ghi
            }
            let (meanGh, meanG) = (laneTotal(sumGh) * inverseN, laneTotal(sumG) * inverseN)
            let (m, a) = (laneTotal(sumGhX) * inverseN, laneTotal(sumGX) * inverseN)
            let c = laneTotal(sumGGh) * inverseN - meanG * meanGh - 3 * a * m
            let scale = -rstd * rstd
            for i in 0..<n {
                let xhat = (src[i] - mean) * rstd
                dst[i] = scale * (m * (g[i] - meanG) + a * (gh[i] - meanGh) + xhat * c)
            }
        }
        return Tensor.fused("layerNormCrossGradient", shape: shape, storage: out, inputs: [self, upstream, x]) { t in
            let (gh, g, x) = (t[0], t[1], t[2])
            let (xhat, rstd) = x.normalizedRows(epsilon: epsilon)
            let m = (gh * xhat).mean(alongAxis: -1, keepingDimensions: true)
            let xbar = -(rstd * m * g) - rstd * (g * xhat).mean(alongAxis: -1, keepingDimensions: true) * gh
            let z = rstd * (gh - gh.mean(alongAxis: -1, keepingDimensions: true) - xhat * m)
            return xbar.layerNormInputGradient(at: x, epsilon: epsilon)
                - xhat * rstd * (g * z).mean(alongAxis: -1, keepingDimensions: true)
        }
    }

    /// Rows scaled to unit L2 norm over the last axis: `x/‖x‖` (CLIP's feature
    /// normalisation, `x / x.norm(dim=-1, keepdim=True)`), composed of differentiable ops.
    public func l2Normalized() -> Tensor {
        self * squared().sum(alongAxis: -1, keepingDimensions: true).rsqrt()
    }
}

/// The mean and the biased variance of a row of n, each summed eight lanes wide (`laneTotal`).
@inline(__always)
func rowMoments(_ x: UnsafePointer<Float>, _ n: Int) -> (mean: Float, variance: Float) {
    var sum = SIMD8<Float>()
    for i in stride(from: 0, to: n, by: 8) { sum += rowLanes(x, i, n) }
    let mean = laneTotal(sum) / Float(n)
    var squares = SIMD8<Float>()
    for i in stride(from: 0, to: n, by: 8) {
        let d = rowLanesInside(rowLanes(x, i, n) - mean, i, n)
        squares += d * d
    }
    return (mean, laneTotal(squares) / Float(n))
}
