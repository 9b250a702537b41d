import AutoDiff

/// Learnable prompt tokens of one tower: the input prompt and, for deep prompting, a
/// replacement before each following layer up to the depth.
///
/// Text (CoOp, IVLP): `context` replaces the token embeddings at positions 1…n (after the
/// start token); `deep[l − 1]` replaces positions 1…n of the input to layer l.
/// Vision (VPT, IVLP): `context` is appended after the class and patch tokens (before the
/// pre-LN); `deep[l − 1]` replaces the last n tokens of the input to layer l.
/// Depth counts the input prompt: depth 1 is shallow; depth d adds layers 1…d−1.
/// Names in checkpoints: `text.ctx`, `text.deep.<l>`, `vision.ctx`, `vision.deep.<l>`.
public struct TowerPrompts: Sendable {
    /// (n, width).
    public var context: Tensor
    /// Each (n, width); `deep[l − 1]` is layer l's.
    public var deep: [Tensor]

    public init(context: Tensor, deep: [Tensor] = []) {
        precondition(context.rank == 2, "prompt context must be (n, width), got \(context.shape)")
        for d in deep { precondition(d.shape == context.shape, "deep prompt \(d.shape) differs from context \(context.shape)") }
        self.context = context
        self.deep = deep
    }

    public var count: Int { context.shape[0] }
    public var depth: Int { deep.count + 1 }

    /// The prompt that replaces layer `layer`'s input, if any.
    func replacement(beforeLayer layer: Int) -> Tensor? {
        layer >= 1 && layer <= deep.count ? deep[layer - 1] : nil
    }

    /// The prompts by checkpoint name under `tower` (`text` or `vision`).
    public func named(_ tower: String) -> [String: Tensor] {
        var out = ["\(tower).ctx": context]
        for (i, d) in deep.enumerated() { out["\(tower).deep.\(i + 1)"] = d }
        return out
    }

    /// Reads `tower.ctx` and `tower.deep.1…` from named tensors; nil when there is no context.
    public init?(named tensors: [String: Tensor], tower: String) {
        guard let context = tensors["\(tower).ctx"] else { return nil }
        var deep: [Tensor] = []
        while let d = tensors["\(tower).deep.\(deep.count + 1)"] { deep.append(d) }
        self.init(context: context, deep: deep)
    }
}
