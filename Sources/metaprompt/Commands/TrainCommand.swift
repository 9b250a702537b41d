import AutoDiff
import CLIPAdapter
import Dassl
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

            The official command line: base2new_train.sh's `python train.py` line with
            `metaprompt train --model CLIP` in its place, the rest as it is:
                metaprompt train --model $CLIP --root $DATA --seed 1 --trainer ProMetaR \\
                    --dataset-config-file configs/datasets/eurosat.yaml \\
                    --config-file configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml \\
                    --output-dir $DIR DATASET.NUM_SHOTS 16 DATASET.SUBSAMPLE_CLASSES base
            Merged as train.py's setup_cfg: Dassl's defaults, the dataset config, the trainer
            config, the flags (--root, --output-dir, --seed, --trainer and metaprompt's --dataset,
            --shots, --subsample, --epochs, --batch-size, --eval-batch-size, --no-eval,
            --crop-scale, --log-every), then the KEY VALUE pairs; --set applies last. A key
            metaprompt cannot honour (CSC True, another backbone, an unknown key, ...) stops the
            run with exit 64 naming the file (or the command line) and the key; the README lists
            the keys. An official run resumes from its directory's checkpoints, as Dassl does.
            --config goes with --method (metaprompt's JSON), not with these.
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory") var model: String
    @OptionGroup var data: DatasetSourceOptions
    @Option(help: "the method (required unless --trainer or an official config says it); gram meta-trains on image-caption pairs (--pairs) instead of a dataset")
    var method: MethodName?
    @Option(valueName: "DIR", help: "the run's directory (see above; required unless --output-dir or an official config)") var output: String?
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
    @OptionGroup var official: OfficialOptions

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
        if output != nil && official.outputDir != nil { throw UsageError("give --output or --output-dir, not both") }
        if official.isOfficial {
            let given = official.given.joined(separator: ", ")
            if hyperparameters.config != nil { throw UsageError("--config (metaprompt's JSON) does not go with \(given); official configs are --config-file") }
            if method != nil && official.trainer != nil { throw UsageError("give --method or --trainer, not both") }
            if method == .gram { throw UsageError("--method gram has no official trainer; it does not go with \(given)") }
            if let option = gram.givenOptions().first { throw UsageError("\(option) goes with --method gram") }
            if data.dataset != nil && data.split != nil { throw UsageError("give exactly one of --dataset NAME or --split FILE") }
            if let name = data.dataset, StandardDataset(name: name) == nil { throw UsageError(DatasetError.unknownDataset(name: name).description) }
            if data.images != nil && data.split == nil { throw UsageError("--images goes with --split") }
        } else {
            guard let method else { throw UsageError("missing --method") }
            guard output ?? official.outputDir != nil else { throw UsageError("missing --output") }
            if method == .gram {
                if let option = data.givenOptions().first ?? fewShot.givenOptions().first {
                    throw UsageError("\(option) does not go with --method gram")
                }
                guard gram.pairs != nil else { throw UsageError("missing --pairs") }
                return
            }
            if let option = gram.givenOptions().first { throw UsageError("\(option) goes with --method gram") }
            if case .standard(let dataset, _) = try data.source(), dataset.isTestOnly {
                throw UsageError(DatasetError.testOnly(dataset: dataset, refused: "\(fewShot.shots)-shot training list").description)
            }
            if fewShot.newOutput != nil && fewShot.subsample != .base { throw UsageError("--new-output goes with --subsample base") }
        }
        if fewShot.noEval && fewShot.newOutput != nil { throw UsageError("--new-output does not go with --no-eval") }
        if fewShot.noEval && fewShot.$evalBatchSize.isGiven { throw UsageError("--eval-batch-size does not go with --no-eval") }
    }

    /// What a run on a dataset trains with, from metaprompt's options or an official config.
    struct Plan {
        var method: MethodName
        var configuration: MethodConfiguration
        /// MethodConfiguration's JSON keys as given, for config.json.
        var json: JSONValue
        var source: DatasetSource
        var shots: Int
        var subsample: ClassSubset
        var seed: Int
        var output: String
        var batchSize: Int
        var epochs: Int
        var evaluate: Bool
        var evaluationBatchSize: Int
        var cropScale: ClosedRange<Double>
        var logEvery: Int
        var resume: Bool
    }

    /// The plan of metaprompt's own options.
    func plan() throws -> Plan {
        let method = method!  // validate() requires it without an official config
        let json = try hyperparameters.json()
        let configuration = try hyperparameters.configuration(for: method, json: json)
        return Plan(method: method, configuration: configuration, json: json, source: try data.source(), shots: fewShot.shots,
                    subsample: fewShot.subsample, seed: seeding.seed, output: (output ?? official.outputDir)!,
                    batchSize: fewShot.batchSize ?? configuration.batchSize, epochs: fewShot.epochs ?? configuration.epochs,
                    evaluate: !fewShot.noEval, evaluationBatchSize: fewShot.evalBatchSize, cropScale: fewShot.cropScale.range,
                    logEvery: cadence.logEvery, resume: resumption.resume)
    }

    /// The plan of an official command line: `setup_cfg`'s merge with the flags that have a
    /// Dassl key, translated (``OfficialRun``), then --set over its JSON. Dassl resumes from
    /// the output directory's checkpoints whenever there are some, and so does this run.
    func officialPlan() throws -> Plan {
        var flags = CommandLineFlags()
        flags.root = data.root
        if let value = output ?? official.outputDir { flags.outputDirectory = (value, output != nil ? "--output" : "--output-dir") }
        if seeding.$seed.isGiven { flags.seed = seeding.seed }
        if let trainer = official.trainer { flags.trainer = (trainer, "--trainer") }
        if let method, let name = OfficialRun.trainerName(of: method) { flags.trainer = (name, "--method") }
        flags.dataset = data.dataset.flatMap { StandardDataset(name: $0)?.rawValue }
        if fewShot.$shots.isGiven { flags.shots = fewShot.shots }
        if fewShot.$subsample.isGiven { flags.subsample = fewShot.subsample.rawValue }
        flags.epochs = fewShot.epochs
        flags.batchSize = fewShot.batchSize
        if fewShot.$evalBatchSize.isGiven { flags.evaluationBatchSize = fewShot.evalBatchSize }
        flags.noEvaluation = fewShot.noEval
        if fewShot.$cropScale.isGiven { flags.cropScale = fewShot.cropScale.range }
        if cadence.$logEvery.isGiven { flags.logEvery = cadence.logEvery }

        let run = try official.resolve(flags: flags, model: try ModelFacts(directory: model))
        let json: JSONValue
        do { json = try ConfigOverrides.apply(hyperparameters.set, to: run.configuration) } catch let error as ConfigurationError {
            throw SettingError(description: error.description)
        }
        let configuration: MethodConfiguration
        do {
            let source = hyperparameters.set.isEmpty ? "the Dassl config" : "the Dassl config with --set"
            configuration = try MethodConfiguration.load(method: run.method.rawValue, json: json, source: source)
        } catch let error as ConfigurationError {
            throw SettingError(description: error.description)
        }
        let source: DatasetSource
        switch (run.dataset, data.split) {
        case let (dataset?, nil): source = .standard(dataset, root: run.root)
        case let (nil, split?): source = .custom(splitFile: split, imageRoot: data.images ?? parentDirectory(of: split))
        case (_?, _?): throw UsageError("--split does not go with DATASET.NAME \(run.tree["DATASET.NAME"].value) (\(run.tree["DATASET.NAME"].origin))")
        case (nil, nil): throw UsageError("no dataset: DATASET.NAME is empty (give --dataset-config-file configs/datasets/NAME.yaml) and no --split")
        }
        if fewShot.newOutput != nil && run.subsample != .base { throw UsageError("--new-output goes with DATASET.SUBSAMPLE_CLASSES base") }
        return Plan(method: run.method, configuration: configuration, json: json, source: source, shots: run.shots, subsample: run.subsample,
                    seed: run.seed, output: run.outputDirectory, batchSize: configuration.batchSize, epochs: configuration.epochs,
                    evaluate: run.evaluates, evaluationBatchSize: run.evaluationBatchSize, cropScale: run.cropScale, logEvery: run.logEvery,
                    resume: true)
    }

    func run() throws {
        if method == .gram { return try runGRAM() }
        let plan = try official.isOfficial ? officialPlan() : plan()
        let options = TrainingOptions(
            modelDirectory: model, source: plan.source,
            shots: plan.shots, subsample: plan.subsample,
            seed: plan.seed, batchSize: plan.batchSize,
            tasksPerStep: tasksPerStep,
            maxSteps: maxSteps,
            epochs: plan.epochs,
            outputDirectory: plan.output, method: plan.configuration,
            checkpointEvery: cadence.checkpointEvery,
            logEvery: plan.logEvery,
            resume: plan.resume, resolvedConfiguration: plan.json)
        var withInit = options
        withInit.initialisation = fewShot.initialisation
        withInit.evaluate = plan.evaluate
        withInit.evaluationBatchSize = plan.evaluationBatchSize
        withInit.newClassOutput = fewShot.newOutput ?? TrainingOptions.testNewDirectory(for: options.outputDirectory)
        withInit.cropScale = plan.cropScale
        withInit.keepCheckpoints = cadence.keepCheckpoints
        try launch(communication) { try Trainer(options: withInit, communicator: $0).run() }
    }

    func runGRAM() throws {
        var options = GRAMTrainingOptions(
            modelDirectory: model, pairsFile: gram.pairs!, seed: seeding.seed,
            steps: maxSteps ?? 100, tasksPerStep: tasksPerStep,
            domains: gram.domains, classesPerDomain: gram.classesPerDomain,
            ways: gram.ways, supportShots: gram.supportShots,
            queryShots: gram.queryShots, outputDirectory: (output ?? official.outputDir)!,
            method: try hyperparameters.configuration(for: .gram, json: try hyperparameters.json()), checkpointEvery: cadence.checkpointEvery,
            logEvery: cadence.logEvery, resume: resumption.resume)
        options.keepCheckpoints = cadence.keepCheckpoints
        options.featuresFile = gram.features
        options.imageCache = gram.imageCache
        try launch(communication) { try GRAMTrainer(options: options, communicator: $0).run() }
    }
}
