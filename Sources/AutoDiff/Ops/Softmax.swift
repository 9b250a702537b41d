import Foundation

/// Row-wise softmax (or log-softmax) over the last axis, max-subtracted for stability; rows
/// are split over the engine's threads.
func softmaxKernel(_ x: [Float], rowLength n: Int, log: Bool) -> [Float] {
    let rows = n == 0 ? 0 : x.count / n
    return x.withUnsafeBufferPointer { xs in
        makeStorage(x.count) { out in
            Parallel.forEachRange(rows, work: x.count, alignment: 1) { range in
                for r in range {
                    let src = xs.baseAddress! + r * n, dst = out + r * n
                    // The row's maximum, eight lanes wide (exact: a maximum does not round; NaN
                    // is passed over, as by Swift.max).
                    var lanes = SIMD8<Float>(repeating: -.infinity)
                    var i = 0
                    while i < n {
                        let v = rowLanesInside(rowLanes(src, i, n), i, n, padding: -.infinity)
                        lanes.replace(with: v, where: v .> lanes)
                        i += 8
                    }
                    var m = lanes.max()
                    if m == -.infinity { m = 0 }  // a fully masked row: keep the NaN-free path
                    // e^(x − m) and their sum, eight lanes wide, the lanes summed in a fixed order.
                    let pd = UnsafeMutableRawPointer(dst)
                    var total = SIMD8<Float>()
                    i = 0
                    while i + 8 <= n {
                        let y = vectorExp(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - m)
                        pd.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
                        total += y
                        i += 8
                    }
                    if i < n {
                        let y = rowLanesInside(vectorExp(rowLanes(src, i, n) - m), i, n)
                        for j in i..<n { dst[j] = y[j - i] }
                        total += y
                    }
                    let s = laneTotal(total)
                    if log {
                        let logS = Foundation.log(s)
                        for i in 0..<n { dst[i] = src[i] - m - logS }
                    } else {
                        let inv = 1 / s
                        for i in 0..<n { dst[i] *= inv }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// Softmax over the last axis: `yᵢ = e^{xᵢ}/Σⱼe^{xⱼ}`.
    /// Backward: dx = y ⊙ (g − Σⱼ gⱼyⱼ) (the Jacobian diag(y) − yyᵀ applied to g), fused
    /// (`softmaxInputGradient(output:)`).
    public func softmax() -> Tensor {
        Tensor.record("softmax", shape: shape, storage: softmaxKernel(storage, rowLength: shape.last ?? 1, log: false),
                      inputs: [self], keeping: [false], keepingOutput: true) { g, _, y, _ in
            [g.softmaxInputGradient(output: y)]
        }
    }

    /// Softmax's input gradient for this incoming gradient g and the softmax output y (same
    /// shape), over the last axis: `y ⊙ (g − Σⱼ gⱼyⱼ)`, one pass per row, the sum eight lanes
    /// wide (`laneTotal`).
    ///
    /// Backward with incoming h (z = y ⊙ (g − s), s = Σⱼ gⱼyⱼ): z is linear in g with the
    /// symmetric Jacobian diag(y) − yyᵀ, so dg is this op applied to h; dy = h ⊙ (g − s) −
    /// g·Σⱼ hⱼyⱼ, one fused pass whose own backward is that of the composed ops.
    public func softmaxInputGradient(output y: Tensor) -> Tensor {
        precondition(shape == y.shape, "softmaxInputGradient: gradient \(shape) for output \(y.shape)")
        let n = shape.last ?? 1
        let out = rowKernel(storage, y.storage, y.storage, rowLength: n) { g, y, _, out in
            var sum = SIMD8<Float>()
            for j in stride(from: 0, to: n, by: 8) { sum += rowLanes(g, j, n) * rowLanes(y, j, n) }
            let s = laneTotal(sum)
            for j in 0..<n { out[j] = y[j] * (g[j] - s) }
        }
        return Tensor.record("softmaxInputGradient", shape: shape, storage: out, inputs: [self, y],
                             keeping: [y.requiresGrad, true]) { h, inputs, _, needs in
            let (g, y) = (inputs[0], inputs[1])
            var dy: Tensor?
            if needs[1] {
                let cross = rowKernel(h.storage, g.storage, y.storage, rowLength: n) { h, g, y, out in
                    var sums = (SIMD8<Float>(), SIMD8<Float>())
                    for j in stride(from: 0, to: n, by: 8) {
                        let yj = rowLanes(y, j, n)
                        sums.0 += rowLanes(g, j, n) * yj
                        sums.1 += rowLanes(h, j, n) * yj
                    }
                    let (s, p) = (laneTotal(sums.0), laneTotal(sums.1))
                    for j in 0..<n { out[j] = h[j] * (g[j] - s) - g[j] * p }
                }
                dy = Tensor.fused("softmaxOutputGradient", shape: y.shape, storage: cross, inputs: [h, g, y]) { t in
                    let (h, g, y) = (t[0], t[1], t[2])
                    return h * (g - (g * y).sum(alongAxis: -1, keepingDimensions: true))
                        - g * (h * y).sum(alongAxis: -1, keepingDimensions: true)
                }
            }
            return [needs[0] ? h.softmaxInputGradient(output: y) : nil, dy]
        }
    }

    /// Log-softmax over the last axis: `yᵢ = xᵢ − log Σⱼe^{xⱼ}`.
    /// Backward: dx = g − softmax(x)·Σⱼgⱼ, with softmax(x) = e^y.
    public func logSoftmax() -> Tensor {
        Tensor.record("logSoftmax", shape: shape, storage: softmaxKernel(storage, rowLength: shape.last ?? 1, log: true),
                      inputs: [self], keeping: [false], keepingOutput: true) { g, _, y, _ in
            [g - y.exp() * g.sum(alongAxis: -1, keepingDimensions: true)]
        }
    }
}
