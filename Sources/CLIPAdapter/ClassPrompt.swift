/// How CoOp-family trainers turn a dataset's class name into prompt text.
///
/// Every trainer of the field prompts with `classname.replace("_", " ")`: CoOp
/// `trainers/coop.py:98` and `trainers/zsclip.py:43,90`, ProMetaR `trainers/prometar.py:213`
/// (also for the 60-template text target, line 228), PromptSRC `trainers/promptsrc.py:108`.
/// Split files keep the folder-style names (OxfordPets `american_bulldog`, Food101
/// `apple_pie`, UCF101 `Apply_Eye_Makeup`, …); logs, per-class results and results files keep
/// them as they are, and every prompt the project tokenises — class prompts, zero-shot
/// templates, the regularisers' text targets — is built by ``fill(_:_:)``.
public enum ClassPrompt {
    /// CLIP's default zero-shot prompt, also the class prompt of methods without a text prompt.
    public static let defaultTemplate = "a photo of a {}."

    /// The class name as the prompt says it: underscores become spaces.
    public static func name(_ className: String) -> String {
        className.replacingOccurrences(of: "_", with: " ")
    }

    /// `template` with the prompt name of `className` for `{}` (Python's `str.format` /
    /// `str.replace("{}", name)` of the official code).
    public static func fill(_ template: String, _ className: String) -> String {
        template.replacingOccurrences(of: "{}", with: name(className))
    }
}
