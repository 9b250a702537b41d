/// Sums `x`, viewed as (outer, n, inner), over its middle axis: out is (outer, inner).
func sumAxisKernel(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    x.withUnsafeBufferPointer { xs in
        makeStorage(outer * inner) { out in
            for o in 0..<outer {
                let dst = out + o * inner
                let src = xs.baseAddress! + o * n * inner
                if inner == 1 {
                    var s: Float = 0
                    for k in 0..<n { s += src[k] }
                    dst[0] = s
                } else {
                    for i in 0..<inner { dst[i] = n > 0 ? src[i] : 0 }
                    for k in 1..<max(n, 1) {
                        let row = src + k * inner
                        for i in 0..<inner { dst[i] += row[i] }
                    }
                }
            }
        }
    }
}

/// Maximum of `x`, viewed as (outer, n, inner), over its middle axis, with the index of the
/// first maximum (PyTorch's `max(dim)` semantics for ties; NaN wins, as in PyTorch).
func maxAxisKernel(_ x: [Float], outer: Int, n: Int, inner: Int) -> (values: [Float], indices: [Int]) {
    precondition(n > 0, "max over an empty axis")
    var indices = [Int](repeating: 0, count: outer * inner)
    let values = x.withUnsafeBufferPointer { xs in
        makeStorage(outer * inner) { out in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var best = xs[base], at = 0
                    if !best.isNaN {
                        for k in 1..<n {
                            let v = xs[base + k * inner]
                            if v > best || v.isNaN { best = v; at = k; if v.isNaN { break } }
                        }
                    }
                    out[o * inner + i] = best
                    indices[o * inner + i] = at
                }
            }
        }
    }
    return (values, indices)
}

/// Repeats `x`, viewed as (outer, 1, inner), n times along the middle axis: out is (outer, n, inner).
func expandAxisKernel(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    x.withUnsafeBufferPointer { xs in
        makeStorage(outer * n * inner) { out in
            for o in 0..<outer {
                let src = xs.baseAddress! + o * inner
                for k in 0..<n {
                    let dst = out + (o * n + k) * inner
                    for i in 0..<inner { dst[i] = src[i] }
                }
            }
        }
    }
}
