import AutoDiff
import CLIP
import CLIPAdapter
import TensorIO

/// How an evaluation makes its class features (text side) and, for learned prompts, what the
/// vision tower receives.
public enum EvaluationPrompts: Sendable {
    /// How the ensemble averages its templates' features.
    public enum Averaging: String, CaseIterable, Sendable {
        /// Each template's features L2-normalised, averaged, normalised again: CLIP's
        /// `zeroshot_classifier` (notebook *Prompt_Engineering_for_ImageNet*) and CoOp's
        /// `ZeroshotCLIP2`. What zero-shot ensemble numbers in papers use.
        case normalized
        /// The unnormalised projected features averaged, then normalised: PromptSRC's and
        /// ProMetaR's `fixed_embeddings` (the text regulariser's target,
        /// ``CLIPClassifier/frozenTextTarget(templateTokens:)``).
        case raw
    }

    /// Zero-shot CLIP: class c's prompt is the template with its name for `{}`
    /// (CoOp's `ZeroshotCLIP`, default "a photo of a {}.").
    case template(String)
    /// Zero-shot CLIP with a template ensemble (default: the 60 of ``ImageNetTemplates/all``).
    case ensemble(templates: [String], averaging: Averaging)
    /// Learned prompts (CoOp, VPT, IVLP, ProMetaR, GRAM): with a text prompt the class prompts
    /// are "X … X {name}." (one X per context row, as ``MethodFactory/classifier(_:model:tokenizer:classNames:)``)
    /// with the context in place of the X's; without one, "a photo of a {name}.".
    case learned(text: TowerPrompts?, vision: TowerPrompts?)

    /// CLIP's default zero-shot prompt (``ClassPrompt/defaultTemplate``).
    public static let defaultTemplate = ClassPrompt.defaultTemplate

    /// The 60-template ensemble with CLIP's averaging.
    public static var imageNetEnsemble: EvaluationPrompts { .ensemble(templates: ImageNetTemplates.all, averaging: .normalized) }

    /// A single template, checked for its `{}`.
    /// - Throws: ``EvaluationError/templateWithoutPlaceholder(template:)``.
    public static func checkedTemplate(_ template: String) throws -> EvaluationPrompts {
        guard template.contains("{}") else { throw EvaluationError.templateWithoutPlaceholder(template: template) }
        return .template(template)
    }

    /// A short name for results files: `zeroshot`, `zeroshot-ensemble` or `prompts`.
    public var method: String {
        switch self {
        case .template: "zeroshot"
        case .ensemble: "zeroshot-ensemble"
        case .learned: "prompts"
        }
    }

    /// The class prompt with `{}` for the name, when there is one template: the zero-shot
    /// template, "X X X X {}." for learned text prompts, "a photo of a {}." for vision-only
    /// prompts; `nil` for an ensemble.
    public var classTemplate: String? {
        switch self {
        case .template(let t): t
        case .ensemble: nil
        case .learned(let text, _):
            if let text { Array(repeating: "X", count: text.count).joined(separator: " ") + " {}." } else { Self.defaultTemplate }
        }
    }

    /// Reads learned prompts from a safetensors file (`metaprompt train`'s output, a `step`
    /// state, or a converted PyTorch prompt learner): `text.ctx` (n, text width) and
    /// `text.deep.<l>`, `vision.ctx` (m, vision width) and `vision.deep.<l>`, l = 1, 2, …
    /// without gaps and below the tower's layer count, each deep prompt shaped as its tower's
    /// context. Tensors outside these names (regulator weights, optimiser state) are ignored.
    ///
    /// - Throws: `SafeTensorsError` for an unreadable file; ``EvaluationError/badPrompts(path:message:)``
    ///   naming the tensor and its shape when a prompt does not fit `configuration`, a tower has
    ///   deep prompts without its context, or the file holds no prompt at all.
    public static func load(contentsOf path: String, configuration: CLIPConfiguration) throws -> EvaluationPrompts {
        let file = try SafeTensorsFile(path: path)
        func fail(_ message: String) -> EvaluationError { .badPrompts(path: path, message: message) }
        func tower(_ name: String, _ c: TowerConfiguration) throws -> TowerPrompts? {
            let prefix = name + "."
            let names = file.names.filter { $0 == prefix + "ctx" || $0.hasPrefix(prefix + "deep.") }
            guard !names.isEmpty else { return nil }
            let contextName = prefix + "ctx"
            guard file.contains(contextName) else {
                let first = names.sorted()[0]
                throw fail("tensor '\(contextName)' is missing (the file has '\(first)' \(try file.entry(first).shape) but no context for the \(name) tower)")
            }
            let contextShape = try file.entry(contextName).shape
            guard contextShape.count == 2, contextShape[0] >= 1, contextShape[1] == c.width else {
                throw fail("tensor '\(contextName)' has shape \(contextShape), expected [n, \(c.width)] (n ≥ 1 prompt tokens of the model's \(name) width \(c.width))")
            }
            if name == "text" {
                // SOT, n context tokens, at least the full stop, EOT.
                let room = configuration.contextLength - 3
                guard contextShape[0] <= room else {
                    throw fail("tensor '\(contextName)' has shape \(contextShape): at most \(room) text prompt tokens fit the \(configuration.contextLength)-token context")
                }
            }
            var deep: [Tensor] = []
            for deepName in names where deepName != contextName {
                let suffix = deepName.dropFirst((prefix + "deep.").count)
                guard let layer = Int(suffix), String(layer) == suffix, layer >= 1 else {
                    throw fail("tensor '\(deepName)' is not a deep prompt name (expected \(prefix)deep.<layer>, layer ≥ 1)")
                }
                guard layer < c.layers else {
                    throw fail("tensor '\(deepName)' \(try file.entry(deepName).shape) is beyond the model's \(c.layers) \(name) layers (deep prompts go before layers 1…\(c.layers - 1))")
                }
            }
            let layers = names.count - 1
            for layer in stride(from: 1, through: layers, by: 1) {
                let deepName = "\(prefix)deep.\(layer)"
                guard file.contains(deepName) else {
                    throw fail("tensor '\(deepName)' is missing: deep prompts must run \(prefix)deep.1…\(prefix)deep.\(layers) without gaps")
                }
                let shape = try file.entry(deepName).shape
                guard shape == contextShape else {
                    throw fail("tensor '\(deepName)' has shape \(shape), expected \(contextShape) as '\(contextName)'")
                }
                deep.append(try Tensor(file, deepName))
            }
            return TowerPrompts(context: try Tensor(file, contextName), deep: deep)
        }
        let text = try tower("text", configuration.text)
        let vision = try tower("vision", configuration.vision)
        guard text != nil || vision != nil else {
            let found = file.names.isEmpty ? "no tensors" : "tensors " + file.names.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (file.names.count > 5 ? ", …" : "")
            throw fail("no prompt tensors: expected 'text.ctx' [n, \(configuration.text.width)] and/or 'vision.ctx' [m, \(configuration.vision.width)], found \(found)")
        }
        return .learned(text: text, vision: vision)
    }
}
