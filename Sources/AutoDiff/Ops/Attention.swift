extension Tensor {
    /// Scaled dot-product attention, `softmax((Q/√d)Kᵀ + mask)·V`, composed of primitives.
    /// The query is scaled before the product (as Hugging Face CLIP does): T·d values
    /// instead of T² scores, one tensor fewer kept for backward.
    ///
    /// - Parameters:
    ///   - query, key, value: (B, H, T, d).
    ///   - mask: additive, broadcastable to (B, H, T, T) — e.g. a causal mask with −∞
    ///     above the diagonal (CLIP's text tower).
    /// - Returns: (B, H, T, d).
    public static func attention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil) -> Tensor {
        let d = query.shape[query.rank - 1]
        var scores = matmul(query * (1 / Float(d).squareRoot()), key, transposeB: true)
        if let mask { scores = scores + mask }
        return matmul(scores.softmax(), value)
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
