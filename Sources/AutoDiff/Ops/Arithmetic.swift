import Foundation

// Binary arithmetic with NumPy broadcasting. Backward rules reduce each gradient back to
// its operand's shape with `sum(toShape:)` (the one unbroadcast helper).

extension Tensor {
    @inline(__always)
    static func binary(_ name: String, _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float,
                       keeping: [Bool], keepingOutput: Bool = false, backward: @escaping BackwardRule) -> Tensor {
        let storage = broadcastKernel(a.storage, a.shape, b.storage, b.shape, f)
        let shape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape)
        return record(name, shape: shape, storage: storage, inputs: [a, b], keeping: keeping,
                      keepingOutput: keepingOutput, backward: backward)
    }

    /// `a + b`, broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary("add", a, b, +, keeping: [false, false]) { g, x, _, needs in
            [needs[0] ? g.sum(toShape: x[0].shape) : nil,
             needs[1] ? g.sum(toShape: x[1].shape) : nil]
        }
    }

    /// `a − b`, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary("sub", a, b, -, keeping: [false, false]) { g, x, _, needs in
            [needs[0] ? g.sum(toShape: x[0].shape) : nil,
             needs[1] ? (-g).sum(toShape: x[1].shape) : nil]
        }
    }

    /// `a ⊙ b`, broadcasting. d/da = g⊙b, d/db = g⊙a: each operand is kept only when the
    /// other one's gradient may be asked for.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary("mul", a, b, *, keeping: [b.requiresGrad, a.requiresGrad]) { g, x, _, needs in
            [needs[0] ? (g * x[1]).sum(toShape: x[0].shape) : nil,
             needs[1] ? (g * x[0]).sum(toShape: x[1].shape) : nil]
        }
    }

    /// `a / b`, broadcasting. d/da = g/b, d/db = −g·a/b² = −g·y/b (so a is never kept).
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary("div", a, b, /, keeping: [false, true], keepingOutput: b.requiresGrad) { g, x, y, needs in
            [needs[0] ? (g / x[1]).sum(toShape: x[0].shape) : nil,
             needs[1] ? (-(g * y) / x[1]).sum(toShape: x[1].shape) : nil]
        }
    }

    /// `−x`.
    public static prefix func - (x: Tensor) -> Tensor {
        record("neg", shape: x.shape, storage: mapKernel(x.storage) { -$0 }, inputs: [x], keeping: [false]) { g, _, _, _ in
            [-g]
        }
    }

    /// `x · s` for a constant `s`.
    public static func * (x: Tensor, s: Float) -> Tensor {
        record("scale", shape: x.shape, storage: mapKernel(x.storage) { $0 * s }, inputs: [x], keeping: [false]) { g, _, _, _ in
            [g * s]
        }
    }

    public static func * (s: Float, x: Tensor) -> Tensor { x * s }
    public static func / (x: Tensor, s: Float) -> Tensor { x * (1 / s) }

    /// `x + s` for a constant `s`.
    public static func + (x: Tensor, s: Float) -> Tensor {
        record("shift", shape: x.shape, storage: mapKernel(x.storage) { $0 + s }, inputs: [x], keeping: [false]) { g, _, _, _ in
            [g]
        }
    }

    public static func + (s: Float, x: Tensor) -> Tensor { x + s }
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }
    public static func - (s: Float, x: Tensor) -> Tensor { (-x) + s }
}
