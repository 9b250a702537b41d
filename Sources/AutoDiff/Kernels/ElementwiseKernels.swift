// Elementwise kernels over contiguous buffers. Closures passed to these `@inline(__always)`
// functions are specialised into the loops in release builds; the eight-lane kernels take their
// function as a type (`LaneFunction`), since a closure as large as eˣ stays a call.

/// Allocates an uninitialised array of `count` floats and lets `body` fill all of it.
@inline(__always)
func makeStorage(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { body(buffer.baseAddress!) }
        initialized = count
    }
}

// Every kernel here computes each output element on its own, so splitting the elements over
// the engine's threads (`Parallel.forEachRange`) leaves every bit as one thread computes it.

/// `out[i] = f(x[i])`.
@inline(__always)
func mapKernel(_ x: [Float], _ f: (Float) -> Float) -> [Float] {
    x.withUnsafeBufferPointer { xs in
        makeStorage(xs.count) { out in
            Parallel.forEachRange(xs.count, work: xs.count) { range in
                for i in range { out[i] = f(xs[i]) }
            }
        }
    }
}

/// A pointwise function of eight lanes, as a type. The kernels below are generic over it, so
/// its body is inlined into their loops; a closure this size stays a call per eight lanes, its
/// vectors passed in halves and its constants reloaded on every call.
protocol LaneFunction { static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> }
/// The same of three lanes' values, one result.
protocol LaneFunction3 { static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> }
/// The same with two results that share most of their work.
protocol LanePairFunction3 {
    static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>)
}

/// `out[i] = F(x[i])` eight lanes at a time; the tail runs through the same F (zero-padded),
/// so every element gets the same rounding wherever it sits.
@inline(__always)
func vectorMapKernel<F: LaneFunction>(_ x: [Float], _: F.Type) -> [Float] {
    x.withUnsafeBufferPointer { xs in
        makeStorage(xs.count) { out in
            Parallel.forEachRange(xs.count, work: xs.count) { range in
                let src = xs.baseAddress! + range.lowerBound, dst = out + range.lowerBound
                let ps = UnsafeRawPointer(src), po = UnsafeMutableRawPointer(dst)
                let whole = range.count & ~7
                var i = 0
                while i < whole {
                    po.storeBytes(of: F.apply(ps.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)), toByteOffset: i * 4, as: SIMD8<Float>.self)
                    i += 8
                }
                if whole < range.count {
                    var v = SIMD8<Float>()
                    for j in whole..<range.count { v[j - whole] = src[j] }
                    let y = F.apply(v)
                    for j in whole..<range.count { dst[j] = y[j - whole] }
                }
            }
        }
    }
}

/// `out[i] = F(a[i], b[i], c[i])` for equal-length buffers, eight lanes at a time; the tail
/// runs through the same F (zero-padded), as in `vectorMapKernel`.
@inline(__always)
func lanewiseKernel<F: LaneFunction3>(_ a: [Float], _ b: [Float], _ c: [Float], _: F.Type) -> [Float] {
    lanewiseKernels(a, b, c, pair: false, SingleLane<F>.self).0
}

/// The same with two outputs per element, `(out₀[i], out₁[i]) = F(a[i], b[i], c[i])`.
@inline(__always)
func lanewisePairKernel<F: LanePairFunction3>(_ a: [Float], _ b: [Float], _ c: [Float], _: F.Type) -> ([Float], [Float]) {
    lanewiseKernels(a, b, c, pair: true, F.self)
}

private enum SingleLane<F: LaneFunction3>: LanePairFunction3 {
    @inline(__always)
    static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let y = F.apply(a, b, c)
        return (y, y)
    }
}

@inline(__always)
private func lanewiseKernels<F: LanePairFunction3>(_ a: [Float], _ b: [Float], _ c: [Float], pair: Bool, _: F.Type) -> ([Float], [Float]) {
    precondition(a.count == b.count && a.count == c.count, "lanewise kernel over \(a.count), \(b.count) and \(c.count) values")
    var second = [Float]()
    let first = a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeBufferPointer { pc in
                makeStorage(a.count) { out in
                    // Fills out (and out1, for a pair) over `range`.
                    func fill(_ out1: UnsafeMutablePointer<Float>?, _ range: Range<Int>) {
                        let (ra, rb, rc) = (UnsafeRawPointer(pa.baseAddress!), UnsafeRawPointer(pb.baseAddress!), UnsafeRawPointer(pc.baseAddress!))
                        let ro = UnsafeMutableRawPointer(out)
                        let whole = range.lowerBound + (range.count & ~7)
                        var i = range.lowerBound
                        while i < whole {
                            let (y, y1) = F.apply(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                            rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                            rc.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                            ro.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
                            if let out1 { UnsafeMutableRawPointer(out1).storeBytes(of: y1, toByteOffset: i * 4, as: SIMD8<Float>.self) }
                            i += 8
                        }
                        if whole < range.upperBound {
                            var (va, vb, vc) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                            for j in whole..<range.upperBound { va[j - whole] = pa[j]; vb[j - whole] = pb[j]; vc[j - whole] = pc[j] }
                            let (y, y1) = F.apply(va, vb, vc)
                            for j in whole..<range.upperBound {
                                out[j] = y[j - whole]
                                out1?[j] = y1[j - whole]
                            }
                        }
                    }
                    if pair {
                        second = makeStorage(a.count) { out1 in Parallel.forEachRange(a.count, work: a.count) { fill(out1, $0) } }
                    } else {
                        Parallel.forEachRange(a.count, work: a.count) { fill(nil, $0) }
                    }
                }
            }
        }
    }
    return (first, second)
}

/// `out[i] = f(x[i], y[i])` for equal-length buffers.
@inline(__always)
func zipKernel(_ x: [Float], _ y: [Float], _ f: (Float, Float) -> Float) -> [Float] {
    precondition(x.count == y.count)
    return x.withUnsafeBufferPointer { xs in
        y.withUnsafeBufferPointer { ys in
            makeStorage(xs.count) { out in
                Parallel.forEachRange(xs.count, work: xs.count) { range in
                    for i in range { out[i] = f(xs[i], ys[i]) }
                }
            }
        }
    }
}

/// `out = f(a, b)` with NumPy broadcasting; `out` has shape `Shape.broadcast(aShape, bShape)`.
///
/// Equal shapes and scalar operands take flat loops; otherwise the output is walked row by
/// row over its last axis, with stride 0 on broadcast axes.
@inline(__always)
func broadcastKernel(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int],
                     _ f: (Float, Float) -> Float) -> [Float] {
    if aShape == bShape { return zipKernel(a, b, f) }
    let shape = Shape.broadcast(aShape, bShape)
    let count = shape.product
    return a.withUnsafeBufferPointer { aa in
        b.withUnsafeBufferPointer { bb in
            makeStorage(count) { out in
                if bb.count == 1 {
                    let s = bb[0]
                    Parallel.forEachRange(count, work: count) { range in
                        for i in range { out[i] = f(aa[i], s) }
                    }
                    return
                }
                if aa.count == 1 {
                    let s = aa[0]
                    Parallel.forEachRange(count, work: count) { range in
                        for i in range { out[i] = f(s, bb[i]) }
                    }
                    return
                }
                // A row added to every row (a bias): whole rows of a against the one row b, in
                // a flat loop (the strided walk below takes three times as long for it).
                let width = bb.count
                if width > 0 && aShape == shape && bShape.count <= shape.count && Array(shape.suffix(bShape.count)) == bShape {
                    Parallel.forEachRange(count / width, work: count, alignment: 1) { range in
                        for row in range {
                            let o = out + row * width, x = aa.baseAddress! + row * width, y = bb.baseAddress!
                            for j in 0..<width { o[j] = f(x[j], y[j]) }
                        }
                    }
                    return
                }
                let rank = shape.count
                let sa = Shape.broadcastStrides(aShape, to: shape)
                let sb = Shape.broadcastStrides(bShape, to: shape)
                let inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1]
                let rows = count / max(inner, 1)
                Parallel.forEachRange(rows, work: count, alignment: 1) { range in
                    // The outer index of the first row, and the operands' offsets there.
                    var index = [Int](repeating: 0, count: rank)
                    var offA = 0, offB = 0, rest = range.lowerBound
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        index[axis] = rest % shape[axis]
                        rest /= shape[axis]
                        offA += index[axis] * sa[axis]; offB += index[axis] * sb[axis]
                    }
                    for row in range {
                        let o = out + row * inner
                        if ia == 1 && ib == 1 {
                            for j in 0..<inner { o[j] = f(aa[offA + j], bb[offB + j]) }
                        } else if ia == 1 {
                            let s = bb[offB]
                            for j in 0..<inner { o[j] = f(aa[offA + j], s) }
                        } else if ib == 1 {
                            let s = aa[offA]
                            for j in 0..<inner { o[j] = f(s, bb[offB + j]) }
                        } else {
                            let s = f(aa[offA], bb[offB])
                            for j in 0..<inner { o[j] = s }
                        }
                        // Advance the outer index like an odometer.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offA += sa[axis]; offB += sb[axis]
                            if index[axis] < shape[axis] { break }
                            offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
    }
}
