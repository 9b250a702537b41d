import TensorIO

extension CLIPConfiguration {
    /// A Hugging Face `config.json` for this architecture: every field ``load(path:)`` reads
    /// (`text_config` / `vision_config` with `hidden_size`, `num_hidden_layers`,
    /// `num_attention_heads`, `intermediate_size`, `hidden_act`, `layer_norm_eps`; text
    /// `vocab_size`, `max_position_embeddings`; vision `image_size`, `patch_size`;
    /// `projection_dim`, `logit_scale_init_value`) plus what `transformers` needs to build a
    /// `CLIPModel` (`model_type`, `architectures`, token ids).
    public func huggingFaceJSON(startOfTextID: Int, endOfTextID: Int) -> JSONValue {
        // Floats go through their shortest decimal form, so 1e-5 is written "1e-05", not the
        // Float's exact binary value 9.99999974738e-06, and reads back as the same Float.
        func decimal(_ x: Float) -> JSONValue { .double(Double("\(x)")!) }
        func tower(_ t: TowerConfiguration, _ extra: [(String, JSONValue)]) -> JSONValue {
            .object(JSONObject([
                ("hidden_size", .int(Int64(t.width))),
                ("intermediate_size", .int(Int64(t.mlpWidth))),
                ("num_attention_heads", .int(Int64(t.heads))),
                ("num_hidden_layers", .int(Int64(t.layers))),
                ("hidden_act", .string(t.activation.rawValue)),
                ("layer_norm_eps", decimal(t.layerNormEpsilon)),
                ("projection_dim", .int(Int64(projectionWidth))),
            ] + extra))
        }
        return .object(JSONObject([
            ("architectures", .array(["CLIPModel"])),
            ("model_type", "clip"),
            ("torch_dtype", "float32"),
            ("projection_dim", .int(Int64(projectionWidth))),
            ("logit_scale_init_value", decimal(logitScaleInit)),
            ("text_config", tower(text, [
                ("model_type", "clip_text_model"),
                ("vocab_size", .int(Int64(vocabularySize))),
                ("max_position_embeddings", .int(Int64(contextLength))),
                ("bos_token_id", .int(Int64(startOfTextID))),
                ("eos_token_id", .int(Int64(endOfTextID))),
                ("pad_token_id", .int(Int64(CLIPTokenizer.padding))),
            ])),
            ("vision_config", tower(vision, [
                ("model_type", "clip_vision_model"),
                ("image_size", .int(Int64(imageSize))),
                ("patch_size", .int(Int64(patchSize))),
                ("num_channels", 3),
            ])),
        ]))
    }
}
