import CLIPAdapter
import Datasets
import TensorIO

/// A training run as the official `python train.py` command line configures it, in
/// metaprompt's terms: the method, its ``MethodConfiguration`` JSON keys, and the run's
/// settings.
///
/// ``resolve(datasetConfigFile:configFile:flags:opts:model:)`` follows `setup_cfg` (CoOp,
/// PromptSRC, MaPLe and ProMetaR `train.py` alike): Dassl's defaults with the trainers'
/// `extend_cfg` (``ConfigTree/dasslDefaults()``), then the dataset config file, then the
/// trainer config file, then the command-line flags (``CommandLineFlags``), then the `opts`
/// pairs. Every key of the result is then read by exactly one rule: honoured (mapped onto a
/// setting), accepted because its value is what metaprompt does anyway, accepted because the
/// five trainers never read it, or refused with the reason (``DasslError/refused(origin:key:value:reason:)``).
public struct OfficialRun: Sendable {
    public var method: MethodName
    /// ``MethodConfiguration``'s keys (`epochs`, `batch_size`, `n_ctx_text`, `prompt_optim`, …),
    /// for ``MethodConfiguration/load(method:json:source:)``.
    public var configuration: JSONValue
    /// DATASET.NAME; nil when it is empty (the data then come from `--split`).
    public var dataset: StandardDataset?
    /// DATASET.ROOT.
    public var root: String
    /// DATASET.NUM_SHOTS.
    public var shots: Int
    /// DATASET.SUBSAMPLE_CLASSES.
    public var subsample: ClassSubset
    /// SEED.
    public var seed: Int
    /// OUTPUT_DIR.
    public var outputDirectory: String
    /// Not TEST.NO_TEST.
    public var evaluates: Bool
    /// DATALOADER.TEST.BATCH_SIZE.
    public var evaluationBatchSize: Int
    /// INPUT.RRCROP_SCALE.
    public var cropScale: ClosedRange<Double>
    /// TRAIN.PRINT_FREQ.
    public var logEvery: Int
    /// The merged config itself.
    public var tree: ConfigTree

    /// The official trainer names (`--trainer`, TRAINER.NAME) of metaprompt's methods.
    public static let trainers: [(name: String, method: MethodName)] = [
        ("CoOp", .coop), ("VPT", .vpt), ("IVLP", .ivlp), ("PromptSRC", .promptsrc), ("ProMetaR", .prometar),
    ]

    /// The official trainer name of `method`; nil for GRAM, which has none.
    public static func trainerName(of method: MethodName) -> String? { trainers.first { $0.method == method }?.name }

    /// Merges as `setup_cfg` does and translates the result.
    /// - Parameter model: what `--model` holds, for INPUT.SIZE, the pixel statistics and the backbone.
    /// - Throws: ``DasslError`` naming the file (line, column) or the command line, and the key.
    public static func resolve(datasetConfigFile: String?, configFile: String?, flags: CommandLineFlags, opts: [String],
                               model: ModelFacts) throws -> OfficialRun {
        var tree = ConfigTree.dasslDefaults()
        if let datasetConfigFile { try tree.merge(file: datasetConfigFile) }
        if let configFile { try tree.merge(file: configFile) }
        flags.apply(to: &tree)
        try tree.merge(opts: opts)
        return try OfficialRun(tree: tree, model: model)
    }

    /// Reads every key of `tree` by its rule.
    public init(tree: ConfigTree, model: ModelFacts) throws {
        var r = KeyReader(tree: tree)
        self.tree = tree

        let trainer = try r.string("TRAINER.NAME")
        guard let method = Self.trainers.first(where: { $0.name == trainer })?.method else {
            throw r.refuse("TRAINER.NAME", trainer.isEmpty
                ? "no trainer: give --trainer (one of \(Self.trainers.map(\.name).joined(separator: ", "))) or --method"
                : "metaprompt trains \(Self.trainers.map(\.name).joined(separator: ", ")) (names as Dassl's registry spells them)")
        }
        self.method = method
        let section = "TRAINER." + trainer.uppercased()
        var json = JSONObject()

        // Top level.
        r.unused("VERSION", "VERBOSE")
        r.unused("USE_CUDA")  // metaprompt runs on CPUs either way
        outputDirectory = try r.string("OUTPUT_DIR")
        guard !outputDirectory.isEmpty else { throw r.refuse("OUTPUT_DIR", "the run needs an output directory: --output-dir DIR") }
        let resume = try r.string("RESUME")
        guard resume.isEmpty || resume == outputDirectory else {
            throw r.refuse("RESUME", "metaprompt resumes from the output directory only (what Dassl does when RESUME is empty)")
        }
        seed = try r.int("SEED")
        guard seed >= 0 else {
            throw r.refuse("SEED", "a negative seed asks Dassl for a random seed each run; every draw of metaprompt is keyed by the seed: give --seed S (as train.py's `if args.seed:`, --seed 0 does not set it)")
        }

        // DATASET.
        root = try r.string("DATASET.ROOT")
        let name = try r.string("DATASET.NAME")
        if name.isEmpty {
            dataset = nil
        } else {
            guard let standard = StandardDataset(name: name) else {
                throw r.refuse("DATASET.NAME", "not one of CoOp's datasets (\(StandardDataset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            dataset = standard
            guard !root.isEmpty else { throw r.refuse("DATASET.ROOT", "DATASET.NAME \(name) lives under the data root: give --root DATA") }
        }
        shots = try r.int("DATASET.NUM_SHOTS")
        guard (1...100_000).contains(shots) else {
            throw r.refuse("DATASET.NUM_SHOTS", "below 1, Dassl trains on every training image; metaprompt trains on K shots per class: DATASET.NUM_SHOTS K (1...100000)")
        }
        let subsampleName = try r.string("DATASET.SUBSAMPLE_CLASSES")
        guard let subsample = ClassSubset(rawValue: subsampleName) else { throw r.refuse("DATASET.SUBSAMPLE_CLASSES", "one of all, base or new") }
        self.subsample = subsample
        // Read by Dassl's domain-adaptation, domain-generalisation and semi-supervised datasets only.
        r.unused("DATASET.SOURCE_DOMAINS", "DATASET.TARGET_DOMAINS", "DATASET.NUM_LABELED", "DATASET.VAL_PERCENT", "DATASET.STL10_FOLD",
                 "DATASET.CIFAR_C_TYPE", "DATASET.CIFAR_C_LEVEL", "DATASET.ALL_AS_UNLABELED")

        // DATALOADER.
        r.unused("DATALOADER.NUM_WORKERS")  // loader processes, not results
        r.unused("DATALOADER.RETURN_IMG0")  // the CLIP trainers never read img0
        try r.require("DATALOADER.K_TRANSFORMS", .int(1), "metaprompt augments each image once per draw")
        try r.require("DATALOADER.TRAIN_X.SAMPLER", .string("RandomSampler"), "metaprompt draws the training batches as Dassl's RandomSampler")
        json["batch_size"] = .int(Int64(try r.int("DATALOADER.TRAIN_X.BATCH_SIZE", 1...100_000)))
        r.unused("DATALOADER.TRAIN_X.N_DOMAIN", "DATALOADER.TRAIN_X.N_INS")  // other samplers'
        r.unused(prefix: "DATALOADER.TRAIN_U.")  // no unlabeled data
        try r.require("DATALOADER.TEST.SAMPLER", .string("SequentialSampler"), "metaprompt evaluates the test images in split order")
        evaluationBatchSize = try r.int("DATALOADER.TEST.BATCH_SIZE", 1...65_536)

        // INPUT: what the model directory's preprocessing and metaprompt's augmentation do.
        let size = r.value("INPUT.SIZE")
        guard size.items == [.int(model.imageSize), .int(model.imageSize)] else {
            throw r.refuse("INPUT.SIZE", "the model under --model takes \(model.imageSize)×\(model.imageSize) images")
        }
        try r.require("INPUT.INTERPOLATION", .string("bicubic"), "metaprompt resizes with PIL's bicubic, as CLIP's preprocessing")
        let transforms = r.value("INPUT.TRANSFORMS").items ?? []
        guard transforms.count == 3, Set(transforms.map(\.description)) == ["'random_resized_crop'", "'random_flip'", "'normalize'"] else {
            throw r.refuse("INPUT.TRANSFORMS", "metaprompt's augmentation is [\"random_resized_crop\", \"random_flip\", \"normalize\"]")
        }
        try r.require("INPUT.NO_TRANSFORM", .bool(false), "metaprompt always augments and normalises")
        for (key, expected) in [("INPUT.PIXEL_MEAN", model.pixelMean), ("INPUT.PIXEL_STD", model.pixelStd)] {
            let values = r.value(key).items?.compactMap(\.number) ?? []
            guard values.count == 3, zip(values, expected).allSatisfy({ Float($0) == $1 }) else {
                throw r.refuse(key, "the model's preprocessing normalises with \(expected.map { "\($0)" }.joined(separator: ", "))")
            }
        }
        let scale = r.value("INPUT.RRCROP_SCALE").items?.compactMap(\.number) ?? []
        guard scale.count == 2, scale[0] > 0, scale[0] <= scale[1], scale[1] <= 1 else {
            throw r.refuse("INPUT.RRCROP_SCALE", "must be (MIN, MAX) with 0 < MIN ≤ MAX ≤ 1")
        }
        cropScale = scale[0]...scale[1]
        // Parameters of transforms that are not in INPUT.TRANSFORMS.
        r.unused("INPUT.CROP_PADDING", "INPUT.CUTOUT_N", "INPUT.CUTOUT_LEN", "INPUT.GN_MEAN", "INPUT.GN_STD", "INPUT.RANDAUGMENT_N",
                 "INPUT.RANDAUGMENT_M", "INPUT.COLORJITTER_B", "INPUT.COLORJITTER_C", "INPUT.COLORJITTER_S", "INPUT.COLORJITTER_H",
                 "INPUT.RGS_P", "INPUT.GB_P", "INPUT.GB_K")

        // MODEL.
        try r.require("MODEL.INIT_WEIGHTS", .string(""), "metaprompt does not load weights into the prompt learner (for a GRAM start: --init)")
        let backbone = try r.string("MODEL.BACKBONE.NAME")
        guard backbone.isEmpty || backbone == model.backbone else {
            throw r.refuse("MODEL.BACKBONE.NAME", "--model holds \(model.backbone.map { "OpenAI's \($0)" } ?? "a CLIP that is none of OpenAI's ViTs (\(ModelFacts.openAIBackbones.map(\.name).joined(separator: ", ")))") (MODEL.BACKBONE.NAME \"\" takes it as it is)")
        }
        r.unused("MODEL.BACKBONE.PRETRAINED")  // the CLIP trainers always load the pretrained CLIP
        r.unused(prefix: "MODEL.HEAD.")  // the CLIP trainers build no head

        // OPTIM: the prompts' SGD and its per-epoch schedule.
        let epochs = try r.int("OPTIM.MAX_EPOCH", 1...100_000)
        json["epochs"] = .int(Int64(epochs))
        json["prompt_optim"] = .object(try r.optimizer("OPTIM", stepped: true))

        // OPTIM_VNET: ProMetaR's regulator; the other trainers never read it.
        if method == .prometar {
            json["regulator_optim"] = .object(try r.optimizer("OPTIM_VNET", stepped: false))
        } else {
            r.unused(prefix: "OPTIM_VNET.")
        }

        // TRAIN.
        r.unused("TRAIN.CHECKPOINT_FREQ")  // checkpoints follow --checkpoint-every (steps)
        r.unused("TRAIN.COUNT_ITER")  // domain-adaptation and semi-supervised trainers'
        logEvery = try r.int("TRAIN.PRINT_FREQ", 1...100_000_000)

        // TEST.
        try r.require("TEST.EVALUATOR", .string("Classification"), "metaprompt evaluates classification accuracy")
        try r.require("TEST.PER_CLASS_RESULT", .bool(false), "train's final evaluation prints no per-class block ('metaprompt eval --per-class' does)")
        try r.require("TEST.COMPUTE_CMAT", .bool(false), "metaprompt writes no confusion matrix")
        try r.require("TEST.SPLIT", .string("test"), "train's final evaluation is on the test split")
        try r.require("TEST.FINAL_MODEL", .string("last_step"), "metaprompt deploys the last-epoch model (best_val selects on a validation split it does not evaluate)")
        evaluates = !(try r.bool("TEST.NO_TEST"))

        // TRAINER: the chosen trainer's section; every other trainer's is never read.
        for key in tree.keys where key.hasPrefix("TRAINER.") && key != "TRAINER.NAME" && !key.hasPrefix(section + ".") { r.unused(key) }
        let precision = try r.string(section + ".PREC")
        guard ["fp16", "fp32", "amp"].contains(precision) else { throw r.refuse(section + ".PREC", "one of fp16, fp32, amp (the official assert)") }
        // fp16 and amp are accepted: metaprompt computes in fp32 (README, "Precision").
        switch method {
        case .coop:
            try r.require(section + ".CSC", .bool(false), "class-specific contexts are not implemented: every class shares the context")
            try r.require(section + ".CLASS_TOKEN_POSITION", .string("end"), "metaprompt's class prompt is \"X … X {name}.\" (the class token at the end)")
            let count = try r.int(section + ".N_CTX", 1...1_000)
            let words = try r.string(section + ".CTX_INIT").replacingOccurrences(of: "_", with: " ")
            if words.isEmpty {
                json["n_ctx_text"] = .int(Int64(count))
                json["ctx_init"] = .string("")
            } else {
                // CoOp takes as many context tokens as CTX_INIT has words (trainers/coop.py:70-78), N_CTX aside.
                let n = words.split(separator: " ", omittingEmptySubsequences: false).count
                guard n <= 4 else { throw r.refuse(section + ".CTX_INIT", "metaprompt initialises the context from at most 4 words") }
                json["n_ctx_text"] = .int(Int64(n))
                json["ctx_init"] = .string(words)
            }
            json["depth_text"] = 1
            json["n_ctx_vision"] = 0
            json["depth_vision"] = 0
        case .vpt:
            r.unused(section + ".CTX_INIT")  // VPT's class prompt is "a photo of a {}." whatever it says (MaPLe trainers/vpt.py:73)
            json["n_ctx_text"] = 0
            json["depth_text"] = 0
            try r.visionPrompt(section, into: &json)
        case .ivlp, .promptsrc, .prometar:
            let depth = try r.int(section + ".PROMPT_DEPTH_TEXT", 0...1_000)
            guard depth >= 1 else {
                throw r.refuse(section + ".PROMPT_DEPTH_TEXT", "the language prompt depth must be ≥ 1 (the official assert; VPT learns vision prompts only)")
            }
            let count = try r.int(section + ".N_CTX_TEXT", 0...1_000)
            json["n_ctx_text"] = .int(Int64(count))
            json["depth_text"] = .int(Int64(count == 0 ? 0 : depth))
            json["ctx_init"] = .string(try r.string(section + ".CTX_INIT"))
            try r.visionPrompt(section, into: &json)
        case .gram:
            preconditionFailure("GRAM has no official trainer")
        }
        if method == .promptsrc {
            json["text_reg_weight"] = .double(try r.number(section + ".TEXT_LOSS_WEIGHT", { $0 >= 0 }, "a non-negative number"))
            json["image_reg_weight"] = .double(try r.number(section + ".IMAGE_LOSS_WEIGHT", { $0 >= 0 }, "a non-negative number"))
            json["gpa_mean"] = .double(try r.number(section + ".GPA_MEAN", { _ in true }, "a number"))
            json["gpa_std"] = .double(try r.number(section + ".GPA_STD", { $0 > 0 }, "a positive number"))
        }
        if method == .prometar {
            json["adapt_lr"] = .double(try r.number(section + ".ADAPT_LR", { $0 > 0 }, "a positive number"))
            json["lr_ratio"] = .double(try r.number(section + ".LR_RATIO", { $0 >= 0 }, "a non-negative number"))
            // learn2learn's MAML(first_order=FAST_ADAPTATION) (trainers/prometar.py:426).
            json["first_order"] = .bool(try r.bool(section + ".FAST_ADAPTATION"))
            json["mixup_alpha"] = .double(try r.number(section + ".MIXUP_ALPHA", { $0 > 0 }, "a positive number (a Beta parameter)"))
            json["mixup_beta"] = .double(try r.number(section + ".MIXUP_BETA", { $0 > 0 }, "a positive number (a Beta parameter)"))
            json["dim_rate"] = .int(Int64(try r.int(section + ".DIM_RATE", 1...1_000_000)))
        }
        configuration = .object(json)

        let unread = tree.keys.filter { !r.read.contains($0) }
        precondition(unread.isEmpty, "no rule reads \(unread.joined(separator: ", "))")
    }
}
