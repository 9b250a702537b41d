import AutoDiff
import Foundation
import MetaLearning
import Testing
import TestSupport

/// ProMetaR's gradient regulator (`GradientGate`, the official trainer's `VNet`) from first
/// principles: `γ = σ(W₂·W₁·[g_ce; g_reg])`, each entry repeated `dim_rate` times and shaped
/// like the prompt, `g = g_ce + γ ⊙ g_reg`, against the same formula evaluated in Float64.
@Suite struct GradientGateTests {
    /// γ in Float64 for a prompt of `ce.count` values, W₁ (h, 2·count) and W₂ (h, h) row-major,
    /// h = count / dimRate; flattened in the prompt's row-major order.
    static func referenceGate(ce: [Float], regulariser: [Float], first: [Float], second: [Float], dimRate: Int) -> [Double] {
        let input = (ce + regulariser).map(Double.init)
        let h = ce.count / dimRate
        let hidden = (0..<h).map { i in input.indices.reduce(0.0) { $0 + Double(first[i * input.count + $1]) * input[$1] } }
        let logits = (0..<h).map { i in (0..<h).reduce(0.0) { $0 + Double(second[i * h + $1]) * hidden[$1] } }
        let gamma = logits.map { 1 / (1 + Foundation.exp(-$0)) }
        return ce.indices.map { gamma[$0 / dimRate] }
    }

    /// Gradients and regulator weights for one prompt of `shape`: entries of order 1, and
    /// weights scaled so that both layers' outputs are of order 1 and γ spreads over about
    /// (0.15, 0.85) instead of sitting at ½ or saturating.
    static func inputs(_ shape: [Int], dimRate: Int, seed: UInt64) -> (ce: Tensor, reg: Tensor, first: Tensor, second: Tensor) {
        var stream = RandomStream(seed: seed, 1)
        let count = shape.product, h = count / dimRate
        return (Tensor.normal(shape, stream: &stream), Tensor.normal(shape, stream: &stream),
                Tensor.normal([h, 2 * count], std: 1 / Float(2 * count).squareRoot(), stream: &stream),
                Tensor.normal([h, h], std: 1 / Float(h).squareRoot(), stream: &stream))
    }

    // γ ∈ (0, 1) from two Float32 matrix products of ≤ 32 terms and a sigmoid: the rounding of
    // each product is ~√32·2⁻²⁴·Σ|wᵢxᵢ| ≈ 10⁻⁶ (Σ ≈ 4 here), which σ′ ≤ ¼ shrinks to
    // ~3·10⁻⁷; 10⁻⁶ absolute is three times that and far below what a change to the formula
    // does (γ moves by ~10⁻¹).
    static let gateTolerance = Tolerance(atol: 1e-6, rtol: 0)

    @Test func weightNamesFollowTheTowerAndPromptedLayer() {
        func names(_ prompt: String) -> [String] {
            let (first, second) = GradientGate.weightNames(for: prompt)
            return [first, second]
        }
        #expect(names("text.ctx") == ["vnet.text.0.0.weight", "vnet.text.0.1.weight"])
        #expect(names("vision.ctx") == ["vnet.vision.0.0.weight", "vnet.vision.0.1.weight"])
        #expect(names("text.deep.3") == ["vnet.text.3.0.weight", "vnet.text.3.1.weight"])
        #expect(names("vision.deep.8") == ["vnet.vision.8.0.weight", "vnet.vision.8.1.weight"])
    }

    /// W₁ (nD/r, 2nD) and W₂ (nD/r, nD/r) per prompt, nn.Linear's U(±1/√in), drawn from the
    /// stream in sorted prompt-name order (first then second weight of each).
    @Test(arguments: [1, 2, 4, 8])
    func initialWeightsAreTheBottleneckShapesDrawnInSortedOrder(dimRate: Int) {
        let shapes = ["vision.deep.1": [2, 8], "text.ctx": [2, 8]]
        var stream = RandomStream(seed: 11, 1)
        let weights = GradientGate.initialWeights(promptShapes: shapes, dimRate: dimRate, stream: &stream)
        let h = 16 / dimRate
        #expect(Set(weights.keys) == ["vnet.text.0.0.weight", "vnet.text.0.1.weight", "vnet.vision.1.0.weight", "vnet.vision.1.1.weight"])
        var replay = RandomStream(seed: 11, 1)
        for name in ["text.ctx", "vision.deep.1"] {
            let (w1, w2) = GradientGate.weightNames(for: name)
            #expect(weights[w1]!.shape == [h, 32] && weights[w2]!.shape == [h, h], "\(name) at dim_rate \(dimRate)")
            let b1 = 1 / Float(32).squareRoot(), b2 = 1 / Float(h).squareRoot()
            #expect(weights[w1]!.storage.allSatisfy { Swift.abs($0) <= b1 } && weights[w2]!.storage.allSatisfy { Swift.abs($0) <= b2 })
            #expect(weights[w1]!.storage == Tensor.uniform([h, 32], -b1, b1, stream: &replay).storage, "\(w1)")
            #expect(weights[w2]!.storage == Tensor.uniform([h, h], -b2, b2, stream: &replay).storage, "\(w2)")
        }
        #expect(stream == replay, "the stream advanced by exactly the weights' draws")
    }

    /// γ against Float64 on a (2, 8) prompt; with r = 2, 4 the repeat is interleaved (γ₀γ₀γ₁γ₁…,
    /// not γ₀γ₁…γ₀γ₁…), so each consecutive run of r values shares one gate entry.
    @Test(arguments: [1, 2, 4, 8])
    func gateIsTheSigmoidOfTheTwoLayerMapRepeatedDimRateTimes(dimRate: Int) {
        let (ce, reg, w1, w2) = Self.inputs([2, 8], dimRate: dimRate, seed: UInt64(dimRate))
        let gamma = GradientGate.gate(ce: ce, regulariser: reg, first: w1, second: w2, dimRate: dimRate)
        #expect(gamma.shape == [2, 8])
        let reference = Self.referenceGate(ce: ce.storage, regulariser: reg.storage, first: w1.storage, second: w2.storage, dimRate: dimRate)
        let worst = compare(gamma.storage.map(Double.init), reference, Self.gateTolerance)
        #expect(worst.passes, "dim_rate \(dimRate): \(worst)")
        // Bitwise equal within a group: one gate value copied, not r values computed.
        for start in stride(from: 0, to: 16, by: dimRate) {
            #expect(Set(gamma.storage[start..<(start + dimRate)]).count == 1, "group at \(start)")
        }
        #expect(Set(gamma.storage).count == 16 / dimRate, "one distinct value per hidden unit")
    }

    /// `regulate` gives every prompt `g_ce + γ ⊙ g_reg` with its own tower and layer's weights,
    /// and reports the gates it used.
    @Test func regulateAddsTheGatedRegulariserGradientToTheCEGradient() {
        let shapes = ["text.ctx": [2, 4], "vision.deep.2": [2, 4]]
        var stream = RandomStream(seed: 12, 1)
        let weights = GradientGate.initialWeights(promptShapes: shapes, dimRate: 2, stream: &stream)
        let ce = shapes.mapValues { Tensor.normal($0, stream: &stream) }, reg = shapes.mapValues { Tensor.normal($0, stream: &stream) }
        let (out, gates) = GradientGate.regulate(ce: ce, regulariser: reg, weights: weights, dimRate: 2)
        #expect(Set(out.keys) == Set(shapes.keys) && Set(gates.keys) == Set(shapes.keys))
        for name in shapes.keys.sorted() {
            let (w1, w2) = GradientGate.weightNames(for: name)
            let gamma = Self.referenceGate(ce: ce[name]!.storage, regulariser: reg[name]!.storage,
                                           first: weights[w1]!.storage, second: weights[w2]!.storage, dimRate: 2)
            let expected = zip(ce[name]!.storage, zip(gamma, reg[name]!.storage)).map { Double($0) + $1.0 * Double($1.1) }
            // γ's error (gateTolerance) times the largest |g_reg|, plus a few Float32 roundings
            // of the product and the sum (10⁻⁶ relative).
            let worst = compare(out[name]!.storage.map(Double.init), expected, Tolerance(atol: 1e-6 * Double(maxMagnitude(reg[name]!.storage)), rtol: 1e-6))
            #expect(worst.passes, "\(name): \(worst)")
            #expect(out[name]!.shape == shapes[name]!)
            let direct = GradientGate.gate(ce: ce[name]!, regulariser: reg[name]!, first: weights[w1]!, second: weights[w2]!, dimRate: 2)
            #expect(gates[name]!.storage == direct.storage, "\(name): the gate reported is the gate applied")
        }
    }

    /// Without a regulariser gradient the CE gradient passes through bit for bit (γ·0 = 0),
    /// γ = σ(0) = ½ exactly when both gradients vanish, and the weights get no gradient.
    @Test func zeroRegulariserGradientLeavesTheCEGradientAndTeachesTheRegulatorNothing() {
        let (ce, _, w1, w2) = Self.inputs([2, 4], dimRate: 2, seed: 13)
        let zero = Tensor.zeros([2, 4])
        let names = GradientGate.weightNames(for: "text.ctx")
        let weights = [names.first: w1, names.second: w2]
        let passed = GradientGate.regulate(ce: ["text.ctx": ce], regulariser: ["text.ctx": zero], weights: weights, dimRate: 2)
        #expect(passed.gradients["text.ctx"]!.storage == ce.storage)
        let reference = Self.referenceGate(ce: ce.storage, regulariser: zero.storage, first: w1.storage, second: w2.storage, dimRate: 2)
        let worst = compare(passed.gates["text.ctx"]!.storage.map(Double.init), reference, Self.gateTolerance)
        #expect(worst.passes, "γ still sees g_ce: \(worst)")

        let still = GradientGate.regulate(ce: ["text.ctx": zero], regulariser: ["text.ctx": zero], weights: weights, dimRate: 2)
        #expect(still.gates["text.ctx"]!.storage.allSatisfy { $0 == 0.5 } && still.gradients["text.ctx"]!.storage.allSatisfy { $0 == 0 })

        let grads = FiniteDifferences.analyticGradient({ w in
            GradientGate.regulate(ce: ["text.ctx": ce], regulariser: ["text.ctx": zero],
                                  weights: [names.first: w[0], names.second: w[1]], dimRate: 2).gradients["text.ctx"]!.sum()
        }, at: [w1, w2])
        #expect(grads.allSatisfy { $0.allSatisfy { $0 == 0 } })
    }

    /// The regulated gradient is differentiable in W₁, W₂ (how the meta step trains the
    /// regulator) and in both gradients (how it reaches the prompts): autodiff against central
    /// differences of a fixed projection ⟨c, g_ce + γ ⊙ g_reg⟩.
    @Test func regulatedGradientDerivativesMatchFiniteDifferences() {
        let (ce, reg, w1, w2) = Self.inputs([2, 4], dimRate: 2, seed: 14)
        var stream = RandomStream(seed: 14, 2)
        let c = Tensor.normal([2, 4], stream: &stream)
        let names = GradientGate.weightNames(for: "vision.ctx")
        func f(_ x: [Tensor]) -> Tensor {
            let out = GradientGate.regulate(ce: ["vision.ctx": x[2]], regulariser: ["vision.ctx": x[3]],
                                            weights: [names.first: x[0], names.second: x[1]], dimRate: 2)
            return (out.gradients["vision.ctx"]! * c).sum()
        }
        let analytic = FiniteDifferences.analyticGradient(f, at: [w1, w2, ce, reg])
        let numeric = FiniteDifferences.gradient(f, at: [w1, w2, ce, reg], epsilon: 1e-2)
        for (which, name) in ["W₁", "W₂", "g_ce", "g_reg"].enumerated() {
            // FiniteDifferences' budget at ε = 10⁻², f of order 1: truncation ≈ 2·10⁻⁵ and
            // rounding ≈ 10⁻⁴ absolute; 10⁻³ of the largest derivative, or 10⁻³ relative.
            let worst = compare(analytic[which], numeric[which], Tolerance(atol: 1e-3 * maxMagnitude(numeric[which]), rtol: 1e-3))
            #expect(worst.passes, "∂/∂\(name): \(worst)")
            #expect(maxMagnitude(analytic[which]) > 1e-2, "∂/∂\(name) is not trivially zero")
        }
    }
}
