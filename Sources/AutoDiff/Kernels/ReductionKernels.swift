/// Sums `x`, viewed as (outer, n, inner), over its middle axis: out is (outer, inner).
/// Each output element is summed over k = 0, 1, … in order, whichever thread (split over
/// `outer`, or over `inner` when `outer` is small) computes it.
func sumAxisKernel(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    x.withUnsafeBufferPointer { xs in
        makeStorage(outer * inner) { out in
            // Sums slab o over k, for the output columns `columns`.
            func sum(_ o: Int, _ columns: Range<Int>) {
                let dst = out + o * inner
                let src = xs.baseAddress! + o * n * inner
                if inner == 1 {
                    var s: Float = 0
                    for k in 0..<n { s += src[k] }
                    dst[0] = s
                } else {
                    for i in columns { dst[i] = n > 0 ? src[i] : 0 }
                    for k in 1..<max(n, 1) {
                        let row = src + k * inner
                        for i in columns { dst[i] += row[i] }
                    }
                }
            }
            if outer >= Parallel.chunkCount(work: outer * n * inner) {
                Parallel.forEachRange(outer, work: outer * n * inner, alignment: 1) { range in
                    for o in range { sum(o, 0..<inner) }
                }
            } else {
                for o in 0..<outer {
                    Parallel.forEachRange(inner, work: n * inner) { columns in sum(o, columns) }
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
            Parallel.forEachRange(outer * n, work: outer * n * inner, alignment: 1) { range in
                for row in range {
                    let src = xs.baseAddress! + row / n * inner
                    let dst = out + row * inner
                    for i in 0..<inner { dst[i] = src[i] }
                }
            }
        }
    }
}

/// Row kernel over up to three inputs of the same shape, viewed as rows of `n`: `body` fills
/// one output row from the rows of `a`, `b` and `c` at the same index; rows are split over
/// the engine's threads, so each row's bits do not depend on the split.
@inline(__always)
func rowKernel(_ a: [Float], _ b: [Float], _ c: [Float], rowLength n: Int,
               _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    precondition(a.count == b.count && a.count == c.count, "row kernel over \(a.count), \(b.count) and \(c.count) values")
    let rows = n == 0 ? 0 : a.count / n
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeBufferPointer { pc in
                makeStorage(a.count) { out in
                    Parallel.forEachRange(rows, work: a.count, alignment: 1) { range in
                        for r in range {
                            body(pa.baseAddress! + r * n, pb.baseAddress! + r * n, pc.baseAddress! + r * n, out + r * n)
                        }
                    }
                }
            }
        }
    }
}

// Row sums eight lanes wide, for the row kernels (layer norm, softmax's gradients): a
// sequential sum waits for each addition before the next, so a row of 768 took four times
// as long as everything else in the kernel. Lanes are summed in a fixed order, so a row's
// bits depend on nothing but the row.

/// Eight values of a row of n from position i: whole, or zero-padded past the end.
@inline(__always)
func rowLanes(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> SIMD8<Float> {
    if i + 8 <= n { return UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>()
    for j in 0..<(n - i) { v[j] = p[i + j] }
    return v
}

/// `v` with the lanes at or past the row's end (position n, lanes from i) set to `padding`.
@inline(__always)
func rowLanesInside(_ v: SIMD8<Float>, _ i: Int, _ n: Int, padding: Float = 0) -> SIMD8<Float> {
    i + 8 <= n ? v : v.replacing(with: padding, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= Int32(n - i))
}

/// The sum of the eight lanes: (l₀ + l₄) + (l₂ + l₆) + ((l₁ + l₅) + (l₃ + l₇)).
@inline(__always)
func laneTotal(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    return (h[0] + h[2]) + (h[1] + h[3])
}
