import AutoDiff
import Foundation
import TensorIO

/// Writing a model as a Hugging Face CLIP directory, the inverse of ``CLIPModel/init(directory:)``.
extension CLIPModel {
    /// The weights under Hugging Face `CLIPModel` names (`text_model.encoder.layers.N.self_attn.q_proj.weight`,
    /// `visual_projection.weight`, `logit_scale`, …): the inverse of the loader's Hugging Face
    /// mapping, so loading the result gives these weights back bit for bit.
    public var huggingFaceTensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, source) in CLIPCheckpoint.sources(.huggingFace, configuration) {
            guard case .tensor(let theirs) = source else {
                preconditionFailure("the Hugging Face layout maps '\(name)' to a derived tensor")
            }
            out[theirs] = weights[name]!.detached()
        }
        return out
    }

    /// Writes `config.json` (``CLIPConfiguration/huggingFaceJSON(startOfTextID:endOfTextID:)``)
    /// and `model.safetensors` (F32, ``huggingFaceTensors``) into `directory`, creating it;
    /// each file is written atomically. The tokenizer files and `preprocessor_config.json` are
    /// the caller's.
    ///
    /// - Parameters:
    ///   - startOfTextID: the tokenizer's `<|startoftext|>` id, recorded as `bos_token_id`.
    ///   - endOfTextID: its `<|endoftext|>` id, recorded as `eos_token_id` (Hugging Face pools at
    ///     the first `eos_token_id` unless it is 2).
    /// - Throws: `AtomicFileError` naming the file, or the error creating the directory.
    public func writeHuggingFace(directory: String, startOfTextID: Int, endOfTextID: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let config = configuration.huggingFaceJSON(startOfTextID: startOfTextID, endOfTextID: endOfTextID)
        try AtomicFile.write(config.serialized(pretty: true) + "\n", to: prefix + "config.json")
        try Tensor.save(huggingFaceTensors, metadata: ["format": "pt"], to: prefix + "model.safetensors")
    }
}
