import AutoDiff
import Datasets
import Distributed
import Foundation
import TensorIO
import Training

/// `metaprompt train`: prompt learning on a Dassl/CoOp dataset, under mpirun or alone.
enum TrainCommand: Command {
    static let name = "train"
    static let summary = "train prompts (CoOp, VPT, IVLP, PromptSRC, ProMetaR; GRAM on caption pairs), under mpirun"
    static let usage = """
        usage: metaprompt train --model DIR --root DATA (--dataset NAME | --split FILE [--images DIR])
                                --method coop|vpt|ivlp|promptsrc|prometar --output DIR
                                [--shots K] [--subsample base|new|all] [--seed S] [--batch-size B]
                                [--tasks-per-step T] [--max-steps N | --epochs E] [--config C.json]
                                [--set key=value ...] [--checkpoint-every N] [--log-every N] [--resume]
                                [--init GRAM/prompts.safetensors] [--crop-scale MIN,MAX]
                                [--new-output DIR | --no-eval]
               metaprompt train --model DIR --method gram --pairs FILE --output DIR [--max-steps N]
                                [--tasks-per-step T] [--domains D] [--classes-per-domain C] [--ways N]
                                [--support-shots K] [--query-shots Q] [--seed S] [--config C.json]
                                [--set key=value ...] [--resume]

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

        --dataset NAME     one of CoOp's 11 datasets under --root (e.g. caltech101, oxford_pets)
        --split FILE       a split_zhou-format JSON; images relative to --images (default: the
                           split file's directory)
        --shots K          shots per class (default 16)
        --subsample S      base (default), new or all classes
        --seed S           seed of every random draw (default 1)
        --batch-size B     images per step (default: the method's published: coop 32, others 4;
                           or the config's 'batch_size')
        --tasks-per-step T ProMetaR virtual tasks per step (default 1: the official algorithm)
        --epochs E         epochs (default: the method's published: coop 200, vpt 5, ivlp 20,
                           promptsrc 20, prometar 10; or the config's 'epochs'); --max-steps N
                           stops earlier (promptsrc then ends with its current prompts: the
                           Gaussian aggregate over the epochs replaces them only after the last)
        --config C.json    method hyperparameters (see 'metaprompt step --help'); --set overrides
                           any key, e.g. --set prompt_optim.lr=0.01
        --resume           continue from the newest checkpoint in DIR/checkpoints
        --no-eval          skip the final evaluation (by default rank 0 evaluates the test split on
                           the trained classes, as Dassl's after_train; Dassl lines in log.txt,
                           numbers in results.json)
        --new-output DIR   after base training, also evaluate the new classes into DIR as
                           'metaprompt eval --subsample new --output DIR' would (log.txt and
                           results.json there, CoOp's test_new run; this run's results.json gets
                           new and harmonic_mean too). Default: DIR with its train_base component
                           replaced by test_new, when it has one; otherwise the new classes are
                           left to 'metaprompt eval --subsample new', as base2new_test.sh does
        --crop-scale A,B   area fraction range of the random resized crop (default 0.08,1 as
                           Dassl; small images with small objects want a higher minimum)
        --init FILE        start coop/vpt/ivlp/promptsrc from a GRAM output: its prompts, and its regulator
                           applied to every gradient (the prompt shapes must match)

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
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["model", "root", "dataset", "split", "images", "method", "output", "shots",
                                                  "subsample", "seed", "batch-size", "tasks-per-step", "max-steps", "epochs",
                                                  "config", "set", "checkpoint-every", "log-every", "init", "pairs", "domains",
                                                  "classes-per-domain", "ways", "support-shots", "query-shots", "crop-scale", "new-output"],
                                 flags: ["resume", "no-eval"])
        if args.wantsHelp { print(usage); return }
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        let method = try args.required("method")
        let trainable = MethodConfiguration.methods.filter { $0 != "zeroshot" }
        guard trainable.contains(method) else {
            throw UsageError("--method must be \(trainable.dropLast().joined(separator: ", ")) or \(trainable.last!), got '\(method)'")
        }
        if method == "gram" { return try runGRAM(args) }
        let source: DatasetSource
        switch (args.string("dataset"), args.string("split")) {
        case let (name?, nil): source = .standard(try StandardDataset.named(name), root: try args.required("root"))
        case let (nil, split?): source = .custom(splitFile: split, imageRoot: args.string("images") ?? parentDirectory(of: split))
        default: throw UsageError("give exactly one of --dataset NAME or --split FILE")
        }
        guard let subsample = ClassSubset(rawValue: args.string("subsample") ?? "base") else {
            throw UsageError("--subsample must be base, new or all")
        }

        let json = try configurationJSON(args)
        let configuration = try MethodConfiguration.load(method: method, json: json, source: args.string("config") ?? "--set")
        let cropScale = try args.unitRange("crop-scale", default: 0.08...1.0)

        let options = TrainingOptions(
            modelDirectory: try args.required("model"), source: source,
            shots: try args.int("shots", default: 16, in: 1...100_000), subsample: subsample,
            seed: try args.int("seed", default: 1), batchSize: try args.int("batch-size", default: configuration.batchSize, in: 1...100_000),
            tasksPerStep: try args.int("tasks-per-step", default: 1, in: 1...100_000),
            maxSteps: args.string("max-steps") == nil ? nil : try args.int("max-steps", default: 1, in: 1...100_000_000),
            epochs: try args.int("epochs", default: configuration.epochs, in: 1...100_000),
            outputDirectory: try args.required("output"), method: configuration,
            checkpointEvery: try args.int("checkpoint-every", default: 100, in: 1...100_000_000),
            logEvery: try args.int("log-every", default: 10, in: 1...100_000_000),
            resume: args.has("resume"), resolvedConfiguration: json)
        var withInit = options
        withInit.initialisation = args.string("init")
        withInit.evaluate = !args.has("no-eval")
        if args.has("no-eval") && args.string("new-output") != nil { throw UsageError("--new-output does not go with --no-eval") }
        if args.string("new-output") != nil && subsample != .base { throw UsageError("--new-output goes with --subsample base") }
        withInit.newClassOutput = args.string("new-output") ?? TrainingOptions.testNewDirectory(for: options.outputDirectory)
        withInit.cropScale = cropScale
        try launch { try Trainer(options: withInit, communicator: $0).run() }
    }

    /// The --config file's JSON (or an empty object) with the --set overrides applied.
    static func configurationJSON(_ args: Arguments) throws -> JSONValue {
        var json: JSONValue = .object(JSONObject())
        if let path = args.string("config") {
            guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot read the config file") }
            do { json = try JSONValue(parsing: data) } catch { throw TrainingError("\(path): not valid JSON: \(error)") }
        }
        return try ConfigOverrides.apply(args.strings("set"), to: json)
    }

    static func runGRAM(_ args: Arguments) throws {
        let options = GRAMTrainingOptions(
            modelDirectory: try args.required("model"), pairsFile: try args.required("pairs"), seed: try args.int("seed", default: 1),
            steps: try args.int("max-steps", default: 100, in: 1...100_000_000), tasksPerStep: try args.int("tasks-per-step", default: 1, in: 1...100_000),
            domains: try args.int("domains", default: 4, in: 2...100_000), classesPerDomain: try args.int("classes-per-domain", default: 8, in: 1...100_000),
            ways: try args.int("ways", default: 4, in: 2...100_000), supportShots: try args.int("support-shots", default: 2, in: 1...100_000),
            queryShots: try args.int("query-shots", default: 2, in: 1...100_000), outputDirectory: try args.required("output"),
            method: try MethodConfiguration.load(method: "gram", json: try configurationJSON(args), source: args.string("config") ?? "--set"), checkpointEvery: try args.int("checkpoint-every", default: 100, in: 1...100_000_000),
            logEvery: try args.int("log-every", default: 10, in: 1...100_000_000), resume: args.has("resume"))
        try launch { try GRAMTrainer(options: options, communicator: $0).run() }
    }
}
