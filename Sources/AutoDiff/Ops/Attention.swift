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
    public static func causalMask(_ t: Int) -> Tensor {
        Tensor(shape: [t, t], values: (0..<(t * t)).map { $0 % t > $0 / t ? -Float.infinity : 0 })
    }
}
