import AutoDiff
import CLIP
import Foundation
import MetaLearning

/// A CLIP model and a task's class prompts, as the methods see it (`PromptedModel`).
///
/// Class prompts are CoOp's: n stand-in "X" tokens, the class name and a full stop
/// ("X X X X golden retriever."); the text prompt's context replaces the X tokens.
///
/// Under a group of ranks (one run's), every feature call splits its rows — the class prompts,
/// the images — over the ranks and gathers the features: each rank runs its block of both
/// towers, gradients are summed over every rank's rows in fixed point, and the results have
/// the same bits for any number of ranks (see `UnitSharding`). Every rank of the group must
/// make the same calls in the same order.
public final class CLIPClassifier: PromptedModel, Sendable {
    public let model: CLIPModel
    /// Token ids of each class prompt (C rows of 77).
    public let classTokens: [[Int]]
    public let logitScale: Float
    /// The ranks that share each forward pass.
    public let group: any ShardGroup

    public init(model: CLIPModel, classTokens: [[Int]], group: any ShardGroup = SingleProcessGroup.shared) {
        self.model = model
        self.classTokens = classTokens
        self.logitScale = Foundation.exp(model.weights["logit_scale"]!.scalar)
        self.group = group
    }

    /// Class prompts "X … X {name}." with `contextTokens` X tokens (``ClassPrompt`` names).
    public convenience init(model: CLIPModel, tokenizer: CLIPTokenizer, classNames: [String], contextTokens: Int,
                            group: any ShardGroup = SingleProcessGroup.shared) {
        let template = Array(repeating: "X", count: contextTokens).joined(separator: " ") + (contextTokens > 0 ? " {}." : "{}.")
        let prompts = classNames.map { ClassPrompt.fill(template, $0) }
        self.init(model: model, classTokens: tokenizer.tokenize(prompts, contextLength: model.configuration.contextLength), group: group)
    }

    /// The same classifier with its forward passes shared by `group`.
    public func sharded(over group: any ShardGroup) -> CLIPClassifier {
        CLIPClassifier(model: model, classTokens: classTokens, group: group)
    }

    public func classFeatures(prompts: [String: Tensor]) -> Tensor {
        model.encodeText(classTokens, prompts: TowerPrompts(named: prompts, tower: "text"), group: group)
    }

    public func imageFeatures(_ pixels: Tensor, prompts: [String: Tensor]) -> Tensor {
        model.encodeImages(pixels, prompts: TowerPrompts(named: prompts, tower: "vision"), group: group)
    }

    /// The text regulariser's target: for each class, the mean over `templateTokens`
    /// (T templates × C classes, row t·C + c) of the frozen projected features, then
    /// normalised (PromptSRC/ProMetaR `fixed_embeddings`). Computed once, without a graph.
    public func frozenTextTarget(templateTokens: [[Int]]) -> Tensor {
        let c = classTokens.count
        precondition(templateTokens.count % c == 0, "\(templateTokens.count) template rows for \(c) classes")
        return withoutGradient {
            let t = templateTokens.count / c
            // Encode a template at a time: the text tower only runs up to each batch's EOT.
            var sum = Tensor.zeros([c, model.configuration.projectionWidth])
            for k in 0..<t { sum = sum + model.encodeText(Array(templateTokens[(k * c)..<((k + 1) * c)]), group: group) }
            return (sum * (1 / Float(t))).l2Normalized()
        }
    }

    /// Template token rows for `classNames` (row t·C + c), for `frozenTextTarget`.
    public static func templateTokens(tokenizer: CLIPTokenizer, classNames: [String],
                                      templates: [String] = ImageNetTemplates.all) -> [[Int]] {
        tokenizer.tokenize(templates.flatMap { t in classNames.map { ClassPrompt.fill(t, $0) } })
    }
}
