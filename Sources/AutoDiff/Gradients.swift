/// Gradients of a scalar with respect to chosen tensors — PyTorch's `torch.autograd.grad`.
///
/// Walks the recorded graph from `output` in reverse topological order (an iterative
/// depth-first search, so graph depth is not limited by the stack), visiting only nodes
/// that lie on a path to one of `inputs`, and sums the gradient contributions per tensor.
///
/// With `createGraph` the backward rules run with recording on, so the returned gradients
/// are themselves differentiable: `gradients(of: (g * v).sum(), withRespectTo: [x])` with
/// `g` from a `createGraph` call is a Hessian-vector product, and an inner step
/// `θ' = θ − α·g` differentiates exactly (second-order MAML). Without it nothing is recorded.
///
/// - Parameters:
///   - output: the tensor to differentiate; a scalar unless `seed` is given.
///   - inputs: the tensors to differentiate with respect to (leaves or intermediates).
///   - seed: the gradient of `output` (default 1 for a scalar).
///   - createGraph: record the backward pass for higher-order derivatives.
/// - Returns: one gradient per input, shaped like it; zeros where `output` does not depend
///   on the input.
public func gradients(of output: Tensor, withRespectTo inputs: [Tensor], seed: Tensor? = nil,
                      createGraph: Bool = false) -> [Tensor] {
    let seed = seed ?? {
        precondition(output.count == 1,
                     "gradients(of:) needs a scalar output or a seed, got shape \(output.shape)")
        return Tensor(shape: output.shape, values: [1])
    }()
    precondition(seed.shape == output.shape,
                 "seed shape \(seed.shape) differs from output shape \(output.shape)")
    // Keys are producing nodes (shared by a tensor and its shells), or leaves themselves.
    let targets = Set(inputs.map(\.gradientKey))

    // Post-order over recorded tensors: every tensor comes after the inputs of its node.
    var order: [Tensor] = []
    var visited: Set<ObjectIdentifier> = []
    var stack: [(Tensor, Bool)] = [(output, false)]
    while let (tensor, expanded) = stack.popLast() {
        let id = tensor.gradientKey
        if expanded { order.append(tensor); continue }
        if visited.contains(id) { continue }
        visited.insert(id)
        stack.append((tensor, true))
        if let node = tensor.node {
            for input in node.inputs where input.requiresGrad
                && !visited.contains(input.gradientKey) {
                stack.append((input, false))
            }
        }
    }

    // A tensor matters if it is a target or one of its node's inputs matters.
    var matters: Set<ObjectIdentifier> = []
    for tensor in order {
        let id = tensor.gradientKey
        if targets.contains(id)
            || (tensor.node?.inputs.contains { matters.contains($0.gradientKey) } ?? false) {
            matters.insert(id)
        }
    }

    var grads: [ObjectIdentifier: Tensor] = [output.gradientKey: seed]
    GradMode.$isEnabled.withValue(createGraph) {
        for tensor in order.reversed() {
            let id = tensor.gradientKey
            guard matters.contains(id), let node = tensor.node, let grad = grads[id] else { continue }
            // Targets keep their gradient; intermediate gradients are dropped once used.
            if !targets.contains(id) { grads[id] = nil }
            let needs = node.inputs.map { matters.contains($0.gradientKey) }
            let contributions = node.backward(grad, node.inputs, node.output(shape: tensor.shape), needs)
            precondition(contributions.count == node.inputs.count,
                         "backward of \(node.name) returned \(contributions.count) gradients for \(node.inputs.count) inputs")
            for (input, contribution) in zip(node.inputs, contributions) {
                guard let contribution, matters.contains(input.gradientKey) else { continue }
                precondition(contribution.shape == input.shape,
                             "backward of \(node.name) gave gradient \(contribution.shape) for input \(input.shape)")
                let key = input.gradientKey
                grads[key] = grads[key].map { $0 + contribution } ?? contribution
            }
        }
    }
    return inputs.map { grads[$0.gradientKey] ?? Tensor.zeros($0.shape) }
}
