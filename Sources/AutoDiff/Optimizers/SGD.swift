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
        let (momentum, keep, weightDecay, nesterov) = (momentum, 1 - dampening, weightDecay, nesterov)
        for name in parameters.keys.sorted() {
            let p = parameters[name]!
            let g = Self.checkGradient(name, p, gradients[name])
            // Momentum buffers are taken out so they are updated in place; the first step's
            // buffer is d itself.
            let previous = momentum != 0 ? buffers.removeValue(forKey: name) : nil
            let first = previous == nil
            var buffer = previous ?? (momentum != 0 ? [Float](repeating: 0, count: p.count) : [])
            // Each element on its own, so splitting them over the engine's threads keeps the bits.
            let values = p.storage.withUnsafeBufferPointer { values in
                g.storage.withUnsafeBufferPointer { grads in
                    buffer.withUnsafeMutableBufferPointer { b in
                        makeStorage(p.count) { out in
                            Parallel.forEachRange(p.count, work: 4 * p.count) { range in
                                for i in range {
                                    var d = grads[i]
                                    if weightDecay != 0 { d = d.addingProduct(values[i], weightDecay) }
                                    if momentum != 0 {
                                        b[i] = first ? d : (b[i] * momentum).addingProduct(d, keep)
                                        d = nesterov ? d.addingProduct(b[i], momentum) : b[i]
                                    }
                                    out[i] = values[i].addingProduct(d, -lr)
                                }
                            }
                        }
                    }
                }
            }
            if momentum != 0 { buffers[name] = buffer }
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
