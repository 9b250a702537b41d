import AutoDiff
import CLIP
import Datasets
import Foundation

/// Contrastive pretraining of a tiny CLIP from scratch: the pieces ``PretrainingTrainer`` puts
/// together (architecture, initialisation, loss, schedule, weight-decay groups, output files).
public enum Pretraining {
    /// Stream purpose of the initial weights ("init").
    static let initPurpose: UInt64 = 0x696E_6974
    /// Stream purpose of pool draws ("pair").
    static let pairPurpose: UInt64 = 0x7061_6972

    /// CLIP's initial temperature: `logit_scale = log(1/0.07)` (Radford et al. 2021, §2.5).
    public static let initialLogitScale = Float(Foundation.log(1 / 0.07))
    /// CLIP clips the logit scale at 100 so that training stays stable (§2.5; OpenAI's
    /// `logit_scale.clamp_(0, 4.6052)`).
    public static let maximumLogitScale = Float(Foundation.log(100.0))

    /// The model of `options` over a vocabulary of `vocabularySize` tokens: both towers
    /// `options.tower`, QuickGELU, LayerNorm ε 10⁻⁵.
    public static func configuration(_ options: PretrainingOptions, vocabularySize: Int) -> CLIPConfiguration {
        CLIPConfiguration(text: options.tower, vision: options.tower, vocabularySize: vocabularySize,
                          contextLength: options.contextLength, imageSize: options.imageSize,
                          patchSize: options.patchSize, projectionWidth: options.projectionWidth,
                          logitScaleInit: initialLogitScale)
    }

    /// The preprocessing of an `imageSize` model: bicubic resize of the short side to
    /// `imageSize`, centre crop, OpenAI's mean and std (an `imageSize` image passes through the
    /// resize unchanged).
    public static func preprocessor(imageSize: Int) -> CLIPPreprocessor {
        CLIPPreprocessor(shortestEdge: imageSize, cropSize: imageSize,
                         mean: CLIPPreprocessor.openAIMean, std: CLIPPreprocessor.openAIStd)
    }

    /// The learning rate of step `step` (0-based) of `totalSteps`, open_clip's `cosine_lr`
    /// (`training/scheduler.py`): `base·(step + 1)/W` during the `W` warm-up steps, then
    /// `base·(1 + cos(π·e/E))/2` with `e = step − W`, `E = totalSteps − W`.
    public static func learningRate(step: Int, totalSteps: Int, warmupSteps: Int, base: Double) -> Double {
        precondition(step >= 0 && step < totalSteps, "step \(step) outside 0..<\(totalSteps)")
        if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
        let e = Double(step - warmupSteps), total = Double(Swift.max(totalSteps - warmupSteps, 1))
        return 0.5 * (1 + Foundation.cos(Double.pi * e / total)) * base
    }

    /// Whether weight decay applies to the parameter `name`: matrices that multiply
    /// activations (attention and MLP weights, the two projections, the patch convolution).
    /// Gains and biases (as in open_clip's exclusion of `ndim < 2`, LayerNorm and bias
    /// parameters), the token, position and class embeddings (lookups, not maps: decay would
    /// only shrink rarely seen tokens) and the logit scale have none.
    public static func decays(_ name: String) -> Bool {
        name.hasSuffix(".weight") && (name.contains(".attn.") || name.contains(".mlp."))
            || name.hasSuffix(".projection") || name == "vision.patch_embedding"
    }
}
