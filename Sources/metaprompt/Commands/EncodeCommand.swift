import AutoDiff
import CLIP
import Foundation
import TensorIO

/// `metaprompt encode`: CLIP features and logits for texts and preprocessed images.
struct EncodeCommand: Command {
    static let configuration = CommandConfiguration(
        name: "encode",
        summary: "CLIP text/image embeddings and logits to safetensors",
        discussion: """
            Writes the projected (not normalised) CLIP features of what was given: text_embeds
            [N, P] for --texts, image_embeds [B, P] for --pixels, and logits_per_image [B, N]
            when both were.
            """)

    @Option(valueName: "DIR",
            help: "a Hugging Face CLIP directory (config.json, model.safetensors, vocab.json, merges.txt) or an OpenAI/open_clip state dict saved as DIR/model.safetensors")
    var model: String
    @Option(valueName: "FILE", help: "UTF-8 text file, one text per line") var texts: String?
    @Option(valueName: "FILE", help: "safetensors with pixel_values F32 [B, 3, S, S], already preprocessed (S = the model's image size)")
    var pixels: String?
    @Option(valueName: "FILE", help: "safetensors to write (atomically)") var out: String

    func validate() throws {
        guard texts != nil || pixels != nil else { throw UsageError("give --texts, --pixels or both") }
    }

    func run() throws {
        let directory = self.model
        let textsPath = self.texts, pixelsPath = self.pixels

        // Read and check every input before the (slow) model load.
        let texts = try textsPath.map(readLines)
        let pixels = try pixelsPath.map { path -> Tensor in
            let file = try SafeTensorsFile(path: path)
            guard file.contains("pixel_values") else { throw SafeTensorsError.missingTensor(path: path, name: "pixel_values") }
            return try Tensor(file, "pixel_values")
        }
        let model = try CLIPModel(directory: directory)
        var outputs: [String: Tensor] = [:]
        try withoutGradient {
            if let texts {
                let tokenizer = try CLIPTokenizer(modelDirectory: directory)
                outputs["text_embeds"] = model.encodeText(tokenizer.tokenize(texts, contextLength: model.configuration.contextLength))
            }
            if let pixels, let pixelsPath {
                let s = model.configuration.imageSize
                guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape.dropFirst()) == [3, s, s] else {
                    throw InputError(description: "\(pixelsPath): tensor 'pixel_values' has shape \(pixels.shape), expected [B, 3, \(s), \(s)] for this model")
                }
                outputs["image_embeds"] = model.encodeImages(pixels)
            }
        }
        if let t = outputs["text_embeds"], let i = outputs["image_embeds"] {
            outputs["logits_per_image"] = withoutGradient { model.logits(imageFeatures: i, textFeatures: t) }
        }
        try Tensor.save(outputs, to: out)
    }
}
