extension Tensor {
    /// Multi-head scaled dot-product attention, `softmax((Q/√d)Kᵀ + mask)·V` per head, on the
    /// projections' own layout: the heads are the column blocks of width d = W/H (PyTorch's
    /// `view(N, T, H, d)`), read and written in place by `headProduct`. The query is scaled
    /// before the product (as Hugging Face CLIP does): T·d values instead of T² scores, one
    /// tensor fewer kept for backward.
    ///
    /// - Parameters:
    ///   - query: (N, L, W); key, value: (N, S, W), W = heads·d.
    ///   - mask: additive, broadcastable to the scores (N, H, L, S) — e.g. a causal mask with
    ///     −∞ above the diagonal (CLIP's text tower).
    /// - Returns: (N, L, W), each head's output in its column block.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: Tensor? = nil) -> Tensor {
        let d = query.shape[query.rank - 1] / heads
        var scores = headProduct(query * (1 / Float(d).squareRoot()), key, heads: heads,
                                 layouts: (.interleaved, .interleaved, .split), transposeB: true)
        if let mask { scores = scores + mask }
        return headProduct(scores.softmax(), value, heads: heads, layouts: (.split, .interleaved, .interleaved))
    }

    /// A causal mask (T, T): 0 on and below the diagonal, −∞ above.
    public static func causalMask(_ t: Int) -> Tensor { causalMask(queries: t, keys: t) }

    /// A causal mask (Q, K) for the last Q of K positions: query i sits at position
    /// K − Q + i and sees keys 0…K − Q + i (0), not the later ones (−∞).
    public static func causalMask(queries q: Int, keys k: Int) -> Tensor {
        precondition(q <= k, "causal mask of \(q) queries over \(k) keys")
        return Tensor(shape: [q, k], values: (0..<(q * k)).map { $0 % k > k - q + $0 / k ? -Float.infinity : 0 })
    }
}
