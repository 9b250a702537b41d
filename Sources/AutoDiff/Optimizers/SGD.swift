/// Stochastic gradient descent with PyTorch `torch.optim.SGD` semantics (single-tensor path):
///
///     d = g + λ·p                                 (weight decay λ)
///     b = d on the first step, else μ·b + (1 − τ)·d   (momentum μ, dampening τ)
///     d = d + μ·b if nesterov, else b
///     p = p − lr·d
///
/// Rounding follows PyTorch's vectorised CPU kernels, which compute `x.add(y, alpha=a)` as
/// one fused multiply-add `fma(y, a, x)`; scalars are rounded to Float32 first, as ATen does.
public struct SGD: Optimizer {
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool
    /// Momentum buffers by parameter name; absent until a parameter's first step.
    public private(set) var buffers: [String: [Float]] = [:]

    public init(momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "nesterov needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public mutating func step(_ parameters: inout [String: Tensor], gradients: [String: Tensor],
                              learningRate: Double) {
        let lr = Float(learningRate)
        for name in parameters.keys.sorted() {
            let p = parameters[name]!
            let g = Self.checkGradient(name, p, gradients[name])
            var values = p.storage
            var d = g.storage
            if weightDecay != 0 {
                for i in d.indices { d[i] = d[i].addingProduct(values[i], weightDecay) }
            }
            if momentum != 0 {
                if var b = buffers.removeValue(forKey: name) {  // taken out, so updated in place
                    let keep = 1 - dampening
                    for i in b.indices { b[i] = (b[i] * momentum).addingProduct(d[i], keep) }
                    buffers[name] = b
                } else {
                    buffers[name] = d
                }
                let b = buffers[name]!
                if nesterov {
                    for i in d.indices { d[i] = d[i].addingProduct(b[i], momentum) }
                } else {
                    d = b
                }
            }
            for i in values.indices { values[i] = values[i].addingProduct(d[i], -lr) }
            parameters[name] = Tensor(shape: p.shape, values: values).requiringGrad()
        }
    }

    public var state: [String: [Float]] {
        Dictionary(uniqueKeysWithValues: buffers.map { ("momentum.\($0.key)", $0.value) })
    }

    public mutating func load(state: [String: [Float]]) throws {
        var restored: [String: [Float]] = [:]
        for (key, value) in state {
            guard key.hasPrefix("momentum.") else { throw OptimizerStateError("SGD state has unknown entry '\(key)'") }
            restored[String(key.dropFirst("momentum.".count))] = value
        }
        buffers = restored
    }
}
