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
    /// Whether the schedule is stepped each epoch (``LearningRateSchedule/stepped``); false
    /// keeps the first epoch's rate (the warm-up rate) for the whole run.
    public var stepped = true
    /// GRAM's warm-up in meta-steps; nil: a tenth of the run's steps, rounded down (Dassl's
    /// ProMetaR and IVLP configs warm up for 1 of 10 epochs).
    public var warmupSteps: Int?

    public var sgd: SGD { SGD(momentum: momentum, weightDecay: weightDecay) }

    public func schedule(maxEpoch: Int) -> LearningRateSchedule {
        LearningRateSchedule(baseLR: lr, maxEpoch: maxEpoch, warmup: warmupEpochs > 0 ? .constant(epochs: warmupEpochs, lr: warmupLR) : .none,
                             stepped: stepped)
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
/// Keys: `method`, `epochs`, `batch_size`, `n_ctx_text`, `n_ctx_vision`, `depth_text`, `depth_vision`,
/// `text_reg_weight`, `image_reg_weight`, `logit_reg_weight`, `gpa_mean`, `gpa_std`
/// (the last three for the prompt-tuning methods coop, vpt, ivlp, promptsrc; either GPA key
/// turns the aggregation on, the other then PromptSRC's default), `prompt_optim` / `regulator_optim`
/// (`lr` > 0, `momentum` in [0, 1), `weight_decay` ≥ 0, `warmup_lr` > 0, and `warmup_epochs`
/// and `stepped` (whether the schedule is stepped each epoch) or, for GRAM, `warmup_steps`:
/// see below), `adapt_lr`, `lr_ratio`,
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
    /// Weight of PromptSRC's logit term `KL(softmax(z₀) ‖ softmax(z)) / (B·C)` (0: none).
    public var logitRegWeight: Float = 0
    /// PromptSRC's Gaussian prompt aggregation over the epochs (nil: none), empty.
    public var gpa: GaussianPromptAggregation? = nil
    /// Training epochs when the run does not say (Dassl's `OPTIM.MAX_EPOCH`; its default 10).
    public var epochs = 10
    /// Images per step when the run does not say (`DATALOADER.TRAIN_X.BATCH_SIZE`).
    public var batchSize = 4
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

    /// Every method a configuration can name: zero-shot and the ones that train.
    public static let methods = ["zeroshot"] + MethodName.allCases.map(\.rawValue)

    /// The prompt-tuning methods (``PromptTuning``), which take the logit and GPA keys.
    public static let promptTuningMethods = MethodName.allCases.filter(\.isPromptTuning).map(\.rawValue)

    /// Published defaults, each from the config file its authors run (ViT-B/16, base-to-new):
    /// - CoOp: 16 context tokens from N(0, 0.02²) (no `CTX_INIT`), SGD lr 0.002, cosine, 1
    ///   constant warm-up epoch at 1e-5, batch 32, 200 epochs — CoOp
    ///   `configs/trainers/CoOp/vit_b16.yaml` (the 8- and 16-shot setting of CoOp's `COOP.md:21-22`;
    ///   ImageNet uses `vit_b16_ep50.yaml`, 50) and `trainers/coop.py:64-95`.
    /// - VPT: 8 deep vision tokens at depth 12, lr 0.0025, batch 4, 5 epochs — MaPLe
    ///   (muzairkhattak/multimodal-prompt-learning) `configs/trainers/VPT/vit_b16_c2_ep5_batch4_4.yaml`.
    /// - IVLP: 4+4 tokens, depth 9+9, ctx_init "a photo of a", lr 0.0025, batch 4, 20 epochs —
    ///   PromptSRC `configs/trainers/IVLP/vit_b16_c2_ep20_batch4_4+4ctx.yaml`, the IVLP baseline
    ///   of the PromptSRC and ProMetaR tables (MaPLe's own IVLP, 2+2 tokens at depth 12, lr
    ///   0.0035, 5 epochs, is `--set n_ctx_text=2 --set n_ctx_vision=2 --set depth_text=12
    ///   --set depth_vision=12 --set prompt_optim.lr=0.0035 --set epochs=5`).
    /// - PromptSRC, base-to-new (`configs/trainers/PromptSRC/vit_b16_c2_ep20_batch4_4+4ctx.yaml`):
    ///   lr 0.0025, cosine, one constant warm-up epoch at 1e-5, 20 epochs (lines 16–23); 4+4
    ///   tokens from "a photo of a", depth 9+9, text and image L1 weights 25 and 10, GPA mean 15
    ///   and σ 1 (lines 33–43); the logit term's weight is 1 (`trainers/promptsrc.py:306–311`).
    ///   The cross-dataset config (`…_cross_datasets.yaml`) uses depth 3+3 and GPA 6, 10;
    ///   few-shot (`…_ep50_…_few_shot.yaml`) 50 epochs and GPA 30, 30: `--set` them.
    /// - ProMetaR: IVLP's prompts, regulariser weights 50 and 20 (`trainers/prometar.py:418-420`),
    ///   lr 0.0025 with warm-up 1e-5, batch 4, 10 epochs
    ///   (`configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml` `OPTIM`); φ stated as lr
    ///   0.00025 with warm-up 1e-6 (`OPTIM_VNET`), but its scheduler is built
    ///   (`trainers/prometar.py:382`) and never registered, so Dassl's `update_lr`
    ///   (`dassl/engine/trainer.py:214-219`, called at `prometar.py:465`) never steps it: φ runs
    ///   at 1e-6 for the whole run, the default here (`regulator_optim.stepped` false; true gives
    ///   the stated cosine).
    /// - GRAM (our reading): 4+4 shallow tokens, one regulated inner step.
    /// Every optimiser: momentum 0.9, weight decay 5e-4 (Dassl's `OPTIM` defaults).
    public static func defaults(for method: String) throws -> MethodConfiguration {
        let prompts = OptimizerSettings(lr: 0.0025, warmupLR: 1e-5)
        let regulator = OptimizerSettings(lr: 0.00025, warmupLR: 1e-6)
        var unsteppedRegulator = regulator
        unsteppedRegulator.stepped = false
        switch method {
        case "zeroshot":
            return MethodConfiguration(method: method, textTokens: 0, visionTokens: 0, textDepth: 0, visionDepth: 0,
                                       textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
        case "coop":
            var c = MethodConfiguration(method: method, textTokens: 16, visionTokens: 0, textDepth: 1, visionDepth: 0, textRegWeight: 0,
                                        imageRegWeight: 0, promptOptimizer: OptimizerSettings(lr: 0.002, warmupLR: 1e-5), regulatorOptimizer: regulator)
            c.epochs = 200
            c.batchSize = 32
            return c
        case "vpt":
            var c = MethodConfiguration(method: method, textTokens: 0, visionTokens: 8, textDepth: 0, visionDepth: 12,
                                        textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
            c.epochs = 5
            return c
        case "ivlp":
            var c = MethodConfiguration(method: method, textTokens: 4, visionTokens: 4, textDepth: 9, visionDepth: 9,
                                        textRegWeight: 0, imageRegWeight: 0, promptOptimizer: prompts, regulatorOptimizer: regulator)
            c.epochs = 20
            return c
        case "promptsrc":
            var c = MethodConfiguration(method: method, textTokens: 4, visionTokens: 4, textDepth: 9, visionDepth: 9,
                                        textRegWeight: 25, imageRegWeight: 10, promptOptimizer: prompts, regulatorOptimizer: regulator)
            c.logitRegWeight = 1
            c.gpa = GaussianPromptAggregation(mean: 15, standardDeviation: 1)
            c.epochs = 20
            return c
        case "prometar":
            return MethodConfiguration(method: method, textTokens: 4, visionTokens: 4, textDepth: 9, visionDepth: 9,
                                       textRegWeight: 50, imageRegWeight: 20, promptOptimizer: prompts, regulatorOptimizer: unsteppedRegulator)
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
        var gpaMean: Double?, gpaStd: Double?
        for (key, value) in object {
            func int() throws -> Int {
                guard let v = value.intValue, v >= 0 else { throw ConfigurationError("\(source): '\(key)' must be a non-negative integer, found \(value.serialized())") }
                return v
            }
            /// A finite number in `range` (`open`: the lower bound excluded), e.g. a positive rate.
            func number(_ range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude, open: Bool = false,
                        _ what: String = "a number") throws -> Double {
                guard let v = value.doubleValue, v.isFinite, range.contains(v), !(open && v == range.lowerBound) else {
                    throw ConfigurationError("\(source): '\(key)' must be \(what), found \(value.serialized())")
                }
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
                    func x(_ valid: (Double) -> Bool, _ what: String) throws -> Double {
                        guard let x = v.doubleValue, x.isFinite, valid(x) else {
                            throw ConfigurationError("\(source): '\(key).\(k)' must be \(what), found \(v.serialized())")
                        }
                        return x
                    }
                    switch k {
                    case "lr": s.lr = try x({ $0 > 0 }, "a positive number")
                    case "momentum": s.momentum = Float(try x({ $0 >= 0 && $0 < 1 }, "a number in [0, 1)"))
                    case "weight_decay": s.weightDecay = Float(try x({ $0 >= 0 }, "a non-negative number"))
                    case "warmup_lr": s.warmupLR = try x({ $0 > 0 }, "a positive number")
                    case "warmup_epochs", "stepped":
                        guard method != "gram" else { throw ConfigurationError("\(source): GRAM is scheduled in meta-steps: use '\(key).warmup_steps', not '\(key).\(k)'") }
                        if k == "stepped" {
                            guard let b = v.boolValue else { throw ConfigurationError("\(source): '\(key).\(k)' must be true or false, found \(v.serialized())") }
                            s.stepped = b
                        } else {
                            s.warmupEpochs = Int(try x({ $0 >= 0 && $0 == $0.rounded() && $0 <= 1e6 }, "a non-negative integer"))
                        }
                    default: throw ConfigurationError("\(source): unknown key '\(key).\(k)' (one of lr, momentum, weight_decay, warmup_lr, warmup_epochs, stepped; warmup_steps for GRAM)")
                    }
                }
                return s
            }
            switch key {
            case "method":
                guard value.stringValue == method else { throw ConfigurationError("\(source): 'method' is \(value.serialized()) but the run uses '\(method)'") }
            case "epochs":
                c.epochs = try int()
                guard c.epochs >= 1 else { throw ConfigurationError("\(source): 'epochs' must be at least 1") }
            case "batch_size":
                c.batchSize = try int()
                guard c.batchSize >= 1 else { throw ConfigurationError("\(source): 'batch_size' must be at least 1") }
            case "n_ctx_text": c.textTokens = try int()
            case "n_ctx_vision": c.visionTokens = try int()
            case "depth_text": c.textDepth = try int()
            case "depth_vision": c.visionDepth = try int()
            case "text_reg_weight": c.textRegWeight = Float(try number(0...Double.greatestFiniteMagnitude, "a non-negative number"))
            case "image_reg_weight": c.imageRegWeight = Float(try number(0...Double.greatestFiniteMagnitude, "a non-negative number"))
            case "logit_reg_weight", "gpa_mean", "gpa_std":
                guard promptTuningMethods.contains(method) else {
                    throw ConfigurationError("\(source): '\(key)' applies to \(promptTuningMethods.joined(separator: ", ")), not \(method)")
                }
                switch key {
                case "logit_reg_weight": c.logitRegWeight = Float(try number(0...Double.greatestFiniteMagnitude, "a non-negative number"))
                case "gpa_mean": gpaMean = try number()
                default: gpaStd = try number(0...Double.greatestFiniteMagnitude, open: true, "a positive number")
                }
            case "prompt_optim": c.promptOptimizer = try optimizer(c.promptOptimizer)
            case "regulator_optim": c.regulatorOptimizer = try optimizer(c.regulatorOptimizer)
            case "adapt_lr": c.prometar.adaptLR = Float(try number(0...Double.greatestFiniteMagnitude, open: true, "a positive number"))
            case "lr_ratio": c.prometar.lrRatio = Float(try number(0...Double.greatestFiniteMagnitude, "a non-negative number (0: no meta-gradient)"))
            case "first_order": c.prometar.firstOrder = try bool(); c.gram.firstOrder = c.prometar.firstOrder
            case "dim_rate": c.prometar.dimRate = try int()
            case "tasks_per_step": c.prometar.tasksPerStep = try int()
            case "mixup_alpha": c.prometar.mixupAlpha = try number(0...Double.greatestFiniteMagnitude, open: true, "a positive number (a Beta parameter)")
            case "mixup_beta": c.prometar.mixupBeta = try number(0...Double.greatestFiniteMagnitude, open: true, "a positive number (a Beta parameter)")
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
            case "inner_lr": c.gram.innerLR = Float(try number(0...Double.greatestFiniteMagnitude, open: true, "a positive number"))
            case "group_size": c.gram.groupSize = try int()
            default: throw ConfigurationError("\(source): unknown key '\(key)'")
            }
        }
        if gpaMean != nil || gpaStd != nil {
            let published = try defaults(for: "promptsrc").gpa!
            c.gpa = GaussianPromptAggregation(mean: gpaMean ?? c.gpa?.mean ?? published.mean,
                                              standardDeviation: gpaStd ?? c.gpa?.standardDeviation ?? published.standardDeviation)
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
