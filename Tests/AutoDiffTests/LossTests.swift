import AutoDiff
import Foundation
import TestSupport
import Testing

/// The KL divergence op against a hand-written Float64 reference of PyTorch's
/// `F.kl_div(input, target, reduction="sum", log_target=True)` = Σ e^target·(target − input).
@Suite struct LossTests {
    static func logits(_ shape: [Int], seed: UInt64, scale: Float) -> Tensor {
        var stream = RandomStream(seed: seed, 7)
        return Tensor.normal(shape, stream: &stream) * scale
    }

    /// Small random logits, some at CLIP's logit scale (≈ 100 × cosine, so a few units to tens).
    @Test(arguments: [(2, 3, Float(1)), (4, 6, Float(5)), (3, 10, Float(20))])
    func klDivergenceMatchesTheFloat64Formula(rows: Int, columns: Int, scale: Float) {
        let z = Self.logits([rows, columns], seed: 1, scale: scale), z0 = Self.logits([rows, columns], seed: 2, scale: scale)
        let value = Tensor.klDivergence(z.logSoftmax(), logTarget: z0.logSoftmax()).scalar
        let logP = logSoftmaxReference(z.storage.map(Double.init), columns: columns)
        let logQ = logSoftmaxReference(z0.storage.map(Double.init), columns: columns)
        let reference = zip(logP, logQ).reduce(0) { $0 + Foundation.exp($1.1) * ($1.1 - $1.0) }
        // Float32 log-softmax rows carry ≈ |z|·2⁻²⁴ absolute error each; summed over ≤ 30
        // terms weighted by q (Σq = rows) the value is off by ≲ rows·|z|max·10⁻⁶ — allow 10⁻⁵
        // relative with a floor of 10⁻⁵·|z|max absolute.
        let zMax = Float(maxMagnitude(z.storage + z0.storage))
        let tolerance = Tolerance(atol: 1e-5 * zMax, rtol: 1e-5)
        #expect(reference > 0, "KL of two different distributions is positive")
        #expect(tolerance.allows(value, Float(reference)), "\(value) vs \(reference) (\(tolerance))")
    }

    @Test func klDivergenceOfADistributionWithItselfIsZero() {
        let z = Self.logits([3, 5], seed: 3, scale: 4)
        // Identical inputs give exactly 0: every term is e^t·(t − t).
        #expect(Tensor.klDivergence(z.logSoftmax(), logTarget: z.logSoftmax()).scalar == 0)
    }

    /// PyTorch's argument order: the model is `input`, so the sum is KL(q ‖ p), not KL(p ‖ q).
    @Test func klDivergenceIsTheDivergenceFromTheTarget() {
        let z = Self.logits([2, 4], seed: 4, scale: 3), z0 = Self.logits([2, 4], seed: 5, scale: 3)
        let logP = logSoftmaxReference(z.storage.map(Double.init), columns: 4), logQ = logSoftmaxReference(z0.storage.map(Double.init), columns: 4)
        let klQP = zip(logP, logQ).reduce(0) { $0 + Foundation.exp($1.1) * ($1.1 - $1.0) }
        let klPQ = zip(logP, logQ).reduce(0) { $0 + Foundation.exp($1.0) * ($1.0 - $1.1) }
        let value = Double(Tensor.klDivergence(z.logSoftmax(), logTarget: z0.logSoftmax()).scalar)
        // The two directions differ by far more than Float32 rounding (checked here).
        #expect(abs(klQP - klPQ) > 1e-2)
        #expect(Tolerance(atol: 1e-5, rtol: 1e-5).allows(value, klQP), "\(value) vs KL(q‖p) \(klQP), KL(p‖q) \(klPQ)")
    }
}
