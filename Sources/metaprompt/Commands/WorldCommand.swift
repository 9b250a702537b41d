import AutoDiff
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import Pretraining
import TensorIO
import Training
import World

/// `metaprompt world`: the built-in synthetic world (issue 7): generate it, pretrain a tiny
/// CLIP on it, compare the methods base-to-new on it (deploy/run.sh strings them together).
struct WorldCommand: Command {
    static let configuration = CommandConfiguration(
        name: "world",
        summary: "generate the built-in synthetic world; pretrain a tiny CLIP on it; compare the methods on it",
        discussion: """
            generate  writes DIR/world (downstream dataset in the Dassl layout: 48 colour × shape
                      classes, base = red/yellow/green/blue, new = orange/cyan/purple/pink, 64 train
                      (the pool each seed samples its shots from), 4 val, 100 test images per
                      class, split_zhou_World.json; --train/val/test-per-class change them) and
                      DIR/pretrain (N image-caption pairs, pairs.tsv; default 4000) from the seed
                      (default 1).
                      --hue-rotation sets the downstream shift's hue rotation (default 30°).
            pretrain  trains a tiny CLIP from scratch (both towers 128 wide, 4 layers, patch 8,
                      projection 64) contrastively on freshly drawn pretraining-domain pairs
                      (symmetric InfoNCE, AdamW, warm-up + cosine; batch B = 128 in micro-batches
                      of 32 combined rank-count-independently; peak lr LR, default 0.001) and writes a Hugging Face CLIP
                      directory to DIR. Runs under mpirun like train.
            compare   base-to-new on the generated world (DIR/world, DIR/pretrain/pairs.tsv) with
                      the pretrained model: zero-shot ("a photo of a {}."), coop, ivlp, ivlp_reg
                      (IVLP + the PromptSRC-style regularisers, ProMetaR's weights 50 and 20),
                      promptsrc (PromptSRC: L1 weights 25 and 10, the logit KL term, Gaussian
                      prompt aggregation with the published mean 15 and σ 1 of 20 epochs scaled
                      to E: 0.75·E and 0.05·E), prometar, prometar_lr_ratio0 (the
                      control: ProMetaR with no meta-gradient), gram_coop and gram_ivlp (GRAM
                      meta-trained on the caption pairs for --gram-steps steps, default 100, then
                      initialising and regulating coop / ivlp); each for every seed (default
                      1,2,3,4,5), 16 shots, batch 4, E epochs (default 4). Settings for the tiny model: prompt
                      lr LR (default 0.01, the PyTorch prototype's; GRAM's inner lr too), regulator lr LR/10, adapt_lr =
                      lr_ratio = 5e-4, 4+4 tokens, depth 3+3 of 4 layers (the paper's 9 of 12), CoOp
                      4 tokens from "a photo of a"; the text regulariser averages the world's own
                      prompt templates; training images whole, flipped at random (--crop-scale,
                      default 1,1: Dassl's 0.08…1 crop is made for photos the object fills; here
                      a small object sits anywhere in 32 px and only ~30 % of such crops hold all
                      of it). Under mpirun the ranks form groups of --ranks-per-run K consecutive
                      ranks (default 1) and whole runs are spread over the groups, longest first;
                      each run is a train over its group's ranks, so its result does not depend
                      on K or on the rank count; runs already done with the same settings, model
                      and world files are kept. Writes DIR/<method>/seed<S>/
                      (each run's log.txt, metrics.jsonl, prompts.safetensors, results.json) and
                      DIR/results.json, table.txt, chart.svg, curves.svg.
            """)

    enum Subcommand: String, EnumeratedOptionValue {
        case generate, pretrain, compare
    }

    /// What ``PretrainingOptions`` defaults to, for the help text.
    private static let pretraining = PretrainingOptions(outputDirectory: "", words: [], seed: 0, steps: 1)

    @Argument(help: "what to do (see above)") var subcommand: Subcommand
    @Option(valueName: "DIR", help: "where to write: the world (generate), the model (pretrain), the runs and their summary (compare)")
    var output: String
    @OptionGroup var seeding: SeedOption
    @OptionGroup var communication: CommunicationOptions
    @Option(help: "generate: pretraining image-caption pairs", in: 1...10_000_000) var pairs: Int = WorldConfiguration().pretrainingPairs
    @Option(valueName: "N", help: "generate: downstream train images per class (the few-shot pool the seeds sample from)", in: 0...100_000)
    var trainPerClass: Int = WorldConfiguration().trainPerClass
    @Option(valueName: "N", help: "generate: downstream validation images per class", in: 0...100_000)
    var valPerClass: Int = WorldConfiguration().validationPerClass
    @Option(valueName: "N", help: "generate: downstream test images per class", in: 0...100_000)
    var testPerClass: Int = WorldConfiguration().testPerClass
    @Option(valueName: "DEG", help: "generate: the downstream shift's hue rotation in degrees")
    var hueRotation: Double = WorldConfiguration().downstream.hueRotation
    @Option(help: "pretrain: optimiser steps", in: 1...10_000_000) var steps: Int = 1000
    @Option(valueName: "B", help: "pretrain: pairs per step, a multiple of --micro-batch", in: 32...100_000) var batchSize: Int = 128
    @Option(valueName: "M", help: "pretrain: pairs per InfoNCE micro-batch", in: 2...100_000)
    var microBatch: Int = WorldCommand.pretraining.microBatchSize
    @Option(valueName: "LR", help: "pretrain: peak learning rate") var lr: Double = WorldCommand.pretraining.learningRate
    @Option(valueName: "DIR", help: "compare: the generated world (required)") var world: String?
    @Option(valueName: "DIR", help: "compare: the pretrained model (required)") var model: String?
    @Option(valueName: "1,2,3", help: "compare: the seeds of every method") var seeds: CommaSeparated<Int> = [1, 2, 3, 4, 5]
    @Option(valueName: "E", help: "compare: epochs of every trained method", in: 1...100_000) var epochs: Int = 4
    @Option(help: "compare: GRAM's meta-steps", in: 1...100_000_000) var gramSteps: Int = 100
    @Option(valueName: "m1,m2,...", help: "compare: only these of the comparison's methods") var methods: CommaSeparated<String>?
    @Option(help: "compare: area fraction range of the random resized crop") var cropScale = CropScale(1.0...1.0)
    @Option(valueName: "LR", help: "compare: prompt learning rate (the regulator's is a tenth)") var promptLR: Double = 0.01
    @Option(valueName: "K", help: "compare: ranks that run each run together (groups of K consecutive ranks; the job's size must be a multiple of K)",
            in: 1...1_000_000)
    var ranksPerRun: Int = 1

    func validate() throws {
        switch subcommand {
        case .generate:
            break
        case .pretrain:
            guard batchSize % microBatch == 0 else {
                throw UsageError("--batch-size \(batchSize) must be a multiple of --micro-batch \(microBatch)")
            }
        case .compare:
            guard world != nil else { throw UsageError("missing --world") }
            guard !seeds.elements.isEmpty else { throw UsageError("--seeds is empty") }
            guard promptLR > 0 else { throw UsageError("--prompt-lr must be positive") }
            guard model != nil else { throw UsageError("missing --model") }
        }
    }

    func run() throws {
        let seed = UInt64(seeding.seed)
        switch subcommand {
        case .generate:
            var configuration = WorldConfiguration()
            configuration.pretrainingPairs = pairs
            configuration.trainPerClass = trainPerClass
            configuration.validationPerClass = valPerClass
            configuration.testPerClass = testPerClass
            configuration.downstream.hueRotation = hueRotation
            let summary = try WorldWriter.write(to: output, configuration: configuration, seed: seed)
            print("world \(seed): \(summary.downstreamImages) downstream images (\(summary.splitFile)), \(summary.pretrainingImages) pretraining pairs (\(summary.pairsFile))")
        case .pretrain:
            var options = PretrainingOptions(outputDirectory: output, words: World.vocabulary, seed: seed, steps: steps)
            options.batchSize = batchSize
            options.learningRate = lr
            options.microBatchSize = microBatch
            options.logDirectory = options.outputDirectory
            let configuration = WorldConfiguration()
            try launch(communication) { communicator in
                try PretrainingTrainer(options: options, communicator: communicator) { index in
                    let s = World.pretrainingSample(index: index, seed: seed, configuration: configuration)
                    return (s.image, s.caption)
                }.run()
            }
        case .compare:
            try compare()
        }
    }

    /// The comparison's methods, in table order: (name, kind for a seed, relative cost).
    static func comparisonRuns(seeds: [Int], promptLR: Double, epochs: Int, dataset: SweepDataset) -> [(name: String, runs: [SweepRun])] {
        let templates: JSONValue = .array(World.promptTemplates.map { .string($0) })
        func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }
        let optimisers: [(String, JSONValue)] = [("prompt_optim", object([("lr", .double(promptLR))])),
                                                 ("regulator_optim", object([("lr", .double(promptLR / 10))]))]
        let deep: [(String, JSONValue)] = [("n_ctx_text", .int(4)), ("n_ctx_vision", .int(4)), ("depth_text", .int(3)), ("depth_vision", .int(3))]
        let coop = object([("n_ctx_text", .int(4)), ("ctx_init", .string("a photo of a"))] + optimisers)
        let ivlp = object(deep + optimisers)
        let ivlpReg = object(deep + optimisers + [("text_reg_weight", .double(50)), ("image_reg_weight", .double(20)),
                                                  ("text_target_templates", templates)])
        // PromptSRC's published GPA (mean 15, σ 1 over 20 epochs) at the same place in a run of E epochs.
        let promptsrc = object(deep + optimisers + [("text_target_templates", templates), ("gpa_mean", .double(0.75 * Double(epochs))),
                                                    ("gpa_std", .double(0.05 * Double(epochs)))])
        let prometar = object(deep + optimisers + [("text_target_templates", templates)])
        let control = object(deep + optimisers + [("text_target_templates", templates), ("lr_ratio", .double(0))])
        let gramShared: [(String, JSONValue)] = optimisers + [("inner_lr", .double(promptLR))]
        let gramCoop = object([("n_ctx_text", .int(4)), ("n_ctx_vision", .int(0)), ("depth_text", .int(1)), ("depth_vision", .int(0)),
                               ("ctx_init", .string("a photo of a"))] + gramShared)
        let gramIVLP = object(deep + gramShared)
        // Costs: seconds per run measured under mpirun -np 2 on 2 cores (release build, default
        // settings, 4 epochs, 100 test images per class, 2026-12-07); only the balance of the
        // ranks depends on them.
        let table: [(String, (Int) -> SweepRun.Kind, Double)] = [
            ("zeroshot", { _ in .zeroShot(template: EvaluationPrompts.defaultTemplate) }, 1),
            ("coop", { _ in .train(method: "coop", config: coop) }, 9),
            ("ivlp", { _ in .train(method: "ivlp", config: ivlp) }, 10),
            ("ivlp_reg", { _ in .train(method: "ivlp", config: ivlpReg) }, 13),
            ("promptsrc", { _ in .train(method: "promptsrc", config: promptsrc) }, 13),
            ("prometar", { _ in .train(method: "prometar", config: prometar) }, 55),
            ("prometar_lr_ratio0", { _ in .train(method: "prometar", config: control) }, 18),
            ("gram_coop", { _ in .gramThenTrain(gram: gramCoop, method: "coop", config: coop) }, 17),
            ("gram_ivlp", { _ in .gramThenTrain(gram: gramIVLP, method: "ivlp", config: ivlp) }, 25),
        ]
        return table.map { name, kind, cost in
            (name, seeds.map { SweepRun(name: name, seed: $0, kind: kind($0), cost: cost, dataset: dataset, config: "ep\(epochs)_batch4") })
        }
    }

    /// The differences the comparison states, paired by seed: each method against the method it
    /// builds on and against zero-shot, and ProMetaR against its `lr_ratio = 0` control (the
    /// same run without the meta-step).
    static let comparisonPairs: [(method: String, baseline: String)] = {
        let builtOn = [("coop", nil), ("ivlp", nil), ("ivlp_reg", "ivlp"), ("promptsrc", "ivlp"), ("prometar", "ivlp"),
                       ("prometar_lr_ratio0", "ivlp"), ("gram_coop", "coop"), ("gram_ivlp", "ivlp")] as [(String, String?)]
        return builtOn.flatMap { m, base in (base.map { [(m, $0)] } ?? []) + [(m, "zeroshot")] } + [("prometar", "prometar_lr_ratio0")]
    }()

    func compare() throws {
        let world = self.world!, output = self.output  // validate() requires --world for compare
        let seeds = self.seeds.elements
        let promptLR = self.promptLR
        let epochs = self.epochs
        let dataset = SweepDataset(name: "world", source: .custom(splitFile: world + "/world/split_zhou_World.json", imageRoot: world + "/world/images"))
        var methods = Self.comparisonRuns(seeds: seeds, promptLR: promptLR, epochs: epochs, dataset: dataset)
        if let chosen = self.methods {
            let names = chosen.elements
            for n in names where !methods.contains(where: { $0.name == n }) {
                throw UsageError("unknown method '\(n)' for --methods; one of \(methods.map(\.name).joined(separator: ", "))")
            }
            methods = methods.filter { names.contains($0.name) }
        }
        var sweep = Sweep(modelDirectory: model!, pairsFile: world + "/pretrain/pairs.tsv", root: output, setting: .base2new,
                          runs: methods.flatMap(\.runs))
        sweep.epochs = epochs
        sweep.batchSize = 4
        sweep.gramSteps = gramSteps
        sweep.cropScale = cropScale.range
        sweep.ranksPerRun = ranksPerRun
        sweep.gramRoot = output + "/gram"
        let ranksPerRun = self.ranksPerRun
        try launch(communication) { communicator in
            // Every rank finds this before any collective, so the job ends cleanly with 64.
            try requireRunGroups(of: ranksPerRun, in: communicator)
            if communicator.rank == 0 {
                let groups = communicator.size / ranksPerRun
                print("compare: \(methods.count) methods × \(seeds.count) seeds = \(sweep.runs.count) runs over \(groups) group(s) of \(ranksPerRun) rank(s); each run's log in \(output)/train_base/world/shots_\(sweep.shots)/<method>/ep\(epochs)_batch4/seed<S>/log.txt (new classes: test_new/…)")
                fflush(nil)
            }
            try sweep.run(communicator: communicator) { print($0); fflush(nil) }
            if communicator.rank == 0 {
                var report = try RunReport(root: output, order: methods.map(\.name))
                report.title = "Demo world, base-to-new: accuracy after \(epochs) epoch\(epochs == 1 ? "" : "s") on \(sweep.shots) shots per base class"
                print(report.table)
                let paired = report.pairedTable(Self.comparisonPairs.filter { p in methods.contains { $0.name == p.method } })
                print("\n" + paired)
                try writeReportFiles([("results.json", report.json.serialized(pretty: true) + "\n"), ("table.txt", report.table + "\n"),
                                      ("chart.svg", report.chartSVG), ("curves.svg", report.curvesSVG),
                                      ("paired.txt", paired + "\n")], to: output)
            }
        }
    }
}
