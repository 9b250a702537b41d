/// Copies `x` of `shape` into the axis order `axes` (out axis i = in axis axes[i]).
/// When the last axis stays last, whole rows are copied.
func permuteKernel(_ x: [Float], shape: [Int], axes: [Int]) -> [Float] {
    let rank = shape.count
    let inStrides = Shape.strides(shape)
    let outShape = axes.map { shape[$0] }
    let count = shape.product
    let src = axes.map { inStrides[$0] }  // input stride of each output axis
    let rowLength = axes.last == rank - 1 ? outShape[rank - 1] : 1
    let outerRank = rowLength > 1 ? rank - 1 : rank
    return x.withUnsafeBufferPointer { xs in
        makeStorage(count) { out in
            guard count > 0 else { return }
            // Split over the output's rows (elements when the last axis moves); each range
            // starts from its own outer index.
            let units = count / rowLength
            Parallel.forEachRange(units, work: count, alignment: 1) { range in
                var index = [Int](repeating: 0, count: rank)
                var offset = 0, rest = range.lowerBound
                for axis in stride(from: outerRank - 1, through: 0, by: -1) {
                    index[axis] = rest % outShape[axis]
                    rest /= outShape[axis]
                    offset += index[axis] * src[axis]
                }
                var o = range.lowerBound * rowLength
                let end = range.upperBound * rowLength
                while o < end {
                    if rowLength > 1 {
                        for j in 0..<rowLength { out[o + j] = xs[offset + j] }
                        o += rowLength
                    } else {
                        out[o] = xs[offset]
                        o += 1
                    }
                    var axis = outerRank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += src[axis]
                        if index[axis] < outShape[axis] { break }
                        offset -= src[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}

/// Copies a block of `x` viewed as (outer, n, inner): rows `range` of the middle axis.
func sliceAxisKernel(_ x: [Float], outer: Int, n: Int, inner: Int, range: Range<Int>) -> [Float] {
    let m = range.count
    return x.withUnsafeBufferPointer { xs in
        makeStorage(outer * m * inner) { out in
            Parallel.forEachRange(outer, work: outer * m * inner, alignment: 1) { slabs in
                for o in slabs {
                    let src = xs.baseAddress! + (o * n + range.lowerBound) * inner
                    let dst = out + o * m * inner
                    for i in 0..<(m * inner) { dst[i] = src[i] }
                }
            }
        }
    }
}
