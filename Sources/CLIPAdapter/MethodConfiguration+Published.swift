import TensorIO

extension MethodConfiguration {
    /// The official trainer's name (`--trainer` of the official scripts, the `<method>` folder
    /// of their output trees): `ZeroshotCLIP` (CoOp `trainers/zsclip.py`), `CoOp`, `VPT`,
    /// `IVLP`, `PromptSRC`, `ProMetaR`, `GRAM`.
    public static func trainerName(for method: String) -> String? {
        switch method {
        case "zeroshot": "ZeroshotCLIP"
        case "coop": "CoOp"
        case "vpt": "VPT"
        case "ivlp": "IVLP"
        case "promptsrc": "PromptSRC"
        case "prometar": "ProMetaR"
        case "gram": "GRAM"
        default: nil
        }
    }

    /// The official config file whose settings are the method's defaults (``defaults(for:)``
    /// cites each), without `.yaml`: the `<cfg>` folder of the official scripts' trees. Zero-shot
    /// CLIP reads CoOp's `vit_b16` for its backbone (`scripts/coop/zeroshot.sh`).
    public static func publishedConfigName(for method: String) -> String? {
        switch method {
        case "zeroshot", "coop": "vit_b16"
        case "vpt": "vit_b16_c2_ep5_batch4_4"
        case "ivlp", "promptsrc": "vit_b16_c2_ep20_batch4_4+4ctx"
        case "prometar": "vit_b16_c2_ep10_batch4_4+4ctx"
        default: nil
        }
    }

    /// GRAM's settings as a sweep runs them (GRAM's paper: its initialisation and regulator
    /// under CoOp, VPT and both): the base method, and the prompt shapes GRAM meta-trains and the
    /// base method then has — 4 tokens at depth 1 on the base method's side(s), GRAM's default
    /// shape (``defaults(for:)``).
    public static let gramVariants: [(name: String, trainer: String, base: String, shape: [(String, JSONValue)])] = [
        ("gram_coop", "GRAM_CoOp", "coop", [("n_ctx_text", .int(4)), ("n_ctx_vision", .int(0)), ("depth_text", .int(1)), ("depth_vision", .int(0))]),
        ("gram_vpt", "GRAM_VPT", "vpt", [("n_ctx_text", .int(0)), ("n_ctx_vision", .int(4)), ("depth_text", .int(0)), ("depth_vision", .int(1))]),
        ("gram_ivlp", "GRAM_IVLP", "ivlp", [("n_ctx_text", .int(4)), ("n_ctx_vision", .int(4)), ("depth_text", .int(1)), ("depth_vision", .int(1))]),
    ]
}
