// Fused kernels whose backward is that of the same function written in differentiable ops.

extension Tensor {
    /// A fused kernel's result, `storage`, of a function that `composed` also computes in
    /// differentiable ops. The backward rule is the vector-Jacobian product of `composed`,
    /// taken by the engine itself, so the op differentiates to any order, exactly as the
    /// composed ops would. It is for the kernels of a backward rule whose own backward only a
    /// derivative of one order more than the meta step reads (tests) would run: that rule
    /// pays the composed ops, the kernel does not.
    ///
    /// Each partial derivative is evaluated on detached copies of the inputs (so the walk
    /// stays inside the composed ops, and a gradient never runs from one input into another
    /// that depends on it) and, under `createGraph`, recorded as a fused op of the inputs and
    /// the incoming gradient in its turn, with the composed vector-Jacobian product as its
    /// function.
    static func fused(_ name: String, shape: [Int], storage: [Float], inputs: [Tensor],
                      composed: @escaping @Sendable ([Tensor]) -> Tensor) -> Tensor {
        record(name, shape: shape, storage: storage, inputs: inputs, keeping: inputs.map { _ in true }) { g, x, _, needs in
            let n = x.count
            return (0..<n).map { i -> Tensor? in
                guard needs[i] else { return nil }
                // ∂⟨seed, composed(x)⟩/∂xᵢ of (x, seed), for leaves x and seed.
                let vjp: @Sendable ([Tensor]) -> Tensor = { xs in
                    gradients(of: composed(Array(xs.prefix(n))), withRespectTo: [xs[i]], seed: xs[n], createGraph: true)[0]
                }
                let leaves = (x + [g]).map { $0.detached().requiringGrad() }
                let value = withGradient { vjp(leaves) }
                return fused(name + "′", shape: x[i].shape, storage: value.storage, inputs: x + [g], composed: vjp)
            }
        }
    }
}
