import AutoDiff

/// Derivative checks by central finite differences, in Float32.
///
/// Error budget with step ε on inputs of order 1 and outputs of order 1: truncation
/// ε²/6·|f‴| ≈ 2·10⁻⁵ for ε = 10⁻², rounding ≈ ulp(f)/ε ≈ 10⁻⁴. Tolerances in the tests are
/// set a few times above that, relative to the largest derivative in the comparison.
public enum FiniteDifferences {
    /// ∂f/∂xᵢ for every element of every input, by `(f(x + εeᵢ) − f(x − εeᵢ)) / 2ε`.
    public static func gradient(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor], epsilon: Float) -> [[Float]] {
        withoutGradient {
            inputs.indices.map { which in
                (0..<inputs[which].count).map { i in
                    func evaluate(_ delta: Float) -> Float {
                        var values = inputs[which].storage
                        values[i] += delta
                        var shifted = inputs
                        shifted[which] = Tensor(shape: inputs[which].shape, values: values)
                        return f(shifted).scalar
                    }
                    return (evaluate(epsilon) - evaluate(-epsilon)) / (2 * epsilon)
                }
            }
        }
    }

    /// The autodiff gradient of scalar `f` with respect to every input.
    public static func analyticGradient(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor]) -> [[Float]] {
        let leaves = inputs.map { $0.requiringGrad() }
        return gradients(of: f(leaves), withRespectTo: leaves).map(\.storage)
    }

    /// The Hessian-vector product H·v by double backward: ∇ₓ⟨∇ₓf, v⟩ with `createGraph`.
    public static func analyticHessianVector(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor],
                                             direction v: [Tensor]) -> [[Float]] {
        let leaves = inputs.map { $0.requiringGrad() }
        let grads = gradients(of: f(leaves), withRespectTo: leaves, createGraph: true)
        let inner = zip(grads, v).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
        return gradients(of: inner, withRespectTo: leaves).map(\.storage)
    }

    /// H·v by central differences of autodiff gradients: (∇f(x + εv) − ∇f(x − εv)) / 2ε.
    public static func hessianVector(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor],
                                     direction v: [Tensor], epsilon: Float) -> [[Float]] {
        func shifted(_ s: Float) -> [Tensor] {
            zip(inputs, v).map { x, d in
                Tensor(shape: x.shape, values: zip(x.storage, d.storage).map { $0 + s * $1 })
            }
        }
        let plus = analyticGradient(f, at: shifted(epsilon))
        let minus = analyticGradient(f, at: shifted(-epsilon))
        return zip(plus, minus).map { p, m in zip(p, m).map { ($0 - $1) / (2 * epsilon) } }
    }
}
