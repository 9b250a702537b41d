/// ProMetaR's hyperparameters (Park, Ko, Kim, CVPR 2024; defaults of the official ViT-B/16
/// base-to-new config).
public struct ProMetaRConfiguration: Sendable, Equatable {
    /// Weight of the L1 pull of normalised text features to the frozen template mean.
    public var textRegWeight: Float = 50
    /// Weight of the L1 pull of normalised image features to the frozen image features.
    public var imageRegWeight: Float = 20
    /// Inner-loop step α: θ′ = θ − α·g(θ; support).
    public var adaptLR: Float = 5e-4
    /// The outer (query) loss is scaled by this before back-propagation.
    public var lrRatio: Float = 5e-4
    /// Detach the inner gradients (first-order MAML); the gates still train the regulator.
    public var firstOrder = false
    /// Each gate value is repeated this many times (the official code's 8).
    public var dimRate = 8
    /// λ ~ Beta(α, β) per query sample for feature-level mixup.
    public var mixupAlpha: Double = 0.5
    public var mixupBeta: Double = 0.5
    /// Virtual tasks per batch (query class and mixup draws), meta-gradients averaged.
    /// 1 is the official algorithm.
    public var tasksPerStep = 1

    public init() {}
}
