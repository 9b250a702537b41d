import AutoDiff
import Foundation
import Testing
import TestSupport

/// SGD and Adam against PyTorch's update rules, written out by hand.
@Suite struct OptimizerTests {
    static func step<O: Optimizer>(_ optimizer: inout O, _ p: [Float], _ g: [Float], lr: Double) -> [Float] {
        var params = ["w": Tensor(shape: [p.count], values: p).requiringGrad()]
        optimizer.step(&params, gradients: ["w": Tensor(shape: [g.count], values: g)], learningRate: lr)
        #expect(params["w"]!.requiresGrad)
        return params["w"]!.storage
    }

    // Hand-computed (see comments): values of order 1 after ~5 fp32 roundings agree with the
    // decimal results to ~5·10⁻⁷ relative; 2·10⁻⁶ leaves margin and catches any rule change.
    static let handTolerance: Float = 2e-6

    static func expectClose(_ a: [Float], _ b: [Double], _ message: String) {
        let worst = compare(a.map(Double.init), b, Tolerance(atol: handTolerance, rtol: handTolerance))
        #expect(worst.passes, "\(message): \(a) vs \(b), \(worst)")
    }

    @Test func sgdWithMomentumAndWeightDecayFollowsPyTorch() {
        var sgd = SGD(momentum: 0.9, weightDecay: 0.01)
        // Step 1: d = g + 0.01p = [0.51, 0.23]; buffer = d; p = p − 0.1d = [0.949, −2.023].
        var p = Self.step(&sgd, [1, -2], [0.5, 0.25], lr: 0.1)
        Self.expectClose(p, [0.949, -2.023], "step 1")
        // Step 2: d = [0.50949, 0.22977]; buffer = 0.9·[0.51, 0.23] + d = [0.96849, 0.43677];
        // p = [0.949 − 0.096849, −2.023 − 0.043677].
        p = Self.step(&sgd, p, [0.5, 0.25], lr: 0.1)
        Self.expectClose(p, [0.852151, -2.066677], "step 2")
        Self.expectClose(sgd.state["momentum.w"]!, [0.96849, 0.43677], "buffer")
    }

    @Test func sgdNesterovAndDampeningFollowPyTorch() {
        var nesterov = SGD(momentum: 0.9, nesterov: true)
        // Step 1: buffer = g; d = g + 0.9·g = 1.9g; p = 1 − 0.1·0.95.
        Self.expectClose(Self.step(&nesterov, [1], [0.5], lr: 0.1), [0.905], "nesterov")
        var damped = SGD(momentum: 0.5, dampening: 0.5)
        var p = Self.step(&damped, [1], [1], lr: 1)  // buffer = g = 1 (no dampening on step 1)
        Self.expectClose(p, [0], "dampened step 1")
        p = Self.step(&damped, p, [1], lr: 1)  // buffer = 0.5·1 + 0.5·1 = 1
        Self.expectClose(p, [-1], "dampened step 2")
    }

    @Test func adamWithConstantGradientMovesByTheLearningRate() {
        // m̂ = g and v̂ = g² exactly for a constant g, so each step is lr·g/(|g| + ε) ≈ lr.
        var adam = Adam()
        var p: [Float] = [1, -1]
        for t in 1...3 {
            p = Self.step(&adam, p, [0.5, -2], lr: 0.1)
            Self.expectClose(p, [1 - 0.1 * Double(t), -1 + 0.1 * Double(t)], "step \(t)")
        }
        Self.expectClose(adam.state["exp_avg.w"]!, [0.5 * (1 - pow(0.9, 3)), -2 * (1 - pow(0.9, 3))], "m")
        #expect(adam.state["step.w"] == [3])
    }

    @Test func adamWDecaysBeforeTheUpdateAndAdamAddsL2() {
        var adamW = Adam.adamW(weightDecay: 0.1)
        // p·(1 − 0.1·0.1) − 0.1 = 2·0.99 − 0.1
        Self.expectClose(Self.step(&adamW, [2], [1], lr: 0.1), [1.88], "AdamW")
        var adam = Adam(weightDecay: 0.1)
        // g = 1 + 0.1·2 = 1.2, still one step of ≈ lr.
        Self.expectClose(Self.step(&adam, [2], [1], lr: 0.1), [1.9], "Adam L2")
    }

    @Test func optimiserStateRoundTrips() throws {
        var a = Adam()
        var p = Self.step(&a, [1, 2], [0.3, -0.1], lr: 0.01)
        var b = Adam()
        try b.load(state: a.state)
        p = Self.step(&a, p, [0.2, 0.2], lr: 0.01)
        var fresh = Adam()
        let q = Self.step(&b, Self.step(&fresh, [1, 2], [0.3, -0.1], lr: 0.01), [0.2, 0.2], lr: 0.01)
        #expect(p == q)
        var sgd = SGD(momentum: 0.9)
        _ = Self.step(&sgd, [1], [1], lr: 0.1)
        var restored = SGD(momentum: 0.9)
        try restored.load(state: sgd.state)
        #expect(restored.buffers == sgd.buffers)
        #expect(throws: OptimizerStateError.self) { try restored.load(state: ["velocity.w": [1]]) }
    }
}
