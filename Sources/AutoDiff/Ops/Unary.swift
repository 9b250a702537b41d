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

    /// The same with f on eight lanes at a time (the ops built on `vectorExp`).
    @inline(__always)
    func unary(_ name: String, keeping kept: Kept, vector f: (SIMD8<Float>) -> SIMD8<Float>, backward: @escaping BackwardRule) -> Tensor {
        unary(name, keeping: kept, storage: vectorMapKernel(storage, f), backward: backward)
    }

    @inline(__always)
    func unary(_ name: String, keeping kept: Kept, storage: [Float], backward: @escaping BackwardRule) -> Tensor {
        Tensor.record(name, shape: shape, storage: storage, inputs: [self], keeping: [kept == .input],
                      keepingOutput: kept == .output, backward: backward)
    }

    /// `eˣ`; d = g·y.
    public func exp() -> Tensor {
        unary("exp", keeping: .output, vector: vectorExp) { g, _, y, _ in [g * y] }
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
        unary("sigmoid", keeping: .output, vector: { 1 / (1 + vectorExp(-$0)) }) { g, _, y, _ in [g * (y * (1 - y))] }
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
        unary("quickGELU", keeping: .input, vector: { $0 / (1 + vectorExp($0 * -1.702)) }) { g, x, _, _ in
            [g * x[0].quickGELUDerivative()]
        }
    }

    /// quickGELU′(x) = s + 1.702·x·s·(1 − s) with s = σ(1.702x): one pass and one tensor
    /// (kept by a second-order graph) instead of eight composed ops over the MLP's width.
    /// d = g·quickGELU″(x), quickGELU″(x) = 1.702·s(1 − s)·(2 + 1.702·x·(1 − 2s)), composed of
    /// differentiable ops (only a third derivative would differentiate it).
    public func quickGELUDerivative() -> Tensor {
        unary("quickGELUDerivative", keeping: .input, vector: { x in
            let s = 1 / (1 + vectorExp(x * -1.702))
            return s + x * 1.702 * s * (1 - s)
        }) { g, x, _, _ in
            let s = (x[0] * 1.702).sigmoid()
            return [g * (s * (1 - s) * 1.702 * (x[0] * (1 - s * 2) * 1.702 + 2))]
        }
    }

    /// GELU with the exact erf form, `x·Φ(x)` (Hugging Face `hidden_act: gelu`); d = g·gelu′(x).
    public func gelu() -> Tensor {
        unary("gelu", keeping: .input, { 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678118654752)) }) { g, x, _, _ in
            [g * x[0].geluDerivative()]
        }
    }

    /// gelu′(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), in one pass (as `quickGELUDerivative`).
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
