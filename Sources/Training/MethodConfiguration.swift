import AutoDiff
import Foundation
import MetaLearning
import TensorIO

/// SGD settings of one parameter group, and its schedule: Dassl's per epoch for `train`'s
/// methods, per meta-step for GRAM.
public struct OptimizerSettings: Sendable, Equatable {
    public var lr: Double
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    /// Constant warm-up learning rate, for the first `warmupEpochs` epochs (Dassl) or the
    /// first `warmupSteps` GRAM meta-steps.
    public var warmupLR: Double
    public var warmupEpochs = 1
    /// GRAM's warm-up in meta-steps; nil: a tenth of the run's steps, rounded down (Dassl's
    /// ProMetaR and IVLP configs warm up for 1 of 10 epochs).
    public var warmupSteps: Int?

    public var sgd: SGD { SGD(momentum: momentum, weightDecay: weightDecay) }

    public func schedule(maxEpoch: Int) -> LearningRateSchedule {
        LearningRateSchedule(baseLR: lr, maxEpoch: maxEpoch, warmup: warmupEpochs > 0 ? .constant(epochs: warmupEpochs, lr: warmupLR) : .none)
    }

    /// The warm-up steps of a run of `steps` meta-steps.
    public func warmupSteps(ofRunOf steps: Int) -> Int { warmupSteps ?? steps / 10 }

    /// GRAM's per-step schedule for a run of `steps` meta-steps: constant `warmupLR` for the
    /// warm-up steps, then a cosine from `lr` to 0 over the rest.
    /// - Throws: `ConfigurationError` when the warm-up is not shorter than the run.
    public func stepSchedule(steps: Int, group: String) throws -> WarmupCosineSchedule {
        let warmup = warmupSteps(ofRunOf: steps)
        guard steps > 0, warmup < steps else {
            throw ConfigurationError("\(group).warmup_steps is \(warmup) but the run has \(steps) steps; the warm-up must be shorter than the run")
        }
        return WarmupCosineSchedule(baseLR: lr, steps: steps, warmupSteps: warmup, warmupLR: warmupLR)
    }
}

/// A method and every hyperparameter it needs, from a JSON config (any key missing takes
/// the method's published default).
///
/// Keys: `method`, `n_ctx_text`, `n_ctx_vision`, `depth_text`, `depth_vision`,
/// `text_reg_weight`, `image_reg_weight`, `prompt_optim` / `regulator_optim`
/// (`lr`, `momentum`, `weight_decay`, `warmup_lr`, and `warmup_epochs` or, for GRAM,
/// `warmup_steps`: see below), `adapt_lr`, `lr_ratio`,
/// `first_order`, `dim_rate`, `tasks_per_step`, `mixup_alpha`, `mixup_beta`, `ctx_init`,
/// `inner_steps`, `inner_lr`, `group_size`, `text_target_templates` (an array of strings
/// with `{}`).
///
/// Schedules. `train`'s methods follow Dassl per epoch: `warmup_epochs` (default 1) at
/// `warmup_lr`, then a cosine from `lr` with the whole run as its period. GRAM meta-training
/// is scheduled per meta-step (`WarmupCosineSchedule`): `warmup_steps` at `warmup_lr`
/// (default a tenth of the steps, rounded down: 10 of the default 100), then a cosine from
/// `lr` to 0 over the remaining steps. Each method rejects the other's warm-up key.
public struct MethodConfiguration: Sendable, Equatable {
    public var method: String
    public var textTokens: Int
    public var visionTokens: Int
    public var textDepth: Int
    public var visionDepth: Int
    public var textRegWeight: Float
    public var imageRegWeight: Float
    public var promptOptimizer: OptimizerSettings
    public var regulatorOptimizer: OptimizerSettings
    /// Words whose token embeddings initialise the text context when it has ≤ 4 tokens.
    public var contextInit = "a photo of a"
    /// Templates (`{}` for the class name) whose frozen features, averaged, are the text
    /// regulariser's target: the 60 ImageNet templates as PromptSRC/ProMetaR, unless a
    /// model's vocabulary calls for others (the demo world's captions).
    public var textTargetTemplates = ImageNetTemplates.all
    public var prometar = ProMetaRConfiguration()
    public var gram = GRAMConfiguration()

    public static let methods = ["zeroshot", "coop", "vpt", "ivlp", "prometar", "gram"]

    /// Published defaults: CoOp (16 context tokens, lr 0.002), VPT (8 shallow vision tokens),
    /// IVLP (2+2 tokens, depth 9+9), ProMetaR (4+4, depth 9+9, lr 0.0025, regulariser weights
    /// 50 and 20, φ lr 0.00025), GRAM (4+4 shallow, one regulated inner step).
    public static func defaults(for method: String) throws -> MethodConfiguration {
        let prompts = OptimizerSettings(lr: 0.0025, warmupLR: 1e-5)
        let regulator = OptimizerSettings(lr: 0.00025, warmupLR: 1e-6)
        switch method {
        case "zeroshot":
            return MethodConfiguration(method: method, textTokens: 0, visionTokens: 0, textDepth: 0, visionDepth: 0,
                                       textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
        case "coop":
            return MethodConfiguration(method: method, textTokens: 16, visionTokens: 0, textDepth: 1, visionDepth: 0, textRegWeight: 0,
                                       imageRegWeight: 0, promptOptimizer: OptimizerSettings(lr: 0.002, warmupLR: 1e-5), regulatorOptimizer: regulator)
        case "vpt":
            return MethodConfiguration(method: method, textTokens: 0, visionTokens: 8, textDepth: 0, visionDepth: 1,
                                       textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
        case "ivlp":
            return MethodConfiguration(method: method, textTokens: 2, visionTokens: 2, textDepth: 9, visionDepth: 9,
                                       textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
        case "prometar":
            return MethodConfiguration(method: method, textTokens: 4, visionTokens: 4, textDepth: 9, visionDepth: 9,
                                       textRegWeight: 50, imageRegWeight: 20, promptOptimizer: prompts, regulatorOptimizer: regulator)
        case "gram":
            return MethodConfiguration(method: method, textTokens: 4, visionTokens: 4, textDepth: 1, visionDepth: 1,
                                       textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
        default:
            throw ConfigurationError("unknown method '\(method)'; one of \(methods.joined(separator: ", "))")
        }
    }

    /// The method's defaults overridden by the keys of `json` (a config file's object).
    /// - Parameter source: names the file in errors.
    public static func load(method: String, json: JSONValue, source: String) throws -> MethodConfiguration {
        var c = try defaults(for: method)
        guard let object = json.objectValue else { throw ConfigurationError("\(source): the configuration must be a JSON object") }
        for (key, value) in object {
            func int() throws -> Int {
                guard let v = value.intValue, v >= 0 else { throw ConfigurationError("\(source): '\(key)' must be a non-negative integer, found \(value.serialized())") }
                return v
            }
            func number() throws -> Double {
                guard let v = value.doubleValue, v.isFinite else { throw ConfigurationError("\(source): '\(key)' must be a number, found \(value.serialized())") }
                return v
            }
            func bool() throws -> Bool {
                guard let v = value.boolValue else { throw ConfigurationError("\(source): '\(key)' must be true or false, found \(value.serialized())") }
                return v
            }
            func optimizer(_ base: OptimizerSettings) throws -> OptimizerSettings {
                guard let o = value.objectValue else { throw ConfigurationError("\(source): '\(key)' must be an object") }
                var s = base
                for (k, v) in o {
                    if k == "warmup_steps" {
                        // GRAM counts its schedule in meta-steps, the other methods in epochs.
                        guard method == "gram" else { throw ConfigurationError("\(source): '\(key).warmup_steps' is GRAM's (meta-steps); \(method) is scheduled in epochs: use '\(key).warmup_epochs'") }
                        guard let n = v.intValue, n >= 0 else { throw ConfigurationError("\(source): '\(key).warmup_steps' must be a non-negative integer, found \(v.serialized())") }
                        s.warmupSteps = n
                        continue
                    }
                    guard let x = v.doubleValue, x.isFinite else { throw ConfigurationError("\(source): '\(key).\(k)' must be a number, found \(v.serialized())") }
                    switch k {
                    case "lr": s.lr = x
                    case "momentum": s.momentum = Float(x)
                    case "weight_decay": s.weightDecay = Float(x)
                    case "warmup_lr": s.warmupLR = x
                    case "warmup_epochs":
                        guard method != "gram" else { throw ConfigurationError("\(source): GRAM is scheduled in meta-steps: use '\(key).warmup_steps', not '\(key).warmup_epochs'") }
                        s.warmupEpochs = Int(x)
                    default: throw ConfigurationError("\(source): unknown key '\(key).\(k)'")
                    }
                }
                return s
            }
            switch key {
            case "method":
                guard value.stringValue == method else { throw ConfigurationError("\(source): 'method' is \(value.serialized()) but the run uses '\(method)'") }
            case "n_ctx_text": c.textTokens = try int()
            case "n_ctx_vision": c.visionTokens = try int()
            case "depth_text": c.textDepth = try int()
            case "depth_vision": c.visionDepth = try int()
            case "text_reg_weight": c.textRegWeight = Float(try number()); c.prometar.textRegWeight = c.textRegWeight
            case "image_reg_weight": c.imageRegWeight = Float(try number()); c.prometar.imageRegWeight = c.imageRegWeight
            case "prompt_optim": c.promptOptimizer = try optimizer(c.promptOptimizer)
            case "regulator_optim": c.regulatorOptimizer = try optimizer(c.regulatorOptimizer)
            case "adapt_lr": c.prometar.adaptLR = Float(try number())
            case "lr_ratio": c.prometar.lrRatio = Float(try number())
            case "first_order": c.prometar.firstOrder = try bool(); c.gram.firstOrder = c.prometar.firstOrder
            case "dim_rate": c.prometar.dimRate = try int()
            case "tasks_per_step": c.prometar.tasksPerStep = try int()
            case "mixup_alpha": c.prometar.mixupAlpha = try number()
            case "mixup_beta": c.prometar.mixupBeta = try number()
            case "ctx_init":
                guard let s = value.stringValue else { throw ConfigurationError("\(source): 'ctx_init' must be a string") }
                c.contextInit = s
            case "text_target_templates":
                let templates = value.arrayValue?.compactMap(\.stringValue) ?? []
                guard !templates.isEmpty, templates.count == value.arrayValue?.count, templates.allSatisfy({ $0.contains("{}") }) else {
                    throw ConfigurationError("\(source): 'text_target_templates' must be a non-empty array of strings that each contain {}")
                }
                c.textTargetTemplates = templates
            case "inner_steps": c.gram.innerSteps = try int()
            case "inner_lr": c.gram.innerLR = Float(try number())
            case "group_size": c.gram.groupSize = try int()
            default: throw ConfigurationError("\(source): unknown key '\(key)'")
            }
        }
        c.prometar.textRegWeight = c.textRegWeight
        c.prometar.imageRegWeight = c.imageRegWeight
        guard c.prometar.dimRate > 0, c.gram.groupSize > 0 else { throw ConfigurationError("\(source): dim_rate and group_size must be positive") }
        guard (c.textDepth == 0) == (c.textTokens == 0), (c.visionDepth == 0) == (c.visionTokens == 0) else {
            throw ConfigurationError("\(source): a tower with prompt tokens needs depth ≥ 1 and one without needs depth 0 (text \(c.textTokens)/\(c.textDepth), vision \(c.visionTokens)/\(c.visionDepth))")
        }
        return c
    }

    /// The shapes of the prompt tensors for a model of these widths.
    public func promptShapes(textWidth: Int, visionWidth: Int) -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for name in PromptNames.ivlp(textDepth: textDepth, visionDepth: visionDepth) {
            shapes[name] = PromptNames.tower(of: name) == "text" ? [textTokens, textWidth] : [visionTokens, visionWidth]
        }
        return shapes
    }
}

/// A configuration file or key that cannot be used; the message names the file and key.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
