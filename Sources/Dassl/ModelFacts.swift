import CLIP
import Datasets
import Foundation

/// What a model directory holds, as a Dassl config's `INPUT.SIZE`, `INPUT.PIXEL_MEAN`,
/// `INPUT.PIXEL_STD` and `MODEL.BACKBONE.NAME` are checked against.
public struct ModelFacts: Sendable, Equatable {
    /// The side of the square input (`vision_config.image_size`).
    public var imageSize: Int
    /// OpenAI's name of the architecture (`ViT-B/16`), nil when it is none of theirs.
    public var backbone: String?
    /// The normalisation of `preprocessor_config.json` (OpenAI's without one).
    public var pixelMean: [Float]
    public var pixelStd: [Float]

    public init(imageSize: Int, backbone: String?, pixelMean: [Float], pixelStd: [Float]) {
        self.imageSize = imageSize
        self.backbone = backbone
        self.pixelMean = pixelMean
        self.pixelStd = pixelStd
    }

    /// Reads `config.json` and `preprocessor_config.json` of a Hugging Face CLIP directory
    /// (not the weights).
    /// - Throws: `CLIPError` / `DatasetError` naming the file.
    public init(directory: String) throws {
        let configuration = try CLIPConfiguration.load(path: (directory as NSString).appendingPathComponent("config.json"))
        let preprocessorPath = (directory as NSString).appendingPathComponent("preprocessor_config.json")
        let preprocessor = FileManager.default.fileExists(atPath: preprocessorPath)
            ? try CLIPPreprocessor(configFile: preprocessorPath) : CLIPPreprocessor(shortestEdge: configuration.imageSize, cropSize: configuration.imageSize)
        self.init(imageSize: configuration.imageSize, backbone: Self.backboneName(of: configuration),
                  pixelMean: preprocessor.mean, pixelStd: preprocessor.std)
    }

    /// OpenAI's CLIP ViTs by the names `clip.load` takes (the ResNets have no Hugging Face CLIP).
    public static let openAIBackbones: [(name: String, configuration: CLIPConfiguration)] = {
        var large336 = CLIPConfiguration.vitL14
        large336.imageSize = 336
        return [("ViT-B/16", .vitB16), ("ViT-B/32", .vitB32), ("ViT-L/14", .vitL14), ("ViT-L/14@336px", large336)]
    }()

    /// The OpenAI name of a configuration with the same tower shapes (width, layers, heads, MLP
    /// width), patch, image and projection sizes.
    public static func backboneName(of c: CLIPConfiguration) -> String? {
        func shape(_ t: TowerConfiguration) -> [Int] { [t.width, t.layers, t.heads, t.mlpWidth] }
        return openAIBackbones.first { b in
            let o = b.configuration
            return shape(o.text) == shape(c.text) && shape(o.vision) == shape(c.vision) && o.imageSize == c.imageSize
                && o.patchSize == c.patchSize && o.projectionWidth == c.projectionWidth
        }?.name
    }
}
