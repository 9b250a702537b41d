import CLIPAdapter
import Dassl
import Foundation
import TensorIO
import Testing
import TestSupport

/// The official configs, merged as `setup_cfg` and translated: each to the exact method
/// configuration and run settings its files state (file:line beside each value), and each key
/// metaprompt cannot honour refused with where it was set.
@Suite struct OfficialRunTests {
    /// OpenAI's ViT-B/16 as a Hugging Face directory holds it.
    static let vitB16 = ModelFacts(imageSize: 224, backbone: "ViT-B/16", pixelMean: [0.48145466, 0.4578275, 0.40821073],
                                   pixelStd: [0.26862954, 0.26130258, 0.27577711])

    static func config(_ path: String) -> String { fixture("dassl/" + path) }

    /// The base2new_train.sh command line: --root, --seed, --trainer, both files, --output-dir,
    /// DATASET.NUM_SHOTS 16 DATASET.SUBSAMPLE_CLASSES base.
    static func resolve(trainer: String, dataset: String?, config: String?, opts: [String] = ["DATASET.NUM_SHOTS", "16", "DATASET.SUBSAMPLE_CLASSES", "base"],
                        seed: Int? = 1, model: ModelFacts = vitB16) throws -> OfficialRun {
        var flags = CommandLineFlags()
        flags.root = "/data"
        flags.seed = seed
        flags.trainer = (trainer, "--trainer")
        flags.outputDirectory = ("out", "--output-dir")
        return try OfficialRun.resolve(datasetConfigFile: dataset.map(Self.config), configFile: config.map(Self.config), flags: flags, opts: opts, model: model)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var trainer: String, dataset: String, config: String
        /// The translated MethodConfiguration keys, exactly.
        var json: JSONValue
        var testDescription: String { config }
    }

    static let cases: [Case] = [
        Case(trainer: "ProMetaR", dataset: "ProMetaR/configs/datasets/caltech101.yaml",
             config: "ProMetaR/configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml",
             json: [
                "batch_size": 4,  // DATALOADER.TRAIN_X.BATCH_SIZE, line 4
                "epochs": 10,  // OPTIM.MAX_EPOCH, line 19
                // OPTIM lines 18-23; MOMENTUM and WEIGHT_DECAY Dassl's defaults.py:181-182.
                "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],
                // OPTIM_VNET lines 27-32; MOMENTUM, WEIGHT_DECAY ProMetaR train.py's extend_cfg (never stepped: stepped stays false).
                "regulator_optim": ["lr": 0.00025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-6, "warmup_epochs": 1],
                "n_ctx_text": 4, "depth_text": 9, "ctx_init": "a photo of a",  // TRAINER.PROMETAR lines 44, 48, 45
                "n_ctx_vision": 4, "depth_vision": 9,  // lines 43, 47
                // ProMetaR train.py extend_cfg (ADAPT_LR, LR_RATIO, FAST_ADAPTATION, MIXUP_*, DIM_RATE).
                "adapt_lr": 0.0005, "lr_ratio": 0.0005, "first_order": false, "mixup_alpha": 0.5, "mixup_beta": 0.5, "dim_rate": 8,
             ]),
        Case(trainer: "CoOp", dataset: "CoOp/configs/datasets/oxford_pets.yaml", config: "CoOp/configs/trainers/CoOp/vit_b16.yaml",
             json: [
                "batch_size": 32,  // line 3
                "epochs": 200,  // line 17
                "prompt_optim": ["lr": 0.002, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],  // lines 16-22
                // CoOp train.py extend_cfg: N_CTX 16, CTX_INIT "" (random context).
                "n_ctx_text": 16, "ctx_init": "", "depth_text": 1, "n_ctx_vision": 0, "depth_vision": 0,
             ]),
        Case(trainer: "CoOp", dataset: "CoOp/configs/datasets/oxford_pets.yaml", config: "CoOp/configs/trainers/CoOp/vit_b16_ep50_ctxv1.yaml",
             json: [
                "batch_size": 32, "epochs": 50,  // lines 3, 17
                "prompt_optim": ["lr": 0.002, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],
                // CTX_INIT line 33: CoOp takes one context token per word (trainers/coop.py), N_CTX aside.
                "n_ctx_text": 4, "ctx_init": "a photo of a", "depth_text": 1, "n_ctx_vision": 0, "depth_vision": 0,
             ]),
        Case(trainer: "PromptSRC", dataset: "ProMetaR/configs/datasets/eurosat.yaml",
             config: "PromptSRC/configs/trainers/PromptSRC/vit_b16_c2_ep20_batch4_4+4ctx.yaml",
             json: [
                "batch_size": 4, "epochs": 20,  // lines 4, 19
                "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],  // lines 18-23
                "n_ctx_text": 4, "depth_text": 9, "ctx_init": "a photo of a", "n_ctx_vision": 4, "depth_vision": 9,  // lines 35, 39, 36, 34, 38
                "text_reg_weight": 25, "image_reg_weight": 10, "gpa_mean": 15, "gpa_std": 1,  // lines 40-43
             ]),
        Case(trainer: "PromptSRC", dataset: "ProMetaR/configs/datasets/dtd.yaml",
             config: "PromptSRC/configs/trainers/PromptSRC/vit_b16_c2_ep50_batch4_4+4ctx_few_shot.yaml",
             json: [
                "batch_size": 4, "epochs": 50,  // lines 4, 19
                "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],
                "n_ctx_text": 4, "depth_text": 9, "ctx_init": "a photo of a", "n_ctx_vision": 4, "depth_vision": 9,
                "text_reg_weight": 25, "image_reg_weight": 10, "gpa_mean": 30, "gpa_std": 30,  // lines 40, 41, 43, 44 (after a comment)
             ]),
        Case(trainer: "IVLP", dataset: "ProMetaR/configs/datasets/caltech101.yaml",
             config: "PromptSRC/configs/trainers/IVLP/vit_b16_c2_ep20_batch4_4+4ctx.yaml",
             json: [
                "batch_size": 4, "epochs": 20,
                "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],
                "n_ctx_text": 4, "depth_text": 9, "ctx_init": "a photo of a", "n_ctx_vision": 4, "depth_vision": 9,  // lines 35, 39, 36, 34, 38
             ]),
        Case(trainer: "VPT", dataset: "ProMetaR/configs/datasets/caltech101.yaml", config: "MaPLe/configs/trainers/VPT/vit_b16_c2_ep5_batch4_4.yaml",
             json: [
                "batch_size": 4, "epochs": 5,  // lines 4, 19
                "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-5, "warmup_epochs": 1],
                "n_ctx_text": 0, "depth_text": 0, "n_ctx_vision": 8, "depth_vision": 12,  // lines 34, 37
             ]),
    ]

    /// Numbers compared as numbers: the translation writes floats where the YAML has ints (25).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { same(x[$0]!, y[$0]!) }
        default: a.doubleValue != nil ? a.doubleValue == b.doubleValue : a == b
        }
    }

    @Test(arguments: cases)
    func officialConfigResolvesToItsValues(_ c: Case) throws {
        let run = try Self.resolve(trainer: c.trainer, dataset: c.dataset, config: c.config)
        #expect(Self.same(run.configuration, c.json), "\(run.configuration.serialized())")
        #expect(run.shots == 16 && run.subsample == .base && run.seed == 1 && run.root == "/data" && run.outputDirectory == "out")
        #expect(run.cropScale == 0.08...1.0)  // INPUT.RRCROP_SCALE, Dassl's defaults.py:43
        #expect(run.evaluationBatchSize == 100 && run.evaluates)  // DATALOADER.TEST.BATCH_SIZE, line 6 of every trainer config
        // The same values through MethodConfiguration's one path.
        let loaded = try MethodConfiguration.load(method: run.method.rawValue, json: run.configuration, source: "test")
        #expect(loaded.epochs == c.json["epochs"]?.intValue && loaded.batchSize == c.json["batch_size"]?.intValue)
        #expect(loaded.textTokens == c.json["n_ctx_text"]?.intValue && loaded.visionDepth == c.json["depth_vision"]?.intValue)
        #expect(loaded.promptOptimizer.lr == c.json["prompt_optim"]?["lr"]?.doubleValue && loaded.promptOptimizer.warmupEpochs == 1)
    }

    @Test func prometarsMethodConfigurationIsItsPublishedOne() throws {
        let run = try Self.resolve(trainer: "ProMetaR", dataset: "ProMetaR/configs/datasets/caltech101.yaml",
                                   config: "ProMetaR/configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml")
        #expect(run.method == .prometar && run.dataset == .caltech101 && run.logEvery == 20)  // caltech101.yaml:2, TRAIN.PRINT_FREQ line 35
        let loaded = try MethodConfiguration.load(method: "prometar", json: run.configuration, source: "test")
        // Every field, the regulator unstepped and the L1 weights 50 / 20 included (trainers/prometar.py:418-420).
        #expect(loaded == (try MethodConfiguration.defaults(for: "prometar")))
    }

    /// KEY VALUE pairs come last, over the files and the flags.
    @Test func optsOverrideTheFilesAndTheFlags() throws {
        let run = try Self.resolve(trainer: "ProMetaR", dataset: "ProMetaR/configs/datasets/caltech101.yaml",
                                   config: "ProMetaR/configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml",
                                   opts: ["DATASET.NUM_SHOTS", "4", "DATASET.SUBSAMPLE_CLASSES", "new", "OPTIM.MAX_EPOCH", "5", "SEED", "3",
                                          "DATASET.NAME", "EuroSAT", "TRAINER.PROMETAR.FAST_ADAPTATION", "True", "OPTIM.LR", "0.01",
                                          "INPUT.RRCROP_SCALE", "(0.5, 1.0)"])
        #expect(run.shots == 4 && run.subsample == .new && run.seed == 3 && run.dataset == .euroSAT && run.cropScale == 0.5...1.0)
        #expect(run.configuration["epochs"]?.intValue == 5 && run.configuration["first_order"]?.boolValue == true)
        #expect(run.configuration["prompt_optim"]?["lr"]?.doubleValue == 0.01)
    }

    static let prometar = "ProMetaR/configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml"
    static let coop = "CoOp/configs/trainers/CoOp/vit_b16.yaml"
    static let shots = ["DATASET.NUM_SHOTS", "16"]

    static let refusals: [(trainer: String, config: String?, opts: [String], seed: Int?, message: String)] = [
        ("CoOp", coop, shots + ["TRAINER.COOP.CSC", "True"], 1,
         "command line: TRAINER.COOP.CSC True: only False is supported: class-specific contexts are not implemented: every class shares the context"),
        ("CoOp", coop, shots + ["TRAINER.COOP.CLASS_TOKEN_POSITION", "middle"], 1,
         "command line: TRAINER.COOP.CLASS_TOKEN_POSITION 'middle': only 'end' is supported: metaprompt's class prompt is \"X … X {name}.\" (the class token at the end)"),
        ("CoOp", "CoOp/configs/trainers/CoOp/rn50.yaml", shots, 1,
         "FIXTURES/CoOp/configs/trainers/CoOp/rn50.yaml:29:5: MODEL.BACKBONE.NAME 'RN50': --model holds OpenAI's ViT-B/16 (MODEL.BACKBONE.NAME \"\" takes it as it is)"),
        ("ProMetaR", prometar, shots + ["OPTIM.NAME", "adam"], 1,
         "command line: OPTIM.NAME 'adam': only 'sgd' is supported: metaprompt's optimiser is SGD"),
        // Without a trainer config, Dassl's defaults are not CLIP's: the first key read that differs.
        ("ProMetaR", nil, shots, 1,
         "Dassl's defaults: INPUT.INTERPOLATION 'bilinear': only 'bicubic' is supported: metaprompt resizes with PIL's bicubic, as CLIP's preprocessing"),
        ("ProMetaR", prometar, shots, nil,
         "Dassl's defaults: SEED -1: a negative seed asks Dassl for a random seed each run; every draw of metaprompt is keyed by the seed: give --seed S (as train.py's `if args.seed:`, --seed 0 does not set it)"),
        ("ProMetaR", prometar, [], 1,
         "Dassl's defaults: DATASET.NUM_SHOTS -1: below 1, Dassl trains on every training image; metaprompt trains on K shots per class: DATASET.NUM_SHOTS K (1...100000)"),
        ("CoCoOp", prometar, shots, 1,
         "command line (--trainer): TRAINER.NAME 'CoCoOp': metaprompt trains CoOp, VPT, IVLP, PromptSRC, ProMetaR (names as Dassl's registry spells them)"),
        ("ProMetaR", prometar, shots + ["OPTIM.WARMUP_TYPE", "linear"], 1,
         "command line: OPTIM.WARMUP_TYPE 'linear': only 'constant' is supported: metaprompt's warm-up is Dassl's constant one"),
        ("ProMetaR", prometar, shots + ["TEST.FINAL_MODEL", "best_val"], 1,
         "command line: TEST.FINAL_MODEL 'best_val': only 'last_step' is supported: metaprompt deploys the last-epoch model (best_val selects on a validation split it does not evaluate)"),
        ("ProMetaR", prometar, shots + ["TRAINER.PROMETAR.PROMPT_DEPTH_TEXT", "0"], 1,
         "command line: TRAINER.PROMETAR.PROMPT_DEPTH_TEXT 0: the language prompt depth must be ≥ 1 (the official assert; VPT learns vision prompts only)"),
        ("ProMetaR", prometar, shots + ["INPUT.INTERPOLATION", "bilinear"], 1,
         "command line: INPUT.INTERPOLATION 'bilinear': only 'bicubic' is supported: metaprompt resizes with PIL's bicubic, as CLIP's preprocessing"),
    ]

    @Test(arguments: refusals)
    func keysMetapromptCannotHonourAreRefusedNamingWhere(trainer: String, config: String?, opts: [String], seed: Int?, message: String) throws {
        do {
            _ = try Self.resolve(trainer: trainer, dataset: "ProMetaR/configs/datasets/caltech101.yaml", config: config, opts: opts, seed: seed)
            Issue.record("accepted \(opts)")
        } catch let error as DasslError {
            #expect(error.description == message.replacingOccurrences(of: "FIXTURES", with: fixture("dassl")))
        }
    }

    /// A model that is not ViT-B/16 (the test suite's tiny CLIP) refuses the config's input size.
    @Test func anotherModelsInputSizeIsRefusedAtTheConfigsLine() throws {
        let tiny = ModelFacts(imageSize: 32, backbone: nil, pixelMean: Self.vitB16.pixelMean, pixelStd: Self.vitB16.pixelStd)
        do {
            _ = try Self.resolve(trainer: "ProMetaR", dataset: nil, config: Self.prometar, model: tiny)
            Issue.record("accepted")
        } catch let error as DasslError {
            #expect(error.description == "\(fixture("dassl/" + Self.prometar)):10:3: INPUT.SIZE (224, 224): the model under --model takes 32×32 images")
        }
        let run = try Self.resolve(trainer: "ProMetaR", dataset: nil, config: Self.prometar,
                                   opts: Self.shots + ["INPUT.SIZE", "(32, 32)", "MODEL.BACKBONE.NAME", ""], model: tiny)
        #expect(run.dataset == nil)
    }
}
