@testable import AutoDiff
import TestSupport
import Testing

/// One differentiable op under test: how to make its inputs and what to compute.
struct OpCase: Sendable, CustomTestStringConvertible {
    enum Inputs: Sendable {
        case normal  // N(0, 1)
        case positive  // U[0.5, 2): log, sqrt, rsqrt, divisors
        case awayFromZero  // |x| ≥ 0.2: abs and L1 have a kink at 0
        case spaced  // distinct values ≥ 0.1 apart: max has a kink at ties
    }

    let name: String
    let shapes: [[Int]]
    var inputs: Inputs = .normal
    /// Also check the Hessian-vector product (every op the meta step differentiates twice).
    var secondOrder = false
    let f: @Sendable ([Tensor]) -> Tensor

    var testDescription: String { name }

    func makeInputs(seed: UInt64) -> [Tensor] {
        var stream = RandomStream(seed: seed, 1)
        return shapes.map { shape in
            let n = shape.product
            let values: [Float] = (0..<n).map { i in
                switch inputs {
                case .normal: return stream.normalFloat()
                case .positive: return 0.5 + 1.5 * stream.uniformFloat()
                case .awayFromZero:
                    let u = stream.uniformFloat()
                    return (0.2 + u) * (stream.uniformFloat() < 0.5 ? -1 : 1)
                case .spaced: return Float(i) * 0.1 - 0.05 * Float(n)
                }
            }
            if case .spaced = inputs {
                let order = stream.permutation(n)
                return Tensor(shape: shape, values: order.map { values[$0] })
            }
            return Tensor(shape: shape, values: values)
        }
    }

    /// The scalar that is differentiated: ⟨w, f(x)⟩ with fixed random weights w, so every
    /// output element matters (a plain sum would hide, e.g., all of softmax's gradient).
    func scalar(seed: UInt64) -> @Sendable ([Tensor]) -> Tensor {
        let probe = f(makeInputs(seed: seed)).shape
        var stream = RandomStream(seed: seed, 2)
        let w = Tensor.normal(probe, std: 1 / Float(max(probe.product, 1)).squareRoot(), stream: &stream)
        let f = self.f
        return { xs in (f(xs) * w).sum() }
    }
}

let causal = Tensor.causalMask(3)

let opCases: [OpCase] = [
    OpCase(name: "add (broadcast)", shapes: [[2, 3], [3]]) { $0[0] + $0[1] },
    OpCase(name: "sub (broadcast)", shapes: [[2, 1, 3], [4, 1]]) { $0[0] - $0[1] },
    OpCase(name: "mul (broadcast)", shapes: [[2, 3], [2, 1]], secondOrder: true) { $0[0] * $0[1] },
    OpCase(name: "div", shapes: [[2, 3], [2, 3]], inputs: .positive, secondOrder: true) { $0[0] / $0[1] },
    OpCase(name: "neg, scale, shift", shapes: [[5]]) { (-$0[0]) * 3 + 2 - 1 / 2 },
    OpCase(name: "exp", shapes: [[2, 3]], secondOrder: true) { $0[0].exp() },
    OpCase(name: "log", shapes: [[2, 3]], inputs: .positive, secondOrder: true) { $0[0].log() },
    OpCase(name: "sqrt", shapes: [[2, 3]], inputs: .positive, secondOrder: true) { $0[0].sqrt() },
    OpCase(name: "rsqrt", shapes: [[2, 3]], inputs: .positive, secondOrder: true) { $0[0].rsqrt() },
    OpCase(name: "tanh", shapes: [[2, 3]], secondOrder: true) { $0[0].tanh() },
    OpCase(name: "sigmoid", shapes: [[2, 3]], secondOrder: true) { $0[0].sigmoid() },
    OpCase(name: "squared", shapes: [[2, 3]], secondOrder: true) { $0[0].squared() },
    OpCase(name: "abs", shapes: [[2, 3]], inputs: .awayFromZero, secondOrder: true) { $0[0].abs() },
    OpCase(name: "quickGELU", shapes: [[2, 4]], secondOrder: true) { $0[0].quickGELU() },
    OpCase(name: "gelu", shapes: [[2, 4]], secondOrder: true) { $0[0].gelu() },
    OpCase(name: "quickGELUInputGradient", shapes: [[2, 4], [2, 4]], secondOrder: true) { $0[0].quickGELUInputGradient(at: $0[1]) },
    OpCase(name: "geluDerivative", shapes: [[2, 4]], secondOrder: true) { $0[0].geluDerivative() },
    OpCase(name: "sum over axes", shapes: [[2, 3, 4]], secondOrder: true) { $0[0].sum(alongAxes: [0, 2]).squared() },
    OpCase(name: "mean keeping dims", shapes: [[2, 3, 4]]) { $0[0].mean(alongAxis: 1, keepingDimensions: true) * $0[0] },
    OpCase(name: "max along axis", shapes: [[3, 4]], inputs: .spaced) { $0[0].max(alongAxis: 1) },
    OpCase(name: "broadcast and sum to shape", shapes: [[3, 1]]) { $0[0].broadcast(to: [2, 3, 4]).sum(toShape: [3, 4]) },
    OpCase(name: "reshape and permute", shapes: [[2, 3, 4]], secondOrder: true) {
        $0[0].reshaped([6, 4]).reshaped([2, 3, 4]).permuted([2, 0, 1]).squared()
    },
    OpCase(name: "transpose", shapes: [[2, 3, 4]]) { $0[0].transposed(0, 2) },
    OpCase(name: "concatenate and slice", shapes: [[2, 2], [2, 3]], secondOrder: true) {
        Tensor.concatenate([$0[0], $0[1]], alongAxis: 1).slice(alongAxis: 1, 1..<4).squared()
    },
    OpCase(name: "padded", shapes: [[2, 3]]) { $0[0].padded(alongAxis: 0, before: 1, after: 2) },
    OpCase(name: "indexSelect with repeats", shapes: [[4, 3]], secondOrder: true) {
        $0[0].indexSelect(alongAxis: 0, [3, 0, 3, 1]).squared()
    },
    OpCase(name: "indexAdd", shapes: [[3, 2]]) { $0[0].indexAdd(alongAxis: 0, [2, 0, 2], extent: 4) },
    OpCase(name: "repeatInterleave and tile", shapes: [[2, 3]]) {
        $0[0].repeatInterleaved(2, alongAxis: 1) + $0[0].tiled(2, alongAxis: 1)
    },
    OpCase(name: "matmul", shapes: [[3, 4], [4, 2]], secondOrder: true) { Tensor.matmul($0[0], $0[1]) },
    // Rows 7…11 of a 20-row product, so the block is padded (rows before and after).
    OpCase(name: "matmul, a block of rows", shapes: [[5, 4], [3, 4]], secondOrder: true) {
        Tensor.matmul($0[0], $0[1], transposeB: true, rows: RowBlock(start: 7, total: 20))
    },
    // A tensor copied to 4 units, used per unit, summed over the units in fixed point.
    OpCase(name: "replicated, unitSum", shapes: [[2, 3], [4, 2, 3]], secondOrder: true) {
        let units = UnitSharding(total: 4, group: SingleProcessGroup.shared)
        return ($0[0].replicated(units) * $0[1]).unitSum(units) * $0[0]
    },
    OpCase(name: "matmul Aᵀ", shapes: [[4, 3], [4, 2]], secondOrder: true) { Tensor.matmul($0[0], $0[1], transposeA: true) },
    OpCase(name: "matmul Bᵀ", shapes: [[3, 4], [2, 4]], secondOrder: true) { Tensor.matmul($0[0], $0[1], transposeB: true) },
    OpCase(name: "matmul AᵀBᵀ", shapes: [[4, 3], [2, 4]], secondOrder: true) {
        Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true)
    },
    OpCase(name: "batched matmul", shapes: [[2, 2, 3, 4], [2, 2, 4, 3]], secondOrder: true) { Tensor.matmul($0[0], $0[1]) },
    OpCase(name: "batch times shared matrix", shapes: [[2, 3, 4], [4, 2]], secondOrder: true) { Tensor.matmul($0[0], $0[1]) },
    OpCase(name: "shared matrix times batch", shapes: [[3, 4], [2, 4, 2]], secondOrder: true) { Tensor.matmul($0[0], $0[1]) },
    OpCase(name: "batchᵀ times shared matrix", shapes: [[2, 4, 3], [4, 2]], secondOrder: true) {
        Tensor.matmul($0[0], $0[1], transposeA: true)
    },
    OpCase(name: "linear", shapes: [[2, 3, 4], [5, 4], [5]], secondOrder: true) {
        Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    },
    OpCase(name: "softmax", shapes: [[3, 5]], secondOrder: true) { $0[0].softmax() },
    OpCase(name: "softmaxInputGradient", shapes: [[3, 5], [3, 5]], secondOrder: true) {
        $0[0].softmaxInputGradient(output: $0[1].softmax())
    },
    // The fused kernels of second-order rules, whose own backward is the composed ops'.
    OpCase(name: "layerNormCrossGradient", shapes: [[3, 6], [3, 6], [3, 6]], secondOrder: true) {
        $0[0].layerNormCrossGradient($0[1], at: $0[2], epsilon: 1e-5)
    },
    OpCase(name: "logSoftmax", shapes: [[3, 5]], secondOrder: true) { $0[0].logSoftmax() },
    OpCase(name: "layerNorm", shapes: [[3, 6], [6], [6]], secondOrder: true) {
        $0[0].layerNorm(weight: $0[1], bias: $0[2])
    },
    OpCase(name: "layerNormInputGradient", shapes: [[3, 6], [3, 6]], secondOrder: true) {
        $0[0].layerNormInputGradient(at: $0[1], epsilon: 1e-5)
    },
    OpCase(name: "l2Normalized", shapes: [[3, 4]], secondOrder: true) { $0[0].l2Normalized() },
    OpCase(name: "crossEntropy, hard labels", shapes: [[4, 5]], secondOrder: true) {
        Tensor.crossEntropy($0[0] * 2, labels: [1, 0, 4, 1])
    },
    OpCase(name: "crossEntropy, mixup weights", shapes: [[3, 4]], secondOrder: true) {
        Tensor.crossEntropy($0[0], labels: [0, 2, 3], weights: [0.3, 0.9, 0.5])
            + Tensor.crossEntropy($0[0], labels: [1, 1, 0], weights: [0.7, 0.1, 0.5])
    },
    OpCase(name: "l1Loss", shapes: [[3, 4]], inputs: .awayFromZero, secondOrder: true) {
        Tensor.l1Loss($0[0], Tensor.zeros([3, 4]))
    },
    OpCase(name: "klDivergence of log-softmaxes, both sides", shapes: [[3, 4], [3, 4]], secondOrder: true) {
        Tensor.klDivergence($0[0].logSoftmax(), logTarget: $0[1].logSoftmax())
    },
    OpCase(name: "causal attention", shapes: [[2, 3, 8], [2, 3, 8], [2, 3, 8]], secondOrder: true) {
        Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, mask: causal)
    },
    // Split Aᵀ times interleaved B into interleaved heads, and interleaved Aᵀ·Bᵀ into split.
    OpCase(name: "headProduct, transposed operands", shapes: [[2, 2, 3, 4], [2, 3, 10], [2, 5, 6]], secondOrder: true) {
        let c = Tensor.headProduct($0[0], $0[1], heads: 2, layouts: (.split, .interleaved, .interleaved), transposeA: true)
        return Tensor.headProduct($0[2], c, heads: 2, layouts: (.interleaved, .interleaved, .split), transposeA: true, transposeB: true)
    },
]

@Suite struct OpDerivativeTests {
    // ε = 10⁻² in fp32: truncation ≈ ε²/6·|f‴| ≈ 2·10⁻⁵, rounding ≈ ulp(f)/ε ≈ 10⁻⁵ for
    // outputs of order 1 (see FiniteDifferences). Allowed: 10⁻³ of the largest derivative,
    // or 10⁻³ relative — tight enough that a 1% error in a backward rule fails.
    static let firstOrder = (epsilon: Float(1e-2), atolScale: Float(1e-3), rtol: Float(1e-3))
    // Differences of gradients: ε = 3·10⁻³ keeps truncation (ε²/6·|f⁗| ≈ 2·10⁻⁶·|f⁗|, large
    // for a/b near b = 0.5) small while rounding stays ≈ ulp(∇f)/ε ≈ 2·10⁻⁵. Allowed: 2·10⁻³.
    static let secondOrder = (epsilon: Float(3e-3), atolScale: Float(2e-3), rtol: Float(2e-3))

    @Test(arguments: opCases)
    func firstDerivativeMatchesFiniteDifferences(_ op: OpCase) {
        let inputs = op.makeInputs(seed: 11)
        let f = op.scalar(seed: 11)
        let analytic = FiniteDifferences.analyticGradient(f, at: inputs)
        let numeric = FiniteDifferences.gradient(f, at: inputs, epsilon: Self.firstOrder.epsilon)
        for (i, (a, n)) in zip(analytic, numeric).enumerated() {
            let tolerance = Tolerance(atol: Self.firstOrder.atolScale * max(maxMagnitude(n), 1e-3),
                                      rtol: Self.firstOrder.rtol)
            let worst = compare(a, n, tolerance)
            #expect(worst.passes, "\(op.name), input \(i): \(worst) (\(tolerance))")
        }
    }

    @Test(arguments: opCases.filter(\.secondOrder))
    func hessianVectorProductMatchesFiniteDifferencesOfGradients(_ op: OpCase) {
        let inputs = op.makeInputs(seed: 23)
        let f = op.scalar(seed: 23)
        var stream = RandomStream(seed: 23, 3)
        let direction = inputs.map { Tensor.normal($0.shape, stream: &stream) }
        let analytic = FiniteDifferences.analyticHessianVector(f, at: inputs, direction: direction)
        let numeric = FiniteDifferences.hessianVector(f, at: inputs, direction: direction,
                                                      epsilon: Self.secondOrder.epsilon)
        let scale = max(numeric.map(maxMagnitude).max() ?? 0, 1e-3)
        for (i, (a, n)) in zip(analytic, numeric).enumerated() {
            let tolerance = Tolerance(atol: Self.secondOrder.atolScale * scale, rtol: Self.secondOrder.rtol)
            let worst = compare(a, n, tolerance)
            #expect(worst.passes, "\(op.name), input \(i): \(worst) (\(tolerance))")
        }
    }
}
