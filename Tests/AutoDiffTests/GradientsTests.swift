import AutoDiff
import Testing
import TestSupport

/// The engine's contract: PyTorch `autograd.grad` semantics, exact higher-order gradients,
/// and graphs deeper than any stack.
@Suite struct GradientsTests {
    @Test func gradientOfReusedTensorSumsBothPaths() {
        let x = Tensor(shape: [2], values: [3, -2]).requiringGrad()
        // f = Σ x·x + 2x → ∂f/∂x = 2x + 2
        let g = gradients(of: (x * x + x * 2).sum(), withRespectTo: [x])[0]
        #expect(g.storage == [8, -2])
    }

    @Test func unusedInputGetsZeros() {
        let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
        let y = Tensor(shape: [3], values: [1, 2, 3]).requiringGrad()
        let g = gradients(of: x.sum(), withRespectTo: [x, y])
        #expect(g[1].storage == [0, 0, 0] && g[1].shape == [3])
    }

    @Test func gradientWithRespectToAnIntermediate() {
        let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
        let h = x * 3
        let g = gradients(of: (h * h).sum(), withRespectTo: [h, x])
        #expect(g[0].storage == [6, 12])  // 2h
        #expect(g[1].storage == [18, 36])  // 2h·3
    }

    @Test func withoutCreateGraphNothingIsRecorded() {
        let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
        let g = gradients(of: x.exp().sum(), withRespectTo: [x])[0]
        #expect(!g.requiresGrad)
        let g2 = gradients(of: x.exp().sum(), withRespectTo: [x], createGraph: true)[0]
        #expect(g2.requiresGrad)
    }

    @Test func detachedAndNoGradScopesStopGradients() {
        let x = Tensor(shape: [1], values: [2]).requiringGrad()
        let g = gradients(of: (x * x.detached()).sum(), withRespectTo: [x])[0]
        #expect(g.storage == [2])  // only the non-detached factor
        let y = withoutGradient { x * x }
        #expect(!y.requiresGrad)
    }

    @Test func seedWeightsANonScalarOutput() {
        let x = Tensor(shape: [3], values: [1, 2, 3]).requiringGrad()
        let g = gradients(of: x * x, withRespectTo: [x], seed: Tensor(shape: [3], values: [1, 0, -1]))[0]
        #expect(g.storage == [2, 0, -6])
    }

    @Test func thirdDerivativeOfCube() {
        // f = x³: f′ = 3x², f″ = 6x, f‴ = 6 — each from differentiating the previous result.
        let x = Tensor(shape: [1], values: [2]).requiringGrad()
        let d1 = gradients(of: (x * x * x).sum(), withRespectTo: [x], createGraph: true)[0]
        let d2 = gradients(of: d1.sum(), withRespectTo: [x], createGraph: true)[0]
        let d3 = gradients(of: d2.sum(), withRespectTo: [x])[0]
        #expect(d1.storage == [12] && d2.storage == [12] && d3.storage == [6])
    }

    /// One MAML step on quadratics, where the meta-gradient has a closed form.
    /// Inner loss ½aθ², θ′ = θ − α·aθ; outer loss ½bθ′².
    /// Second order: dL/dθ = b(1 − αa)²θ. First order (inner gradient detached): b(1 − αa)θ.
    @Test(arguments: [true, false])
    func mamlMetaGradientMatchesClosedForm(secondOrder: Bool) {
        let (a, b, alpha, theta0): (Float, Float, Float, Float) = (3, 2, 0.1, 1.5)
        let theta = Tensor(shape: [1], values: [theta0]).requiringGrad()
        let inner = (theta * theta).sum() * (a / 2)
        var g = gradients(of: inner, withRespectTo: [theta], createGraph: secondOrder)[0]
        if !secondOrder { g = g.detached() }
        let adapted = theta - g * alpha
        let outer = (adapted * adapted).sum() * (b / 2)
        let meta = gradients(of: outer, withRespectTo: [theta])[0].scalar
        let expected = secondOrder ? b * (1 - alpha * a) * (1 - alpha * a) * theta0 : b * (1 - alpha * a) * theta0
        #expect(Tolerance(atol: 0, rtol: 1e-6).allows(meta, expected))  // a few fp32 roundings
    }

    @Test func deepGraphDifferentiatesAndTearsDownWithoutRecursion() {
        // 200 000 recorded ops: a recursive backward or a recursive release would overflow
        // the test thread's stack long before this depth.
        let x = Tensor(shape: [1], values: [1]).requiringGrad()
        var y = x
        for _ in 0..<100_000 { y = (y * 1.0) + 0 }
        let g = gradients(of: y.sum(), withRespectTo: [x])[0]
        #expect(g.storage == [1])
    }
}
