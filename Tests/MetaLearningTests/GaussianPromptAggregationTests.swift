import AutoDiff
import Foundation
import MetaLearning
import TensorIO
import TestSupport
import Testing

@Suite struct GaussianPromptAggregationTests {
    /// PromptSRC's base-to-new weights (μ 15, σ 1, 20 epochs): the official formula
    /// (`trainers/promptsrc.py:265–270, 358–360`) evaluated once with NumPy 2.4 in Float64.
    /// Independently of NumPy: N(e; 15, 1) for e = 15 ± k is φ(k) = e^{−k²/2}/√(2π), and the
    /// normaliser Σ_{e=1…20} φ(e − 15) is 1 − 7·10⁻¹⁰ (the missing tail above e = 20 minus
    /// Poisson summation's 5·10⁻⁹), so w₁₅ ≈ φ(0) = 0.398942280…, w₁₄ = w₁₆ ≈ φ(1) = 0.241970724….
    static let baseToNew: [Double] = [
        1.0966065601943704e-43, 7.998827762881525e-38, 2.1463837372394649e-32, 2.1188192550655138e-27,
        7.694598632357692e-23, 1.0279773579218862e-18, 5.052271087247517e-15, 9.13472041507356e-12,
        6.075882854285698e-09, 1.486719515826214e-06, 0.00013383022586317653, 0.004431848415192964,
        0.05399096655284155, 0.24197072469685796, 0.39894228069443455, 0.24197072469685796,
        0.05399096655284155, 0.004431848415192964, 0.00013383022586317653, 1.486719515826214e-06,
    ]
    /// The cross-dataset config's (μ 6, σ 10, 20 epochs), likewise.
    static let crossDataset: [Double] = [
        0.05540200612611104, 0.05795204190274557, 0.06001627675966493, 0.06153559603926331, 0.06246558747837149,
        0.06277869753860156, 0.06246558747837149, 0.06153559603926331, 0.06001627675966493, 0.05795204190274557,
        0.05540200612611104, 0.05243717596519203, 0.04913717146837704, 0.04558669076639601, 0.04187193547414523,
        0.03807720483398788, 0.03428184126357959, 0.030557672653143034, 0.026967051466592715, 0.023561541957672207,
    ]

    /// μ 2, σ 1 over 3 epochs in closed form: w₂ = 1/(1 + 2e^{−1/2}), w₁ = w₃ = e^{−1/2}·w₂.
    static let threeEpochs: [Double] = {
        let middle = 1 / (1 + 2 * Foundation.exp(-0.5))
        return [Foundation.exp(-0.5) * middle, middle, Foundation.exp(-0.5) * middle]
    }()

    @Test(arguments: [(15.0, 1.0, baseToNew), (6.0, 10.0, crossDataset), (2.0, 1.0, threeEpochs)])
    func weightsMatchIndependentValues(mean: Double, std: Double, expected: [Double]) {
        let w = GaussianPromptAggregation.weights(epochs: expected.count, mean: mean, standardDeviation: std)
        // Both sides are Float64 evaluations of the same density (libm's exp vs NumPy's, a few
        // ulps apart at most, then one division): 10⁻¹³ relative is ~500 ulps of slack.
        for (e, (a, b)) in zip(w, expected).enumerated() {
            #expect(Tolerance(atol: 0, rtol: 1e-13).allows(a, b), "epoch \(e + 1): \(a) vs \(b)")
            // What the aggregation multiplies by: identical once rounded to Float32.
            #expect(Float(a) == Float(b), "epoch \(e + 1)")
        }
        #expect(Tolerance(atol: 1e-15, rtol: 0).allows(w.reduce(0, +), 1))
    }

    /// Epoch e's prompts get wₑ (the official `gauss[step_counter − 2]` after the increment);
    /// the aggregate is Σₑ fl(θₑ·fl(wₑ)) in order; only the last epoch returns it.
    @Test func aggregateIsTheWeightedSumAndReplacesThePromptsAfterTheLastEpoch() throws {
        var gpa = GaussianPromptAggregation(mean: 2, standardDeviation: 1)
        var stream = RandomStream(seed: 8, 1)
        let epochs = (0..<3).map { _ in ["text.ctx": Tensor.normal([2, 3], stream: &stream), "vision.ctx": Tensor.normal([4], stream: &stream)] }
        #expect(gpa.state.isEmpty)
        #expect(gpa.add(epochs[0], epoch: 1, of: 3) == nil)
        #expect(gpa.add(epochs[1], epoch: 2, of: 3) == nil)
        let partial = gpa.state
        let last = gpa.add(epochs[2], epoch: 3, of: 3)
        let final = try #require(last)
        let w = Self.threeEpochs.map(Float.init)
        for name in ["text.ctx", "vision.ctx"] {
            let x = epochs.map { $0[name]!.storage }
            let two = x[0].indices.map { x[0][$0] * w[0] + x[1][$0] * w[1] }
            let three = x[0].indices.map { (x[0][$0] * w[0] + x[1][$0] * w[1]) + x[2][$0] * w[2] }
            #expect(partial["gpa." + name] == two, "\(name) after two epochs")
            #expect(final[name]!.storage == three && final[name]!.shape == epochs[0][name]!.shape, "\(name)")
            #expect(gpa.state["gpa." + name] == three)
        }
        // The checkpoint state restores the aggregate exactly; a wrong entry is an error.
        var restored = GaussianPromptAggregation(mean: 2, standardDeviation: 1)
        try restored.load(state: partial, prompts: epochs[0])
        #expect(restored.add(epochs[2], epoch: 3, of: 3)?["text.ctx"]?.storage == final["text.ctx"]!.storage)
        #expect(throws: MethodStateError.self) { try restored.load(state: ["gpa.text.deep.1": [0]], prompts: epochs[0]) }
        #expect(throws: MethodStateError.self) { try restored.load(state: ["gpa.vision.ctx": [0, 1]], prompts: epochs[0]) }
    }
}
