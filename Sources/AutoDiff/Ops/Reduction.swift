// Sums, means and maxima along axes, and broadcasting (the adjoint of summing).

extension Tensor {
    /// Sum over `axes`; `keepingDimensions` leaves those axes with extent 1.
    /// Backward: the gradient broadcast back over the summed axes.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = Set(axes.map(axis)).sorted()
        var kept = shape
        var values = storage
        for a in axes {
            let outer = kept[..<a].product, inner = kept[(a + 1)...].product
            values = sumAxisKernel(values, outer: outer, n: kept[a], inner: inner)
            kept[a] = 1
        }
        let outShape = keepingDimensions ? kept : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        let inShape = shape, keptShape = kept
        return Tensor.record("sum", shape: outShape, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.reshaped(keptShape).broadcast(to: inShape)]
        }
    }

    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Sum of all elements, as a scalar.
    public func sum() -> Tensor { reshaped([count]).sum(alongAxes: [0]) }

    /// Mean over `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = Set(axes.map(axis)).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }

    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Mean of all elements, as a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(count)) }

    /// Maximum along `axis` (PyTorch `max(dim)` values). The gradient flows to the first
    /// maximal element; the selection is piecewise constant, so it enters as a constant mask.
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = self.axis(axis)
        let outer = shape[..<a].product, n = shape[a], inner = shape[(a + 1)...].product
        let (values, indices) = maxAxisKernel(storage, outer: outer, n: n, inner: inner)
        var kept = shape
        kept[a] = 1
        let outShape = keepingDimensions ? kept : shape.enumerated().filter { $0.offset != a }.map(\.element)
        let inShape = shape, keptShape = kept
        return Tensor.record("max", shape: outShape, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            var mask = [Float](repeating: 0, count: inShape.product)
            for o in 0..<outer {
                for i in 0..<inner { mask[(o * n + indices[o * inner + i]) * inner + i] = 1 }
            }
            return [g.reshaped(keptShape).broadcast(to: inShape) * Tensor(shape: inShape, values: mask)]
        }
    }

    /// Index of the maximum along the last axis for each row (not differentiable).
    public func argmaxLastAxis() -> [Int] {
        let n = shape.last ?? 1
        return maxAxisKernel(storage, outer: count / Swift.max(n, 1), n: n, inner: 1).indices
    }

    /// Broadcasts to `target` (NumPy rules). Backward: sum back to this shape.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        // Align ranks, then expand axis by axis (each expansion is one contiguous pass).
        var current = [Int](repeating: 1, count: target.count - rank) + shape
        var values = storage
        for a in 0..<target.count where current[a] != target[a] {
            values = expandAxisKernel(values, outer: current[..<a].product, n: target[a],
                                      inner: current[(a + 1)...].product)
            current[a] = target[a]
        }
        let inShape = shape
        return Tensor.record("broadcast", shape: target, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.sum(toShape: inShape)]
        }
    }

    /// Sums a broadcast result back to `target` — the adjoint of `broadcast(to:)`.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        precondition(offset >= 0, "cannot sum \(shape) to \(target)")
        var axes = Array(0..<offset)
        for i in 0..<target.count where target[i] != shape[i + offset] {
            precondition(target[i] == 1, "cannot sum \(shape) to \(target)")
            axes.append(i + offset)
        }
        return sum(alongAxes: axes, keepingDimensions: true).reshaped(target)
    }
}
