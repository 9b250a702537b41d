// Losses, composed of differentiable primitives so that their second derivatives are exact.

extension Tensor {
    /// Mean cross-entropy of `logits` (N, C) against hard `labels`, optionally weighted per
    /// sample: `(1/N) Σᵢ wᵢ · (−log softmax(logitsᵢ)[yᵢ])` (PyTorch `F.cross_entropy` with
    /// mean reduction when all wᵢ = 1). Mixup with per-sample λ is
    /// `crossEntropy(z, a, weights: λ) + crossEntropy(z, b, weights: 1 − λ)`.
    public static func crossEntropy(_ logits: Tensor, labels: [Int], weights: [Float]? = nil) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "crossEntropy: logits \(logits.shape) for \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(weights == nil || weights!.count == n, "crossEntropy: \(weights!.count) weights for \(n) samples")
        var target = [Float](repeating: 0, count: n * c)
        for (i, label) in labels.enumerated() {
            precondition(label >= 0 && label < c, "crossEntropy: label \(label) out of range 0..<\(c)")
            target[i * c + label] = weights?[i] ?? 1
        }
        return crossEntropy(logits, targets: Tensor(shape: [n, c], values: target))
    }

    /// Mean cross-entropy against target distributions (N, C): `−(1/N) Σᵢⱼ tᵢⱼ log softmax(z)ᵢⱼ`.
    public static func crossEntropy(_ logits: Tensor, targets: Tensor) -> Tensor {
        precondition(logits.shape == targets.shape, "crossEntropy: logits \(logits.shape) vs targets \(targets.shape)")
        return -(logits.logSoftmax() * targets).sum() * (1 / Float(logits.shape[0]))
    }

    /// Summed Kullback–Leibler divergence with a log-space target, PyTorch
    /// `F.kl_div(input, target, reduction="sum", log_target=True)`: `Σ e^target ⊙ (target − input)`.
    ///
    /// PyTorch's convention puts the model in `input`: with rows `input = log p` and
    /// `target = log q` of log-probabilities it is Σ_rows KL(q ‖ p), the divergence of the
    /// model's p from the target distribution q. Composed of exp, sub, mul and sum, so its
    /// derivatives of every order are exact; ∂/∂input = −e^target.
    /// - Parameters:
    ///   - input: log-probabilities (any shape), the side whose gradient is usually wanted.
    ///   - logTarget: log-probabilities of the same shape.
    public static func klDivergence(_ input: Tensor, logTarget: Tensor) -> Tensor {
        precondition(input.shape == logTarget.shape, "klDivergence: input \(input.shape) vs target \(logTarget.shape)")
        return (logTarget.exp() * (logTarget - input)).sum()
    }

    /// Mean absolute error `mean(|a − b|)` (PyTorch `F.l1_loss`, mean reduction).
    public static func l1Loss(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "l1Loss: shapes \(a.shape) and \(b.shape) differ")
        return (a - b).abs().mean()
    }
}
