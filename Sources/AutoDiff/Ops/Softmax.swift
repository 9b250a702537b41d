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
                    var m = -Float.infinity
                    for i in 0..<n { m = Swift.max(m, src[i]) }
                    if m == -.infinity { m = 0 }  // a fully masked row: keep the NaN-free path
                    vectorMap(src, dst, n) { vectorExp($0 - m) }
                    var s: Float = 0
                    for i in 0..<n { s += dst[i] }
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
    /// Backward: dx = y ⊙ (g − Σⱼ gⱼyⱼ) (the Jacobian diag(y) − yyᵀ applied to g).
    public func softmax() -> Tensor {
        Tensor.record("softmax", shape: shape, storage: softmaxKernel(storage, rowLength: shape.last ?? 1, log: false),
                      inputs: [self], keeping: [false], keepingOutput: true) { g, _, y, _ in
            [y * (g - (g * y).sum(alongAxis: -1, keepingDimensions: true))]
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
