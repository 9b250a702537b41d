import Foundation

// Pointwise functions. Each backward rule is written in differentiable ops so it can be
// differentiated again; rules reuse the output `y` where the derivative is a function of it.

extension Tensor {
    /// A pointwise op whose rule reads its input (`keeping: .input`) or its output.
    enum Kept { case input, output }

    @inline(__always)
    func unary(_ name: String, keeping kept: Kept, _ f: (Float) -> Float, backward: @escaping BackwardRule) -> Tensor {
        unary(name, keeping: kept, storage: mapKernel(storage, f), backward: backward)
    }

    /// The same with F on eight lanes at a time (the ops built on `vectorExp`).
    @inline(__always)
    func unary<F: LaneFunction>(_ name: String, keeping kept: Kept, vector: F.Type, backward: @escaping BackwardRule) -> Tensor {
        unary(name, keeping: kept, storage: vectorMapKernel(storage, F.self), backward: backward)
    }

    @inline(__always)
    func unary(_ name: String, keeping kept: Kept, storage: [Float], backward: @escaping BackwardRule) -> Tensor {
        Tensor.record(name, shape: shape, storage: storage, inputs: [self], keeping: [kept == .input],
                      keepingOutput: kept == .output, backward: backward)
    }

    /// `eˣ`; d = g·y.
    public func exp() -> Tensor {
        unary("exp", keeping: .output, vector: ExpLanes.self) { g, _, y, _ in [g * y] }
    }

    /// Natural log; d = g/x.
    public func log() -> Tensor {
        unary("log", keeping: .input, { Foundation.log($0) }) { g, x, _, _ in [g / x[0]] }
    }

    /// `√x`; d = g/(2y).
    public func sqrt() -> Tensor {
        unary("sqrt", keeping: .output, { $0.squareRoot() }) { g, _, y, _ in [g / (y * 2)] }
    }

    /// `1/√x`; d = −g·y³/2.
    public func rsqrt() -> Tensor {
        unary("rsqrt", keeping: .output, { 1 / $0.squareRoot() }) { g, _, y, _ in [g * (y * y * y) * -0.5] }
    }

    /// `tanh x`; d = g·(1 − y²).
    public func tanh() -> Tensor {
        unary("tanh", keeping: .output, { Foundation.tanh($0) }) { g, _, y, _ in [g * (1 - y * y)] }
    }

    /// `σ(x) = 1/(1 + e⁻ˣ)`; d = g·y·(1 − y).
    public func sigmoid() -> Tensor {
        unary("sigmoid", keeping: .output, vector: SigmoidLanes.self) { g, _, y, _ in [g * (y * (1 - y))] }
    }

    /// `x²`; d = 2g·x.
    public func squared() -> Tensor {
        unary("square", keeping: .input, { $0 * $0 }) { g, x, _, _ in [g * x[0] * 2] }
    }

    /// `|x|`; d = g·sign(x) (0 at 0, as PyTorch). sign is piecewise constant, so the second
    /// derivative is 0 and `sign` enters the rule as a constant.
    public func abs() -> Tensor {
        unary("abs", keeping: .input, { Swift.abs($0) }) { g, x, _, _ in
            [g * Tensor(shape: x[0].shape, storage: mapKernel(x[0].storage) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, node: nil)]
        }
    }

    /// QuickGELU, CLIP's activation: `x·σ(1.702x)`; d = g·quickGELU′(x).
    public func quickGELU() -> Tensor {
        unary("quickGELU", keeping: .input, vector: QuickGELULanes.self) { g, x, _, _ in
            [g.quickGELUInputGradient(at: x[0])]
        }
    }

    /// QuickGELU's input gradient for this incoming gradient g at x (same shape):
    /// g·quickGELU′(x), quickGELU′(x) = s + 1.702·x·s·(1 − s) with s = σ(1.702x), in one pass
    /// (the bits of `g * quickGELU′(x)`). A second-order graph keeps g and x, which it holds
    /// anyway, instead of a tensor of derivatives over the MLP's width.
    ///
    /// Backward with incoming h: dg = h·quickGELU′(x), this op again; dx = h·g·quickGELU″(x),
    /// quickGELU″(x) = 1.702·s(1 − s)·(2 + 1.702·x·(1 − 2s)), one fused pass whose own
    /// backward is that of the composed ops (``fused(_:shape:storage:inputs:composed:)``).
    public func quickGELUInputGradient(at x: Tensor) -> Tensor {
        precondition(shape == x.shape, "quickGELUInputGradient: gradient \(shape) at input \(x.shape)")
        let out = lanewiseKernel(storage, x.storage, x.storage, QuickGELUInputGradientLanes.self)
        return quickGELUInputGradient(at: x, storage: out)
    }

    /// quickGELU′(x) and quickGELU″(x) per lane, from one eˣ.
    @inline(__always)
    static func quickGELUTerms(_ x: SIMD8<Float>) -> (first: SIMD8<Float>, second: SIMD8<Float>) {
        let s: SIMD8<Float> = 1 / (1 + vectorExp(x * -1.702))
        let first: SIMD8<Float> = s + x * 1.702 * s * (1 - s)
        let slope: SIMD8<Float> = s * (1 - s) * 1.702
        let curve: SIMD8<Float> = x * (1 - s * 2) * 1.702 + 2
        return (first, slope * curve)
    }

    /// The op with its values computed (by the caller, or with the second derivative).
    private func quickGELUInputGradient(at x: Tensor, storage: [Float]) -> Tensor {
        Tensor.record("quickGELUInputGradient", shape: shape, storage: storage, inputs: [self, x],
                      keeping: [x.requiresGrad, true]) { h, inputs, _, needs in
            let (g, x) = (inputs[0], inputs[1])
            guard needs[1] else { return [needs[0] ? h.quickGELUInputGradient(at: x) : nil, nil] }
            // Both gradients in one pass: dx = h·g·quickGELU″(x) and dg = h·quickGELU′(x).
            let (second, dg) = needs[0]
                ? lanewisePairKernel(h.storage, g.storage, x.storage, QuickGELUBackwardLanes.self)
                : (lanewiseKernel(h.storage, g.storage, x.storage, QuickGELUSecondLanes.self), [])
            let dx = Tensor.fused("quickGELUSecondDerivative", shape: x.shape, storage: second, inputs: [h, g, x]) { t in
                let (h, g, x) = (t[0], t[1], t[2])
                let s = (x * 1.702).sigmoid()
                return h * g * (s * (1 - s) * 1.702 * (x * (1 - s * 2) * 1.702 + 2))
            }
            return [needs[0] ? h.quickGELUInputGradient(at: x, storage: dg) : nil, dx]
        }
    }

    /// GELU with the exact erf form, `x·Φ(x)` (Hugging Face `hidden_act: gelu`); d = g·gelu′(x).
    public func gelu() -> Tensor {
        unary("gelu", keeping: .input, { 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678118654752)) }) { g, x, _, _ in
            [g * x[0].geluDerivative()]
        }
    }

    /// gelu′(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), in one pass (one tensor per activation in a
    /// second-order graph instead of the composed ops' several).
    /// d = g·gelu″(x), gelu″(x) = φ(x)·(2 − x²), composed of differentiable ops.
    public func geluDerivative() -> Tensor {
        unary("geluDerivative", keeping: .input, { x in
            0.5 * (1 + Foundation.erf(x * 0.70710678118654752)) + x * Foundation.exp(-0.5 * x * x) * 0.39894228040143268
        }) { g, x, _, _ in
            let pdf = (x[0].squared() * -0.5).exp() * 0.39894228040143268
            return [g * (pdf * (2 - x[0].squared()))]
        }
    }

    /// The error function; d = g·2/√π·e^(−x²).
    public func erf() -> Tensor {
        unary("erf", keeping: .input, { Foundation.erf($0) }) { g, x, _, _ in
            [g * (x[0].squared() * -1).exp() * 1.1283791670955126]
        }
    }
}

// The pointwise ops' lane functions (`LaneFunction`: inlined into the kernels' loops).
enum ExpLanes: LaneFunction {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { vectorExp(x) }
}

enum SigmoidLanes: LaneFunction {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + vectorExp(-x)) }
}

enum QuickGELULanes: LaneFunction {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x / (1 + vectorExp(x * -1.702)) }
}

/// g·quickGELU′(x) (the third lane is unused).
enum QuickGELUInputGradientLanes: LaneFunction3 {
    @inline(__always)
    static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>, _: SIMD8<Float>) -> SIMD8<Float> { Tensor.quickGELUTerms(x).first * g }
}

/// (h·g·quickGELU″(x), h·quickGELU′(x)).
enum QuickGELUBackwardLanes: LanePairFunction3 {
    @inline(__always)
    static func apply(_ h: SIMD8<Float>, _ g: SIMD8<Float>, _ x: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let terms = Tensor.quickGELUTerms(x)
        return (h * g * terms.second, terms.first * h)
    }
}

/// h·g·quickGELU″(x).
enum QuickGELUSecondLanes: LaneFunction3 {
    @inline(__always)
    static func apply(_ h: SIMD8<Float>, _ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> { h * g * Tensor.quickGELUTerms(x).second }
}
