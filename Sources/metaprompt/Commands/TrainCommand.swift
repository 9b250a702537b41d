import AutoDiff
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import TensorIO
import Training

/// `metaprompt train`: prompt learning on a Dassl/CoOp dataset, under mpirun or alone.
struct TrainCommand: Command {
    static let configuration = CommandConfiguration(
        name: "train",
        summary: "train prompts (CoOp, VPT, IVLP, PromptSRC, ProMetaR; GRAM on caption pairs), under mpirun",
        discussion: """
            Trains on the few-shot training split (K shots per class, sampled as CoOp does with the
            seed and cached in split_fewshot/), with CLIP augmentation (random resized crop + flip)
            drawn per (seed, epoch, image). Under mpirun, each step's T ProMetaR tasks are split over
            the ranks and their meta-gradients combined in a rank-count-independent way: -np 1, 2, 3
            and 4 give byte-identical checkpoints. Base methods compute each step on every rank.

            Rank 0 prints progress and writes to DIR: log.txt, metrics.jsonl, config.json (the
            resolved configuration), checkpoints/step-<n>.safetensors (atomically, every N steps and
            at the end; parameters, momentum.*, promptsrc's gpa.* and the step), prompts.safetensors
            and results.json.
            CoOp's convention for DIR: output/base2new/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>.
            log.txt ends as Dassl's does: "Finish training" (and "Finished training", the line
            ProMetaR's copy of parse_test_res.py waits for), then the test block of the trained
            classes, so `python parse_test_res.py output/base2new/train_base/<dataset>/shots_16/
            <method>/<cfg>` reports the base accuracy with either copy of the script.

            GRAM (our reading of Li et al., ICCV 2023): image-caption pairs (TSV image<TAB>caption
            or JSONL) are clustered into D domains on frozen image features and C pseudo-classes per
            domain on caption features; each task is N-way with K support pairs per class from one
            domain and Q query pairs from another; the prompt initialisation and the gradient
            regulator are meta-learned through the regulated inner steps (exact second order).
            Defaults: D 4, C 8, N 4, K 2, Q 2, 100 steps. The output plugs into --init.
            Its schedule is per meta-step: prompt_optim.warmup_steps / regulator_optim.warmup_steps
            (default a tenth of --max-steps, rounded down) at warmup_lr (1e-5 / 1e-6), then a
            cosine from lr (0.0025 / 0.00025) to 0 over the remaining steps, e.g.
            --set prompt_optim.warmup_steps=0 (warmup_epochs is for the other methods).
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory") var model: String
    @OptionGroup var data: DatasetSourceOptions
    @Option(help: "the method; gram meta-trains on image-caption pairs (--pairs) instead of a dataset") var method: MethodName
    @Option(valueName: "DIR", help: "the run's directory (see above)") var output: String
    @OptionGroup var fewShot: FewShotOptions
    @OptionGroup var seeding: SeedOption
    @Option(valueName: "T", help: "virtual tasks per step (ProMetaR, GRAM), independent of the rank count; 1 is the official algorithm",
            in: 1...100_000)
    var tasksPerStep: Int = 1
    @Option(help: "stop after N steps (default: the end of the last epoch; gram: 100 meta-steps)", in: 1...100_000_000) var maxSteps: Int?
    @OptionGroup var hyperparameters: ConfigurationOptions
    @OptionGroup var cadence: CadenceOptions
    @OptionGroup var resumption: ResumeOption
    @OptionGroup var communication: CommunicationOptions
    @OptionGroup var gram: GRAMOptions

    /// The options of training on a dataset's few-shot split, which GRAM does not take.
    struct FewShotOptions: ParsableArguments {
        @Option(valueName: "K", help: "shots per class", in: 1...100_000) var shots: Int = 16
        @Option(help: "the classes trained on") var subsample: ClassSubset = .base
        @Option(valueName: "B", help: "images per step (default: the method's published: coop 32, others 4; or the config's 'batch_size')",
                in: 1...100_000)
        var batchSize: Int?
        @Option(valueName: "E",
                help: "epochs (default: the method's published: coop 200, vpt 5, ivlp 20, promptsrc 20, prometar 10; or the config's 'epochs'); --max-steps N stops earlier (promptsrc then ends with its current prompts: the Gaussian aggregate over the epochs replaces them only after the last)",
                in: 1...100_000)
        var epochs: Int?
        @Option(name: "init", valueName: "GRAM/prompts.safetensors",
                help: "start coop/vpt/ivlp/promptsrc from a GRAM output: its prompts, and its regulator applied to every gradient (the prompt shapes must match)")
        var initialisation: String?
        @Option(help: "area fraction range of the random resized crop (Dassl's; small images with small objects want a higher minimum)")
        var cropScale = CropScale(0.08...1.0)
        @Option(valueName: "DIR",
                help: "after base training, also evaluate the new classes into DIR as 'metaprompt eval --subsample new --output DIR' would (log.txt and results.json there, CoOp's test_new run; this run's results.json gets new and harmonic_mean too). Default: the output directory with its train_base component replaced by test_new, when it has one; otherwise the new classes are left to 'metaprompt eval --subsample new', as base2new_test.sh does")
        var newOutput: String?
        @Flag(help: "skip the final evaluation (by default the test split on the trained classes is evaluated, as Dassl's after_train, its batches split over the ranks; Dassl lines in log.txt, numbers in results.json)")
        var noEval = false
        @Option(valueName: "B", help: "images per forward pass of the final evaluation", in: 1...65_536) var evalBatchSize: Int = 32
    }

    /// GRAM's meta-training options.
    struct GRAMOptions: ParsableArguments {
        @Option(valueName: "FILE", help: "image-caption pairs, TSV image<TAB>caption or JSONL (gram's data)") var pairs: String?
        @Option(valueName: "D", help: "domains the pairs are clustered into", in: 2...100_000) var domains: Int = 4
        @Option(valueName: "C", help: "pseudo-classes per domain", in: 1...100_000) var classesPerDomain: Int = 8
        @Option(help: "classes per task", in: 2...100_000) var ways: Int = 4
        @Option(valueName: "K", help: "support pairs per class", in: 1...100_000) var supportShots: Int = 2
        @Option(valueName: "Q", help: "query pairs per class", in: 1...100_000) var queryShots: Int = 2
        @Option(valueName: "FILE",
                help: "the pairs' frozen features (safetensors), computed once over the ranks and reused while the pairs and model are the same; an interrupted extraction resumes (default: features.safetensors in the output directory)")
        var features: String?
        @Option(valueName: "N", help: "preprocessed task images kept in memory (602 KB each at 224²)", in: 1...10_000_000)
        var imageCache: Int = ImageCache.defaultCapacity
    }

    func validate() throws {
        if method == .gram {
            if let option = data.givenOptions().first ?? fewShot.givenOptions().first {
                throw UsageError("\(option) does not go with --method gram")
            }
            guard gram.pairs != nil else { throw UsageError("missing --pairs") }
        } else {
            if let option = gram.givenOptions().first { throw UsageError("\(option) goes with --method gram") }
            if case .standard(let dataset, _) = try data.source(), dataset.isTestOnly {
                throw UsageError(DatasetError.testOnly(dataset: dataset, refused: "\(fewShot.shots)-shot training list").description)
            }
            if fewShot.noEval && fewShot.newOutput != nil { throw UsageError("--new-output does not go with --no-eval") }
            if fewShot.newOutput != nil && fewShot.subsample != .base { throw UsageError("--new-output goes with --subsample base") }
            if fewShot.noEval && fewShot.$evalBatchSize.isGiven { throw UsageError("--eval-batch-size does not go with --no-eval") }
        }
    }

    func run() throws {
        if method == .gram { return try runGRAM() }
        let source = try data.source()
        let subsample = fewShot.subsample

        let json = try hyperparameters.json()
        let configuration = try hyperparameters.configuration(for: method, json: json)
        let cropScale = fewShot.cropScale.range

        let options = TrainingOptions(
            modelDirectory: model, source: source,
            shots: fewShot.shots, subsample: subsample,
            seed: seeding.seed, batchSize: fewShot.batchSize ?? configuration.batchSize,
            tasksPerStep: tasksPerStep,
            maxSteps: maxSteps,
            epochs: fewShot.epochs ?? configuration.epochs,
            outputDirectory: output, method: configuration,
            checkpointEvery: cadence.checkpointEvery,
            logEvery: cadence.logEvery,
            resume: resumption.resume, resolvedConfiguration: json)
        var withInit = options
        withInit.initialisation = fewShot.initialisation
        withInit.evaluate = !fewShot.noEval
        withInit.evaluationBatchSize = fewShot.evalBatchSize
        withInit.newClassOutput = fewShot.newOutput ?? TrainingOptions.testNewDirectory(for: options.outputDirectory)
        withInit.cropScale = cropScale
        withInit.keepCheckpoints = cadence.keepCheckpoints
        try launch(communication) { try Trainer(options: withInit, communicator: $0).run() }
    }

    func runGRAM() throws {
        var options = GRAMTrainingOptions(
            modelDirectory: model, pairsFile: gram.pairs!, seed: seeding.seed,
            steps: maxSteps ?? 100, tasksPerStep: tasksPerStep,
            domains: gram.domains, classesPerDomain: gram.classesPerDomain,
            ways: gram.ways, supportShots: gram.supportShots,
            queryShots: gram.queryShots, outputDirectory: output,
            method: try hyperparameters.configuration(for: .gram, json: try hyperparameters.json()), checkpointEvery: cadence.checkpointEvery,
            logEvery: cadence.logEvery, resume: resumption.resume)
        options.keepCheckpoints = cadence.keepCheckpoints
        options.featuresFile = gram.features
        options.imageCache = gram.imageCache
        try launch(communication) { try GRAMTrainer(options: options, communicator: $0).run() }
    }
}
