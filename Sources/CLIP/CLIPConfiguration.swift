import Foundation
import TensorIO

/// The activation of a transformer's MLP.
public enum Activation: String, Sendable, Equatable {
    /// `x·σ(1.702x)`, OpenAI CLIP's (Hugging Face `quick_gelu`).
    case quickGELU = "quick_gelu"
    /// Exact `x·Φ(x)` (Hugging Face `gelu`).
    case gelu
}

/// The shape of one transformer tower.
public struct TowerConfiguration: Sendable, Equatable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpWidth: Int
    public var activation: Activation
    public var layerNormEpsilon: Float

    public init(width: Int, layers: Int, heads: Int, mlpWidth: Int,
                activation: Activation = .quickGELU, layerNormEpsilon: Float = 1e-5) {
        self.width = width
        self.layers = layers
        self.heads = heads
        self.mlpWidth = mlpWidth
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
    }
}

/// A CLIP model's architecture, as a Hugging Face `config.json` describes it.
public struct CLIPConfiguration: Sendable, Equatable {
    public var text: TowerConfiguration
    public var vision: TowerConfiguration
    public var vocabularySize: Int
    /// Text positions (77 for every released CLIP).
    public var contextLength: Int
    public var imageSize: Int
    public var patchSize: Int
    public var projectionWidth: Int
    public var logitScaleInit: Float

    public init(text: TowerConfiguration, vision: TowerConfiguration, vocabularySize: Int = 49408,
                contextLength: Int = 77, imageSize: Int, patchSize: Int, projectionWidth: Int,
                logitScaleInit: Float = 2.6592) {
        self.text = text
        self.vision = vision
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.projectionWidth = projectionWidth
        self.logitScaleInit = logitScaleInit
    }

    /// Patches per side of the image grid.
    public var gridSize: Int { imageSize / patchSize }
    /// Vision tokens: the class token and one per patch.
    public var visionTokens: Int { gridSize * gridSize + 1 }

    /// OpenAI ViT-B/16 (openai/clip-vit-base-patch16).
    public static let vitB16 = CLIPConfiguration(
        text: TowerConfiguration(width: 512, layers: 12, heads: 8, mlpWidth: 2048),
        vision: TowerConfiguration(width: 768, layers: 12, heads: 12, mlpWidth: 3072),
        imageSize: 224, patchSize: 16, projectionWidth: 512)
    /// OpenAI ViT-B/32.
    public static let vitB32 = CLIPConfiguration(
        text: TowerConfiguration(width: 512, layers: 12, heads: 8, mlpWidth: 2048),
        vision: TowerConfiguration(width: 768, layers: 12, heads: 12, mlpWidth: 3072),
        imageSize: 224, patchSize: 32, projectionWidth: 512)
    /// OpenAI ViT-L/14.
    public static let vitL14 = CLIPConfiguration(
        text: TowerConfiguration(width: 768, layers: 12, heads: 12, mlpWidth: 3072),
        vision: TowerConfiguration(width: 1024, layers: 24, heads: 16, mlpWidth: 4096),
        imageSize: 224, patchSize: 14, projectionWidth: 768)

    /// Reads a Hugging Face CLIP `config.json` (`text_config`, `vision_config`,
    /// `projection_dim`, `logit_scale_init_value`).
    /// - Throws: `CLIPError` naming the file and the key that is missing or wrong.
    public static func load(path: String) throws -> CLIPConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIPError.missingFile(path: path) }
        let root: JSONValue
        do { root = try JSONValue(parsing: data) } catch {
            throw CLIPError.invalidConfiguration(path: path, reason: "not valid JSON: \(error)")
        }
        func section(_ key: String) throws -> JSONValue {
            guard let v = root[key], v.objectValue != nil else {
                throw CLIPError.invalidConfiguration(path: path, reason: "missing object '\(key)'")
            }
            return v
        }
        func int(_ object: JSONValue, _ key: String, _ where_: String, default fallback: Int? = nil) throws -> Int {
            if let v = object[key]?.intValue, v > 0 { return v }
            if object[key] == nil, let fallback { return fallback }
            throw CLIPError.invalidConfiguration(path: path, reason: "'\(where_)\(key)' must be a positive integer, found \(object[key]?.serialized() ?? "nothing")")
        }
        func tower(_ key: String) throws -> TowerConfiguration {
            let t = try section(key)
            let prefix = key + "."
            let width = try int(t, "hidden_size", prefix)
            let heads = try int(t, "num_attention_heads", prefix)
            guard width % heads == 0 else {
                throw CLIPError.invalidConfiguration(path: path, reason: "'\(prefix)hidden_size' \(width) is not divisible by num_attention_heads \(heads)")
            }
            let act = t["hidden_act"]?.stringValue ?? "quick_gelu"
            guard let activation = Activation(rawValue: act) else {
                throw CLIPError.invalidConfiguration(path: path, reason: "'\(prefix)hidden_act' is '\(act)'; supported: quick_gelu, gelu")
            }
            return TowerConfiguration(width: width, layers: try int(t, "num_hidden_layers", prefix), heads: heads,
                                      mlpWidth: try int(t, "intermediate_size", prefix), activation: activation,
                                      layerNormEpsilon: Float(t["layer_norm_eps"]?.doubleValue ?? 1e-5))
        }
        let text = try section("text_config"), vision = try section("vision_config")
        let config = CLIPConfiguration(
            text: try tower("text_config"), vision: try tower("vision_config"),
            vocabularySize: try int(text, "vocab_size", "text_config.", default: 49408),
            contextLength: try int(text, "max_position_embeddings", "text_config.", default: 77),
            imageSize: try int(vision, "image_size", "vision_config."),
            patchSize: try int(vision, "patch_size", "vision_config."),
            projectionWidth: try int(root, "projection_dim", "", default: 512),
            logitScaleInit: Float(root["logit_scale_init_value"]?.doubleValue ?? 2.6592))
        guard config.imageSize % config.patchSize == 0 else {
            throw CLIPError.invalidConfiguration(path: path, reason: "image_size \(config.imageSize) is not a multiple of patch_size \(config.patchSize)")
        }
        return config
    }
}
