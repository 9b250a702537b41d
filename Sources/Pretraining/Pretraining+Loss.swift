import AutoDiff

extension Pretraining {
    /// CLIP's symmetric InfoNCE loss (Radford et al. 2021, Figure 3) on N image–caption pairs:
    ///
    ///     Z = exp(s) · norm(I) · norm(T)ᵀ                     (N, N)
    ///     loss = ½ · (CE(Z, Y) + CE(Zᵀ, Y))
    ///
    /// with CE the mean soft-target cross-entropy over rows. Y is the identity when the
    /// captions are distinct (CLIP's `labels = arange(n)`); a caption that occurs k times in the
    /// batch has k identical text features, so its rows of Y spread 1/k over those k positions
    /// instead of calling k − 1 true matches negatives. Y is symmetric, so it serves both
    /// directions.
    ///
    /// - Parameters:
    ///   - imageFeatures: (N, P), not normalised.
    ///   - textFeatures: (N, P), not normalised.
    ///   - logitScale: the scalar s (a 0-d tensor; the temperature is 1/exp(s)).
    ///   - captions: the N captions, to find repeats.
    /// - Returns: a 0-d tensor, differentiable in the features and the scale.
    public static func contrastiveLoss(imageFeatures: Tensor, textFeatures: Tensor, logitScale: Tensor,
                                       captions: [String]) -> Tensor {
        let n = captions.count
        precondition(imageFeatures.rank == 2 && imageFeatures.shape == textFeatures.shape && imageFeatures.shape[0] == n,
                     "contrastiveLoss: image features \(imageFeatures.shape), text features \(textFeatures.shape), \(n) captions")
        precondition(logitScale.count == 1, "contrastiveLoss: logit scale must be a scalar, got \(logitScale.shape)")
        let logits = Tensor.matmul(imageFeatures.l2Normalized(), textFeatures.l2Normalized(), transposeB: true)
            * logitScale.reshaped([]).exp()
        var targets = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            let matches = (0..<n).filter { captions[$0] == captions[i] }
            for j in matches { targets[i * n + j] = 1 / Float(matches.count) }
        }
        let y = Tensor(shape: [n, n], values: targets)
        return (Tensor.crossEntropy(logits, targets: y) + Tensor.crossEntropy(logits.transposed(), targets: y)) * 0.5
    }
}
