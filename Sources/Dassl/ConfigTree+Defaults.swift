extension ConfigTree {
    /// Dassl's `get_cfg_default()` with the trainers' `extend_cfg` added, as `setup_cfg` starts
    /// from: every key a config file or `opts` may set, with its default value and type.
    public static func dasslDefaults() -> ConfigTree {
        do {
            let node = try YAMLParser.parse(Array(defaultsYAML.utf8), source: "Dassl's defaults")!
            return try ConfigTree(declaring: node, source: "Dassl's defaults", origin: .defaults)
        } catch {
            preconditionFailure("the built-in Dassl defaults do not parse: \(error)")
        }
    }

    /// The defaults, written as YAML read the way yacs reads a config file (so `(224, 224)` is a
    /// tuple, `5e-4` a float, `""` a str): Dassl.pytorch `dassl/config/defaults.py` at c61a1b5,
    /// then the union of the `extend_cfg` of CoOp `train.py` (ff61507: COOP, COCOOP),
    /// PromptSRC `train.py` (bb95c77: MAPLE, PROMPTSRC, IVLP), MaPLe `train.py` (69bce21: VPT)
    /// and ProMetaR `train.py` (c907bdb: PROMETAR, OPTIM_VNET), which agree where they overlap.
    /// Each section keeps the order of its source.
    static let defaultsYAML = """
        VERSION: 1
        OUTPUT_DIR: "./output"
        RESUME: ""
        SEED: -1
        USE_CUDA: True
        VERBOSE: True
        INPUT:
          SIZE: (224, 224)
          INTERPOLATION: "bilinear"
          TRANSFORMS: ()
          NO_TRANSFORM: False
          PIXEL_MEAN: [0.485, 0.456, 0.406]
          PIXEL_STD: [0.229, 0.224, 0.225]
          CROP_PADDING: 4
          RRCROP_SCALE: (0.08, 1.0)
          CUTOUT_N: 1
          CUTOUT_LEN: 16
          GN_MEAN: 0.0
          GN_STD: 0.15
          RANDAUGMENT_N: 2
          RANDAUGMENT_M: 10
          COLORJITTER_B: 0.4
          COLORJITTER_C: 0.4
          COLORJITTER_S: 0.4
          COLORJITTER_H: 0.1
          RGS_P: 0.2
          GB_P: 0.5
          GB_K: 21
        DATASET:
          ROOT: ""
          NAME: ""
          SOURCE_DOMAINS: ()
          TARGET_DOMAINS: ()
          NUM_LABELED: -1
          NUM_SHOTS: -1
          VAL_PERCENT: 0.1
          STL10_FOLD: -1
          CIFAR_C_TYPE: ""
          CIFAR_C_LEVEL: 1
          ALL_AS_UNLABELED: False
          SUBSAMPLE_CLASSES: "all"
        DATALOADER:
          NUM_WORKERS: 4
          K_TRANSFORMS: 1
          RETURN_IMG0: False
          TRAIN_X:
            SAMPLER: "RandomSampler"
            BATCH_SIZE: 32
            N_DOMAIN: 0
            N_INS: 16
          TRAIN_U:
            SAME_AS_X: True
            SAMPLER: "RandomSampler"
            BATCH_SIZE: 32
            N_DOMAIN: 0
            N_INS: 16
          TEST:
            SAMPLER: "SequentialSampler"
            BATCH_SIZE: 32
        MODEL:
          INIT_WEIGHTS: ""
          BACKBONE:
            NAME: ""
            PRETRAINED: True
          HEAD:
            NAME: ""
            HIDDEN_LAYERS: ()
            ACTIVATION: "relu"
            BN: True
            DROPOUT: 0.0
        OPTIM:
          NAME: "adam"
          LR: 0.0003
          WEIGHT_DECAY: 5e-4
          MOMENTUM: 0.9
          SGD_DAMPNING: 0
          SGD_NESTEROV: False
          RMSPROP_ALPHA: 0.99
          ADAM_BETA1: 0.9
          ADAM_BETA2: 0.999
          STAGED_LR: False
          NEW_LAYERS: ()
          BASE_LR_MULT: 0.1
          LR_SCHEDULER: "single_step"
          STEPSIZE: (-1, )
          GAMMA: 0.1
          MAX_EPOCH: 10
          WARMUP_EPOCH: -1
          WARMUP_TYPE: "linear"
          WARMUP_CONS_LR: 1e-5
          WARMUP_MIN_LR: 1e-5
          WARMUP_RECOUNT: True
        OPTIM_VNET:
          NAME: "adam"
          LR: 0.0003
          WEIGHT_DECAY: 5e-4
          MOMENTUM: 0.9
          SGD_DAMPNING: 0
          SGD_NESTEROV: False
          RMSPROP_ALPHA: 0.99
          ADAM_BETA1: 0.9
          ADAM_BETA2: 0.999
          STAGED_LR: False
          NEW_LAYERS: ()
          BASE_LR_MULT: 0.1
          LR_SCHEDULER: "single_step"
          STEPSIZE: (-1, )
          GAMMA: 0.1
          MAX_EPOCH: 10
          WARMUP_EPOCH: -1
          WARMUP_TYPE: "linear"
          WARMUP_CONS_LR: 1e-5
          WARMUP_MIN_LR: 1e-5
          WARMUP_RECOUNT: True
        TRAIN:
          CHECKPOINT_FREQ: 0
          PRINT_FREQ: 10
          COUNT_ITER: "train_x"
        TEST:
          EVALUATOR: "Classification"
          PER_CLASS_RESULT: False
          COMPUTE_CMAT: False
          NO_TEST: False
          SPLIT: "test"
          FINAL_MODEL: "last_step"
        TRAINER:
          NAME: ""
          MCD:
            N_STEP_F: 4
          MME:
            LMDA: 0.1
          CDAC:
            CLASS_LR_MULTI: 10
            RAMPUP_COEF: 30
            RAMPUP_ITRS: 1000
            TOPK_MATCH: 5
            P_THRESH: 0.95
            STRONG_TRANSFORMS: ()
          SE:
            EMA_ALPHA: 0.999
            CONF_THRE: 0.95
            RAMPUP: 300
          M3SDA:
            LMDA: 0.5
            N_STEP_F: 4
          DAEL:
            WEIGHT_U: 0.5
            CONF_THRE: 0.95
            STRONG_TRANSFORMS: ()
          CROSSGRAD:
            EPS_F: 1.0
            EPS_D: 1.0
            ALPHA_F: 0.5
            ALPHA_D: 0.5
          DDAIG:
            G_ARCH: ""
            LMDA: 0.3
            CLAMP: False
            CLAMP_MIN: -1.0
            CLAMP_MAX: 1.0
            WARMUP: 0
            ALPHA: 0.5
          DAELDG:
            WEIGHT_U: 0.5
            CONF_THRE: 0.95
            STRONG_TRANSFORMS: ()
          DOMAINMIX:
            TYPE: "crossdomain"
            ALPHA: 1.0
            BETA: 1.0
          ENTMIN:
            LMDA: 1e-3
          MEANTEACHER:
            WEIGHT_U: 1.0
            EMA_ALPHA: 0.999
            RAMPUP: 5
          MIXMATCH:
            WEIGHT_U: 100.0
            TEMP: 2.0
            MIXUP_BETA: 0.75
            RAMPUP: 20000
          FIXMATCH:
            WEIGHT_U: 1.0
            CONF_THRE: 0.95
            STRONG_TRANSFORMS: ()
          COOP:
            N_CTX: 16
            CSC: False
            CTX_INIT: ""
            PREC: "fp16"
            CLASS_TOKEN_POSITION: "end"
          COCOOP:
            N_CTX: 16
            CTX_INIT: ""
            PREC: "fp16"
          MAPLE:
            N_CTX: 2
            CTX_INIT: "a photo of a"
            PREC: "fp16"
            PROMPT_DEPTH: 9
          PROMPTSRC:
            N_CTX_VISION: 4
            N_CTX_TEXT: 4
            CTX_INIT: "a photo of a"
            PREC: "fp16"
            PROMPT_DEPTH_VISION: 9
            PROMPT_DEPTH_TEXT: 9
            TEXT_LOSS_WEIGHT: 25
            IMAGE_LOSS_WEIGHT: 10
            GPA_MEAN: 15
            GPA_STD: 1
          IVLP:
            N_CTX_VISION: 2
            N_CTX_TEXT: 2
            CTX_INIT: "a photo of a"
            PREC: "fp16"
            PROMPT_DEPTH_VISION: 9
            PROMPT_DEPTH_TEXT: 9
          VPT:
            N_CTX_VISION: 2
            CTX_INIT: "a photo of a"
            PREC: "fp16"
            PROMPT_DEPTH_VISION: 1
          PROMETAR:
            N_CTX_VISION: 4
            N_CTX_TEXT: 4
            CTX_INIT: "a photo of a"
            PREC: "fp16"
            PROMPT_DEPTH_VISION: 9
            PROMPT_DEPTH_TEXT: 9
            ADAPT_LR: 0.0005
            LR_RATIO: 0.0005
            FAST_ADAPTATION: False
            MIXUP_ALPHA: 0.5
            MIXUP_BETA: 0.5
            DIM_RATE: 8
        """
}
