import AutoDiff
import CLIP

extension Pretraining {
    /// CLIP's initialisation, OpenAI `clip/model.py` (`CLIP.initialize_parameters` and
    /// `VisionTransformer.__init__`), applied to both towers. With W the tower's width and L
    /// its layers:
    ///
    /// | parameter | draw |
    /// |---|---|
    /// | token embedding | N(0, 0.02²) |
    /// | text position embedding | N(0, 0.01²) |
    /// | class and vision position embeddings | N(0, W⁻¹) (`scale = width ** -0.5`) |
    /// | patch convolution | U(±1/√(3p²)), PyTorch's `Conv2d` default |
    /// | attention q, k, v | N(0, W⁻¹) (`attn_std`) |
    /// | attention out, MLP fc2 | N(0, W⁻¹·(2L)⁻¹) (`proj_std`: residual branches shrink with depth) |
    /// | MLP fc1 | N(0, (2W)⁻¹) (`fc_std`) |
    /// | projections | N(0, W⁻¹) |
    /// | LayerNorm gains / all biases | 1 / 0 |
    /// | logit scale | `configuration.logitScaleInit` (log(1/0.07) for pretraining) |
    ///
    /// OpenAI applies the transformer rule to the text tower only and leaves the vision
    /// tower's linear layers at PyTorch defaults; using CLIP's scaled rule for both keeps the
    /// towers symmetric (Hugging Face's `CLIPPreTrainedModel._init_weights` does too). Biases are
    /// zero as in `nn.MultiheadAttention` (PyTorch's `Linear` default would be small uniforms).
    ///
    /// Tensor `i` in sorted-name order draws from `RandomStream(seed: seed, "init", i)`.
    /// - Returns: constant tensors by internal name (see `CLIPModel`).
    public static func initialWeights(_ configuration: CLIPConfiguration, seed: UInt64) -> [String: Tensor] {
        let c = configuration
        // The loader's expected shapes (internal to CLIP), read off a throwaway random model.
        let shapes = CLIPModel.random(c, seed: seed).weights.mapValues(\.shape)
        var weights: [String: Tensor] = [:]
        for (i, name) in shapes.keys.sorted().enumerated() {
            let shape = shapes[name]!
            var stream = RandomStream(seed: seed, initPurpose, UInt64(i))
            let tower = name.hasPrefix("text.") ? c.text : c.vision
            let w = Float(tower.width), l = Float(tower.layers)
            func normal(_ std: Float) -> Tensor { Tensor.normal(shape, std: std, stream: &stream) }
            switch name {
            case "logit_scale":
                weights[name] = Tensor(c.logitScaleInit)
            case "text.token_embedding":
                weights[name] = normal(0.02)
            case "text.position_embedding":
                weights[name] = normal(0.01)
            case "vision.class_embedding", "vision.position_embedding", "text.projection", "vision.projection":
                weights[name] = normal(1 / w.squareRoot())
            case "vision.patch_embedding":
                let bound = 1 / Float(3 * c.patchSize * c.patchSize).squareRoot()
                weights[name] = Tensor.uniform(shape, -bound, bound, stream: &stream)
            case _ where name.hasSuffix(".bias"):
                weights[name] = Tensor.zeros(shape)
            case _ where name.hasSuffix("ln1.weight") || name.hasSuffix("ln2.weight") || name.hasSuffix("_ln.weight"):
                weights[name] = Tensor.ones(shape)
            case _ where name.hasSuffix(".attn.q.weight") || name.hasSuffix(".attn.k.weight") || name.hasSuffix(".attn.v.weight"):
                weights[name] = normal(1 / w.squareRoot())
            case _ where name.hasSuffix(".attn.out.weight") || name.hasSuffix(".mlp.fc2.weight"):
                weights[name] = normal(1 / (w * 2 * l).squareRoot())
            case _ where name.hasSuffix(".mlp.fc1.weight"):
                weights[name] = normal(1 / (2 * w).squareRoot())
            default:
                preconditionFailure("no initialisation rule for CLIP weight '\(name)'")
            }
        }
        return weights
    }
}
