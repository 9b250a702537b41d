import Foundation

/// Adam and AdamW with PyTorch `torch.optim.Adam` / `AdamW` semantics (single-tensor path):
///
///     Adam:  g = g + λ·p          AdamW: p = p·(1 − lr·λ)
///     m = lerp(m, g, 1 − β₁)      v = β₂·v + (1 − β₂)·g²
///     p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Bias corrections and the step size are computed in Double, as PyTorch does in Python,
/// then rounded to Float32 when applied.
public struct Adam: Optimizer {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// AdamW's decoupled weight decay instead of Adam's L2 term.
    public var decoupled: Bool
    public private(set) var steps: [String: Int] = [:]
    public private(set) var firstMoments: [String: [Float]] = [:]
    public private(set) var secondMoments: [String: [Float]] = [:]

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupled: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    /// AdamW: PyTorch's default weight decay of 0.01.
    public static func adamW(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                             weightDecay: Double = 0.01) -> Adam {
        Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decoupled: true)
    }

    public mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor],
                              learningRate: Double) {
        for name in parameters.keys.sorted() {
            let p = parameters[name]!
            var g = Self.checkGradient(name, p, gradients[name]).storage
            var values = p.storage
            if weightDecay != 0 {
                if decoupled {
                    let shrink = Float(1 - learningRate * weightDecay)
                    for i in values.indices { values[i] *= shrink }
                } else {
                    let wd = Float(weightDecay)
                    for i in g.indices { g[i] = g[i].addingProduct(values[i], wd) }
                }
            }
            var m = firstMoments[name] ?? [Float](repeating: 0, count: g.count)
            var v = secondMoments[name] ?? [Float](repeating: 0, count: g.count)
            let t = (steps[name] ?? 0) + 1
            // torch.lerp(m, g, w): m + w·(g − m) for w < 0.5, else g − (g − m)·(1 − w).
            let w = Float(1 - beta1)
            let b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
            for i in g.indices {
                let diff = g[i] - m[i]
                m[i] = w < 0.5 ? m[i].addingProduct(w, diff) : g[i] - diff * (1 - w)
                v[i] = v[i] * b2 + oneMinusB2 * g[i] * g[i]
            }
            let correction1 = 1 - Foundation.pow(beta1, Double(t))
            let correction2Root = (1 - Foundation.pow(beta2, Double(t))).squareRoot()
            let stepSize = Float(-(learningRate / correction1))
            let root = Float(correction2Root), eps = Float(epsilon)
            for i in values.indices {
                let denom = v[i].squareRoot() / root + eps
                values[i] = values[i] + stepSize * (m[i] / denom)
            }
            firstMoments[name] = m
            secondMoments[name] = v
            steps[name] = t
            parameters[name] = Tensor(shape: p.shape, values: values).requiringGrad()
        }
    }

    public var state: [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (name, m) in firstMoments {
            out["exp_avg.\(name)"] = m
            out["exp_avg_sq.\(name)"] = secondMoments[name]
            out["step.\(name)"] = [Float(steps[name] ?? 0)]
        }
        return out
    }

    public mutating func load(state: [String: [Float]]) throws {
        var m: [String: [Float]] = [:], v: [String: [Float]] = [:], t: [String: Int] = [:]
        for (key, value) in state {
            if key.hasPrefix("exp_avg_sq.") {
                v[String(key.dropFirst("exp_avg_sq.".count))] = value
            } else if key.hasPrefix("exp_avg.") {
                m[String(key.dropFirst("exp_avg.".count))] = value
            } else if key.hasPrefix("step.") {
                guard value.count == 1, value[0] >= 0, value[0] == value[0].rounded() else {
                    throw OptimizerStateError("Adam state '\(key)' is not a step count: \(value)")
                }
                t[String(key.dropFirst("step.".count))] = Int(value[0])
            } else {
                throw OptimizerStateError("Adam state has unknown entry '\(key)'")
            }
        }
        guard Set(m.keys) == Set(v.keys), Set(m.keys) == Set(t.keys) else {
            throw OptimizerStateError("Adam state is incomplete: exp_avg for \(m.keys.sorted()), exp_avg_sq for \(v.keys.sorted()), step for \(t.keys.sorted())")
        }
        (firstMoments, secondMoments, steps) = (m, v, t)
    }
}
