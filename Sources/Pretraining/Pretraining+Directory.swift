import CLIP
import Datasets
import Foundation
import TensorIO

extension Pretraining {
    /// Writes a Hugging Face CLIP directory that every later step loads through the ordinary
    /// path (`CLIPModel(directory:)`, `CLIPTokenizer(modelDirectory:)`,
    /// `CLIPPreprocessor(configFile:)`): `config.json`, `model.safetensors`, `vocab.json`,
    /// `merges.txt` and `preprocessor_config.json`, each written atomically.
    ///
    /// - Throws: `AtomicFileError` naming the file, or the error creating `directory`.
    public static func writeDirectory(_ directory: String, model: CLIPModel, vocabulary: VocabularyBuilder,
                                      preprocessor: CLIPPreprocessor) throws {
        try model.writeHuggingFace(directory: directory, startOfTextID: vocabulary.startOfTextID,
                                   endOfTextID: vocabulary.endOfTextID)
        try vocabulary.write(directory: directory)
        try AtomicFile.write(preprocessorJSON(preprocessor).serialized(pretty: true) + "\n",
                             to: (directory as NSString).appendingPathComponent("preprocessor_config.json"))
    }

    /// A Hugging Face `CLIPImageProcessor` configuration for `preprocessor` (bicubic
    /// `resample: 3`, rescale by 1/255, normalise).
    static func preprocessorJSON(_ p: CLIPPreprocessor) -> JSONValue {
        // Shortest decimal forms, which read back as the same Floats.
        func floats(_ xs: [Float]) -> JSONValue { .array(xs.map { .double(Double("\($0)")!) }) }
        return .object(JSONObject([
            ("crop_size", .object(JSONObject([("height", .int(Int64(p.cropHeight))), ("width", .int(Int64(p.cropWidth)))]))),
            ("do_center_crop", true),
            ("do_convert_rgb", true),
            ("do_normalize", true),
            ("do_rescale", true),
            ("do_resize", true),
            ("image_mean", floats(p.mean)),
            ("image_processor_type", "CLIPImageProcessor"),
            ("image_std", floats(p.std)),
            ("resample", 3),
            ("rescale_factor", .double(1.0 / 255.0)),
            ("size", .object(JSONObject([("shortest_edge", .int(Int64(p.shortestEdge)))]))),
        ]))
    }
}
