// Reshape, permute, concatenate, slice, index-select and their adjoints.

extension Tensor {
    /// The same values with another shape (no copy). One extent may be −1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != hole }.map(\.element).product
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[hole] = count / known
        }
        precondition(target.product == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let inShape = shape
        return Tensor.record("reshape", shape: target, storage: storage, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.reshaped(inShape)]
        }
    }

    /// Reorders axes: result axis i is this tensor's axis `axes[i]` (PyTorch `permute`).
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map(axis)
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) invalid for shape \(shape)")
        if axes == Array(0..<rank) { return self }
        var inverse = axes
        for (i, a) in axes.enumerated() { inverse[a] = i }
        let adjoint = inverse
        return Tensor.record("permute", shape: axes.map { shape[$0] },
                             storage: permuteKernel(storage, shape: shape, axes: axes),
                             inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.permuted(adjoint)]
        }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(axis(a), axis(b))
        return permuted(axes)
    }

    /// Concatenates along `axis`; all other extents must agree.
    /// Backward: each input's slice of the gradient.
    public static func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate of no tensors")
        let a = parts[0].axis(axis)
        for p in parts {
            precondition(p.rank == parts[0].rank && (0..<p.rank).allSatisfy { $0 == a || p.shape[$0] == parts[0].shape[$0] },
                         "concatenate along \(axis): shapes \(parts.map(\.shape)) differ off that axis")
        }
        if parts.count == 1 { return parts[0] }
        var shape = parts[0].shape
        shape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        let outer = shape[..<a].product, inner = shape[(a + 1)...].product
        let extents = parts.map { $0.shape[a] }
        let storage = makeStorage(shape.product) { out in
            var column = 0
            for p in parts {
                let width = p.shape[a] * inner
                p.storage.withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        let dst = out + o * shape[a] * inner + column
                        for i in 0..<width { dst[i] = src[o * width + i] }
                    }
                }
                column += width
            }
        }
        return record("concatenate", shape: shape, storage: storage, inputs: parts,
                      keeping: parts.map { _ in false }) { g, _, _, needs in
            var start = 0
            return extents.enumerated().map { i, n in
                defer { start += n }
                return needs[i] ? g.slice(alongAxis: a, start ..< start + n) : nil
            }
        }
    }

    /// Elements `range` along `axis`. Backward: the gradient placed into zeros.
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let a = self.axis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice \(range) out of bounds for axis \(axis) of \(shape)")
        if range == 0..<shape[a] { return self }
        var outShape = shape
        outShape[a] = range.count
        let n = shape[a]
        let storage = sliceAxisKernel(self.storage, outer: shape[..<a].product, n: n,
                                      inner: shape[(a + 1)...].product, range: range)
        return Tensor.record("slice", shape: outShape, storage: storage, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.padded(alongAxis: a, before: range.lowerBound, after: n - range.upperBound)]
        }
    }

    /// Zeros added before and after along `axis` — the adjoint of `slice`.
    public func padded(alongAxis axis: Int, before: Int, after: Int) -> Tensor {
        let a = self.axis(axis)
        if before == 0 && after == 0 { return self }
        var outShape = shape
        outShape[a] += before + after
        let zerosBefore = Tensor.zeros(shape.enumerated().map { $0.offset == a ? before : $0.element })
        let zerosAfter = Tensor.zeros(shape.enumerated().map { $0.offset == a ? after : $0.element })
        return Tensor.concatenate([zerosBefore, self, zerosAfter].filter { $0.shape[a] > 0 }, alongAxis: a)
    }

    /// Gathers entries `indices` along `axis` (PyTorch `index_select`); indices may repeat.
    /// Embedding lookup is `table.indexSelect(alongAxis: 0, ids)`.
    /// Backward: `indexAdd` of the gradient into zeros.
    public func indexSelect(alongAxis axis: Int, _ indices: [Int]) -> Tensor {
        let a = self.axis(axis)
        let n = shape[a], outer = shape[..<a].product, inner = shape[(a + 1)...].product
        for i in indices { precondition(i >= 0 && i < n, "index \(i) out of range 0..<\(n) on axis \(axis) of \(shape)") }
        var outShape = shape
        outShape[a] = indices.count
        let m = indices.count
        let storage = self.storage.withUnsafeBufferPointer { xs in
            makeStorage(outer * m * inner) { out in
                for o in 0..<outer {
                    for (j, index) in indices.enumerated() {
                        let src = xs.baseAddress! + (o * n + index) * inner
                        let dst = out + (o * m + j) * inner
                        for i in 0..<inner { dst[i] = src[i] }
                    }
                }
            }
        }
        return Tensor.record("indexSelect", shape: outShape, storage: storage, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.indexAdd(alongAxis: a, indices, extent: n)]
        }
    }

    /// Sums slices along `axis` into a tensor with `extent` entries on that axis:
    /// `out[…, indices[j], …] += self[…, j, …]` (PyTorch `index_add` into zeros).
    /// The adjoint of `indexSelect`, whose backward is `indexSelect` again.
    public func indexAdd(alongAxis axis: Int, _ indices: [Int], extent: Int) -> Tensor {
        let a = self.axis(axis)
        precondition(shape[a] == indices.count, "indexAdd: \(indices.count) indices for axis \(axis) of \(shape)")
        let outer = shape[..<a].product, inner = shape[(a + 1)...].product, m = indices.count
        var outShape = shape
        outShape[a] = extent
        var out = [Float](repeating: 0, count: outer * extent * inner)
        storage.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { dstAll in
                for o in 0..<outer {
                    for (j, index) in indices.enumerated() {
                        precondition(index >= 0 && index < extent, "index \(index) out of range 0..<\(extent)")
                        let src = xs.baseAddress! + (o * m + j) * inner
                        let dst = dstAll.baseAddress! + (o * extent + index) * inner
                        for i in 0..<inner { dst[i] += src[i] }
                    }
                }
            }
        }
        return Tensor.record("indexAdd", shape: outShape, storage: out, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.indexSelect(alongAxis: a, indices)]
        }
    }

    /// Repeats each entry along `axis` `repeats` times in place (PyTorch `repeat_interleave`):
    /// [a, b] → [a, a, b, b].
    public func repeatInterleaved(_ repeats: Int, alongAxis axis: Int) -> Tensor {
        let a = self.axis(axis)
        return indexSelect(alongAxis: a, (0..<shape[a]).flatMap { Array(repeating: $0, count: repeats) })
    }

    /// Tiles the whole axis `times` times (PyTorch `repeat` on one axis): [a, b] → [a, b, a, b].
    public func tiled(_ times: Int, alongAxis axis: Int) -> Tensor {
        let a = self.axis(axis)
        return indexSelect(alongAxis: a, (0..<times).flatMap { _ in Array(0..<shape[a]) })
    }
}
