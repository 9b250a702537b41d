import AutoDiff
import CLIP
import Foundation
import TensorIO

/// `metaprompt encode`: CLIP features and logits for texts and preprocessed images.
enum EncodeCommand: Command {
    static let name = "encode"
    static let summary = "CLIP text/image embeddings and logits to safetensors"
    static let usage = """
        usage: metaprompt encode --model DIR [--texts FILE] [--pixels FILE] --out FILE

        --texts   UTF-8 text file, one text per line
        --pixels  safetensors with pixel_values F32 [B, 3, S, S], already preprocessed
                  (S = the model's image size)
        --out     safetensors to write (atomically): text_embeds [N, P] and image_embeds
                  [B, P] (projected, not normalised) for what was given, and
                  logits_per_image [B, N] when both were

        DIR is a Hugging Face CLIP directory (config.json, model.safetensors, vocab.json,
        merges.txt) or an OpenAI/open_clip state dict saved as DIR/model.safetensors.
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["model", "texts", "pixels", "out"])
        if args.wantsHelp { print(usage); return }
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        let directory = try args.required("model"), out = try args.required("out")
        let textsPath = args.string("texts"), pixelsPath = args.string("pixels")
        guard textsPath != nil || pixelsPath != nil else { throw UsageError("give --texts, --pixels or both") }

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
