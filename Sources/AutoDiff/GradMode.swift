/// Whether ops record the graph for differentiation (PyTorch's grad mode).
///
/// Task-local, so concurrent tests and tasks do not see each other's scopes.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with graph recording off (PyTorch's `torch.no_grad()`).
@inlinable
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with graph recording on.
@inlinable
public func withGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true, operation: body)
}
