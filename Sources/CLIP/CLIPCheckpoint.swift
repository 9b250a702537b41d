import AutoDiff
import Foundation
import TensorIO

/// Loads CLIP weights from safetensors into metaprompt's parameter names, validating every
/// tensor against the configuration.
///
/// Two layouts are read:
/// - Hugging Face `CLIPModel` (`text_model.encoder.layers.N.self_attn.q_proj.weight`, …);
/// - OpenAI / open_clip state dicts (`transformer.resblocks.N.attn.in_proj_weight`,
///   `visual.conv1.weight`, …; projections stored as `x @ proj`, transposed here).
///
/// Internal names (sorted-key order is the flattening order everywhere):
/// `{text,vision}.blocks.N.{ln1,ln2}.{weight,bias}`, `….attn.{q,k,v,out}.{weight,bias}`, `….mlp.{fc1,fc2}.{weight,bias}`,
/// `text.token_embedding`, `text.position_embedding`, `text.final_ln.*`, `text.projection`,
/// `vision.patch_embedding`, `vision.class_embedding`, `vision.position_embedding`,
/// `vision.pre_ln.*`, `vision.post_ln.*`, `vision.projection`, `logit_scale`.
/// Linear weights are (out, in) as in PyTorch.
enum CLIPCheckpoint {
    enum Layout { case huggingFace, openAI }

    static func layout(of file: SafeTensorsFile) throws -> Layout {
        if file.contains("text_model.embeddings.token_embedding.weight") { return .huggingFace }
        if file.contains("token_embedding.weight") && file.contains("visual.conv1.weight") { return .openAI }
        throw CLIPError.unknownLayout(path: file.path)
    }

    /// The shapes every internal tensor must have under `c`.
    static func expectedShapes(_ c: CLIPConfiguration) -> [String: [Int]] {
        var shapes: [String: [Int]] = ["logit_scale": []]
        for (tower, t) in [("text", c.text), ("vision", c.vision)] {
            for i in 0..<t.layers {
                let p = "\(tower).blocks.\(i)."
                for ln in ["ln1", "ln2"] { shapes[p + ln + ".weight"] = [t.width]; shapes[p + ln + ".bias"] = [t.width] }
                for part in ["q", "k", "v", "out"] {
                    shapes[p + "attn.\(part).weight"] = [t.width, t.width]
                    shapes[p + "attn.\(part).bias"] = [t.width]
                }
                shapes[p + "mlp.fc1.weight"] = [t.mlpWidth, t.width]
                shapes[p + "mlp.fc1.bias"] = [t.mlpWidth]
                shapes[p + "mlp.fc2.weight"] = [t.width, t.mlpWidth]
                shapes[p + "mlp.fc2.bias"] = [t.width]
            }
            shapes["\(tower).projection"] = [c.projectionWidth, t.width]
        }
        shapes["text.token_embedding"] = [c.vocabularySize, c.text.width]
        shapes["text.position_embedding"] = [c.contextLength, c.text.width]
        shapes["text.final_ln.weight"] = [c.text.width]
        shapes["text.final_ln.bias"] = [c.text.width]
        shapes["vision.patch_embedding"] = [c.vision.width, 3, c.patchSize, c.patchSize]
        shapes["vision.class_embedding"] = [c.vision.width]
        shapes["vision.position_embedding"] = [c.visionTokens, c.vision.width]
        for ln in ["pre_ln", "post_ln"] {
            shapes["vision.\(ln).weight"] = [c.vision.width]
            shapes["vision.\(ln).bias"] = [c.vision.width]
        }
        return shapes
    }

    /// How each internal tensor is assembled from a file's tensors.
    enum Source {
        case tensor(String)
        case transposed(String)
        /// Rows `part·n/count ..< (part+1)·n/count` of a tensor stacking `count` parts (OpenAI's
        /// fused q, k, v `in_proj`).
        case part(String, index: Int, of: Int)
    }

    static func sources(_ layout: Layout, _ c: CLIPConfiguration) -> [String: Source] {
        var s: [String: Source] = [:]
        switch layout {
        case .huggingFace:
            for (tower, model, t) in [("text", "text_model", c.text), ("vision", "vision_model", c.vision)] {
                for i in 0..<t.layers {
                    let p = "\(tower).blocks.\(i).", h = "\(model).encoder.layers.\(i)."
                    for (ours, theirs) in [("ln1", "layer_norm1"), ("ln2", "layer_norm2"), ("attn.out", "self_attn.out_proj"),
                                           ("attn.q", "self_attn.q_proj"), ("attn.k", "self_attn.k_proj"), ("attn.v", "self_attn.v_proj"),
                                           ("mlp.fc1", "mlp.fc1"), ("mlp.fc2", "mlp.fc2")] {
                        s[p + ours + ".weight"] = .tensor(h + theirs + ".weight")
                        s[p + ours + ".bias"] = .tensor(h + theirs + ".bias")
                    }
                }
            }
            s["text.token_embedding"] = .tensor("text_model.embeddings.token_embedding.weight")
            s["text.position_embedding"] = .tensor("text_model.embeddings.position_embedding.weight")
            s["text.final_ln.weight"] = .tensor("text_model.final_layer_norm.weight")
            s["text.final_ln.bias"] = .tensor("text_model.final_layer_norm.bias")
            s["text.projection"] = .tensor("text_projection.weight")
            s["vision.patch_embedding"] = .tensor("vision_model.embeddings.patch_embedding.weight")
            s["vision.class_embedding"] = .tensor("vision_model.embeddings.class_embedding")
            s["vision.position_embedding"] = .tensor("vision_model.embeddings.position_embedding.weight")
            for (ours, theirs) in [("pre_ln", "pre_layrnorm"), ("post_ln", "post_layernorm")] {
                s["vision.\(ours).weight"] = .tensor("vision_model.\(theirs).weight")
                s["vision.\(ours).bias"] = .tensor("vision_model.\(theirs).bias")
            }
            s["vision.projection"] = .tensor("visual_projection.weight")
        case .openAI:
            for (tower, prefix, t) in [("text", "", c.text), ("vision", "visual.", c.vision)] {
                for i in 0..<t.layers {
                    let p = "\(tower).blocks.\(i).", o = "\(prefix)transformer.resblocks.\(i)."
                    for (ours, theirs) in [("ln1", "ln_1"), ("ln2", "ln_2"), ("attn.out", "attn.out_proj"),
                                           ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")] {
                        s[p + ours + ".weight"] = .tensor(o + theirs + ".weight")
                        s[p + ours + ".bias"] = .tensor(o + theirs + ".bias")
                    }
                    for (index, part) in ["q", "k", "v"].enumerated() {
                        s[p + "attn.\(part).weight"] = .part(o + "attn.in_proj_weight", index: index, of: 3)
                        s[p + "attn.\(part).bias"] = .part(o + "attn.in_proj_bias", index: index, of: 3)
                    }
                }
            }
            s["text.token_embedding"] = .tensor("token_embedding.weight")
            s["text.position_embedding"] = .tensor("positional_embedding")
            s["text.final_ln.weight"] = .tensor("ln_final.weight")
            s["text.final_ln.bias"] = .tensor("ln_final.bias")
            s["text.projection"] = .transposed("text_projection")
            s["vision.patch_embedding"] = .tensor("visual.conv1.weight")
            s["vision.class_embedding"] = .tensor("visual.class_embedding")
            s["vision.position_embedding"] = .tensor("visual.positional_embedding")
            for (ours, theirs) in [("pre_ln", "ln_pre"), ("post_ln", "ln_post")] {
                s["vision.\(ours).weight"] = .tensor("visual.\(theirs).weight")
                s["vision.\(ours).bias"] = .tensor("visual.\(theirs).bias")
            }
            s["vision.projection"] = .transposed("visual.proj")
        }
        s["logit_scale"] = .tensor("logit_scale")
        return s
    }

    /// Infers the architecture of an OpenAI/open_clip state dict from its shapes, as
    /// open_clip's `build_model_from_openai_state_dict` does (64-wide heads, QuickGELU).
    static func inferConfiguration(_ file: SafeTensorsFile) throws -> CLIPConfiguration {
        func shape(_ name: String) throws -> [Int] {
            guard file.contains(name) else { throw CLIPError.missingTensor(path: file.path, name: name) }
            return try file.entry(name).shape
        }
        func layers(_ prefix: String) -> Int {
            var n = 0
            while file.contains("\(prefix)transformer.resblocks.\(n).attn.in_proj_weight") { n += 1 }
            return n
        }
        let conv = try shape("visual.conv1.weight"), positions = try shape("visual.positional_embedding")
        let textWidth = try shape("ln_final.weight")[0]
        let grid = Int(Double(positions[0] - 1).squareRoot().rounded())
        return CLIPConfiguration(
            text: TowerConfiguration(width: textWidth, layers: layers(""), heads: textWidth / 64,
                                     mlpWidth: try shape("transformer.resblocks.0.mlp.c_fc.weight")[0]),
            vision: TowerConfiguration(width: conv[0], layers: layers("visual."), heads: conv[0] / 64,
                                       mlpWidth: try shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0]),
            vocabularySize: try shape("token_embedding.weight")[0],
            contextLength: try shape("positional_embedding")[0],
            imageSize: conv[3] * grid, patchSize: conv[3],
            projectionWidth: try shape("text_projection")[1])
    }

    /// Reads and validates every tensor the configuration needs.
    static func load(_ file: SafeTensorsFile, configuration c: CLIPConfiguration) throws -> [String: Tensor] {
        let layout = try layout(of: file)
        try rejectExtraLayers(file, layout, c)
        let expected = expectedShapes(c)
        var tensors: [String: Tensor] = [:]
        for (name, source) in sources(layout, c).sorted(by: { $0.key < $1.key }) {
            // Reads `n` and checks it has the shape the file must store it in.
            func read(_ n: String, _ want: [Int]) throws -> Tensor {
                guard file.contains(n) else { throw CLIPError.missingTensor(path: file.path, name: n) }
                let t = try Tensor(file, n)
                guard t.shape == want else { throw CLIPError.shapeMismatch(path: file.path, name: n, expected: want, found: t.shape) }
                return t
            }
            let want = expected[name]!
            switch source {
            case .tensor(let n):
                tensors[name] = try read(n, want)
            case .transposed(let n):
                tensors[name] = try read(n, want.reversed()).transposed()
            case .part(let n, let index, let count):
                let rows = want[0]
                tensors[name] = try read(n, [rows * count] + want.dropFirst()).slice(alongAxis: 0, (index * rows)..<((index + 1) * rows))
            }
        }
        return tensors
    }

    /// A layer past the configured depth means the configuration and the weights disagree.
    static func rejectExtraLayers(_ file: SafeTensorsFile, _ layout: Layout, _ c: CLIPConfiguration) throws {
        let towers: [(String, Int)] = layout == .huggingFace
            ? [("text_model.encoder.layers.", c.text.layers), ("vision_model.encoder.layers.", c.vision.layers)]
            : [("transformer.resblocks.", c.text.layers), ("visual.transformer.resblocks.", c.vision.layers)]
        for name in file.names {
            for (prefix, layers) in towers where name.hasPrefix(prefix) {
                if let index = Int(name.dropFirst(prefix.count).prefix { $0 != "." }), index >= layers {
                    throw CLIPError.unexpectedTensor(path: file.path, name: name,
                                                     reason: "the configuration has \(layers) layers in this tower")
                }
            }
        }
    }
}
