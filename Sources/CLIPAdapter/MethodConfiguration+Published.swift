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
}
