import CLIP
import Datasets
import Foundation

/// A CLIP model directory loaded: the model, its tokenizer and its image preprocessing —
/// what every job (train, eval, step, GRAM, the sweeps) starts from.
public struct CLIPBundle: Sendable {
    public let model: CLIPModel
    public let tokenizer: CLIPTokenizer
    public let preprocessor: CLIPPreprocessor

    /// - Precondition: the preprocessor crops to the model's square input.
    public init(model: CLIPModel, tokenizer: CLIPTokenizer, preprocessor: CLIPPreprocessor) {
        let s = model.configuration.imageSize
        precondition(preprocessor.cropWidth == s && preprocessor.cropHeight == s,
                     "preprocessing crops to \(preprocessor.cropWidth)x\(preprocessor.cropHeight) but the model takes \(s)x\(s)")
        self.model = model
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
    }

    /// Loads the model, its tokenizer and its preprocessing from a Hugging Face CLIP directory.
    /// Without `preprocessor_config.json` (an OpenAI state dict) the preprocessing is
    /// `clip._transform(image size)`: OpenAI's constants, resize and crop to the model's size.
    ///
    /// - Throws: `CLIPError`/`SafeTensorsError`/`TokenizerError`/`DatasetError` naming the file;
    ///   ``ConfigurationError`` naming `preprocessor_config.json` when its preprocessing does
    ///   not produce the model's input size.
    public init(directory: String) throws {
        let model = try CLIPModel(directory: directory)
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)
        let configPath = (directory as NSString).appendingPathComponent("preprocessor_config.json")
        let s = model.configuration.imageSize
        let preprocessor: CLIPPreprocessor
        if FileManager.default.fileExists(atPath: configPath) {
            preprocessor = try CLIPPreprocessor(configFile: configPath)
            guard preprocessor.cropWidth == s, preprocessor.cropHeight == s else {
                throw ConfigurationError("\(configPath): crop_size \(preprocessor.cropWidth)x\(preprocessor.cropHeight) differs from the model's image size \(s)x\(s)")
            }
        } else {
            preprocessor = CLIPPreprocessor(shortestEdge: s, cropSize: s)
        }
        self.init(model: model, tokenizer: tokenizer, preprocessor: preprocessor)
    }
}
