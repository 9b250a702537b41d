import AutoDiff
import CLIP
import MetaLearning
import TensorIO

/// Builds a method's initial state for a CLIP model.
public enum MethodFactory {
    /// Initial prompts as the official IVLP/ProMetaR code makes them: the text context from
    /// the token embeddings of `ctx_init` ("a photo of a") when it has ≤ 4 tokens, every other
    /// prompt N(0, 0.02²), drawn from `stream` in sorted-name order.
    public static func initialPrompts(_ c: MethodConfiguration, model: CLIPModel, tokenizer: CLIPTokenizer,
                                      stream: inout RandomStream) -> [String: Tensor] {
        let shapes = c.promptShapes(textWidth: model.configuration.text.width, visionWidth: model.configuration.vision.width)
        var prompts: [String: Tensor] = [:]
        for name in shapes.keys.sorted() {
            if name == "text.ctx", c.textTokens <= 4, !c.contextInit.isEmpty {
                let ids = Array(tokenizer.encode(c.contextInit.replacingOccurrences(of: "_", with: " ")).prefix(c.textTokens))
                if ids.count == c.textTokens {
                    prompts[name] = model.weights["text.token_embedding"]!.indexSelect(alongAxis: 0, ids)
                    continue
                }
            }
            prompts[name] = Tensor.normal(shapes[name]!, std: 0.02, stream: &stream)
        }
        return prompts
    }

    /// The method `c.method` with fresh state; prompt tuning from a GRAM output
    /// (``PromptTuning/start(fromGRAM:)``) when `gramInitialisation` is given.
    /// - Throws: ``ConfigurationError`` for a GRAM initialisation of a method that is not
    ///   prompt tuning; the initialisation's own errors (file, tensor, shape).
    public static func make(_ c: MethodConfiguration, model: CLIPModel, tokenizer: CLIPTokenizer, seed: UInt64,
                            gramInitialisation: SafeTensorsFile? = nil) throws -> any PromptMethod {
        var stream = RandomStream(seed: seed, initialStatePurpose)
        let prompts = initialPrompts(c, model: model, tokenizer: tokenizer, stream: &stream)
        if gramInitialisation != nil && !MethodConfiguration.promptTuningMethods.contains(c.method) {
            throw ConfigurationError("a GRAM initialisation (--init) applies to \(MethodConfiguration.promptTuningMethods.joined(separator: ", ")), not \(c.method)")
        }
        switch c.method {
        case "prometar":
            let regulator = GradientGate.initialWeights(promptShapes: prompts.mapValues(\.shape), dimRate: c.prometar.dimRate, stream: &stream)
            return ProMetaRMethod(state: ProMetaRState(prompts: prompts, regulator: regulator, promptOptimizer: c.promptOptimizer.sgd,
                                                       regulatorOptimizer: c.regulatorOptimizer.sgd),
                                  configuration: c.prometar)
        case "gram":
            return gram(c, prompts: prompts, stream: &stream)
        default:
            var tuning = PromptTuning(name: c.method, prompts: prompts, optimizer: c.promptOptimizer.sgd,
                                      textRegWeight: c.textRegWeight, imageRegWeight: c.imageRegWeight, logitRegWeight: c.logitRegWeight,
                                      aggregation: c.gpa)
            if let gramInitialisation { try tuning.start(fromGRAM: gramInitialisation) }
            return tuning
        }
    }

    /// GRAM's meta-learner with fresh state (the configuration must be GRAM's).
    public static func gram(_ c: MethodConfiguration, model: CLIPModel, tokenizer: CLIPTokenizer, seed: UInt64) -> GRAMMetaLearner {
        precondition(c.method == "gram", "a GRAM meta-learner from the \(c.method) configuration")
        var stream = RandomStream(seed: seed, initialStatePurpose)
        let prompts = initialPrompts(c, model: model, tokenizer: tokenizer, stream: &stream)
        return gram(c, prompts: prompts, stream: &stream)
    }

    /// Stream purpose of a method's initial state.
    static let initialStatePurpose: UInt64 = 0x1417

    static func gram(_ c: MethodConfiguration, prompts: [String: Tensor], stream: inout RandomStream) -> GRAMMetaLearner {
        let regulator = GRAMRegulator.identity(promptShapes: prompts.mapValues(\.shape), groupSize: c.gram.groupSize, stream: &stream)
        return GRAMMetaLearner(initialisation: prompts, regulator: regulator, initialisationOptimizer: c.promptOptimizer.sgd,
                               regulatorOptimizer: c.regulatorOptimizer.sgd, configuration: c.gram)
    }

    /// Class prompts for the method: "X … X {name}." with the text context's X tokens, or
    /// CLIP's "a photo of a {name}." when the text tower has no prompt.
    public static func classifier(_ c: MethodConfiguration, model: CLIPModel, tokenizer: CLIPTokenizer, classNames: [String]) -> CLIPClassifier {
        if c.textTokens == 0 {
            return CLIPClassifier(model: model, classTokens: tokenizer.tokenize(classNames.map { ClassPrompt.fill(EvaluationPrompts.defaultTemplate, $0) },
                                                                                contextLength: model.configuration.contextLength))
        }
        return CLIPClassifier(model: model, tokenizer: tokenizer, classNames: classNames, contextTokens: c.textTokens)
    }

    /// Checks that the prompts fit the model: deep prompts go before layers 1…L−1, so a
    /// tower's depth may not exceed its layer count.
    public static func validate(_ c: MethodConfiguration, for model: CLIPConfiguration) throws {
        if c.textDepth > model.text.layers {
            throw ConfigurationError("depth_text \(c.textDepth) exceeds the model's \(model.text.layers) text layers")
        }
        if c.visionDepth > model.vision.layers {
            throw ConfigurationError("depth_vision \(c.visionDepth) exceeds the model's \(model.vision.layers) vision layers")
        }
    }

    /// Whether the method's step needs the frozen text target (the text regulariser's, and
    /// PromptSRC's zero-shot logits are built on it).
    public static func needsTextTarget(_ c: MethodConfiguration) -> Bool {
        c.method == "prometar" || c.textRegWeight != 0 || c.logitRegWeight != 0
    }
}
