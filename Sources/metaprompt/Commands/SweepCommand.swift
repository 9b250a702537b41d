import CLIP
import CLIPAdapter
import Datasets
import Evaluation
import Foundation
import TensorIO
import Training

/// `metaprompt sweep`: the papers' protocols over data sets × methods × seeds, under mpirun.
struct SweepCommand: Command {
    static let configuration = CommandConfiguration(
        name: "sweep",
        summary: "the papers' protocols over data sets × methods × seeds (base-to-new, few-shot, cross-dataset, domain generalisation), under mpirun",
        discussion: """
            Runs every (data set, method, seed) as `train` runs it, laid out as the official scripts
            (PromptSRC's scripts/promptsrc/*.sh, ProMetaR's scripts/base2new_*.sh) lay it out under
            --output, with the official trainer names (ZeroshotCLIP, CoOp, VPT, IVLP, PromptSRC,
            ProMetaR) as the method folders and the published config's name as <cfg>:
              base2new       base2new/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/ and
                             base2new/test_new/… (the new classes)
              few-shot       few_shot/<dataset>/<method>/<cfg>_<K>shots/seed<S>/ (all classes)
              cross-dataset  imagenet/<method>/<cfg>_<K>shots/seed<S>/ (--source, all classes), then
                             evaluation/<method>/<cfg>_<K>shots/<dataset>/seed<S>/ per target
              dg             the same, the targets ImageNet's variants (imagenetv2, imagenet_sketch,
                             imagenet_a, imagenet_r: test-only, all their classes)
            A run whose results are there for the same settings and inputs is kept, so a
            resubmitted sweep continues. Whole runs go to groups of --ranks-per-run ranks, longest
            first (estimated from measured ViT-B/16 step times, scaled to the model). At the end,
            rank 0 prints the paper-style table (per data set and the average over data sets) and
            writes it with results.json, results.csv and chart.svg to <output>/sweep/<setting>/.
            --plan lists the runs, their estimated single-core time and their group, and exits.
            gram_coop, gram_vpt and gram_ivlp meta-train GRAM once per seed on --pairs (its
            features computed once over every rank, in <output>/gram/), before every data set's
            run starts from it. SIGUSR1/SIGTERM stop the sweep with exit 75 (a training run after
            its step, with a checkpoint); the same command continues it.
            Every <cfg> name is the method's published one; runs with other settings (--set,
            --epochs, --batch-size) need --cfg to name theirs.
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory") var model: String
    @Option(valueName: "DATA", help: "the directory holding CoOp's data sets") var root: String
    @Option(help: "the protocol: base2new, few-shot, cross-dataset, dg") var setting: SweepSetting = .base2new
    @Option(valueName: "all|d1,d2,...",
            help: "the data sets (CoOp's config names: caltech101, oxford_pets, ...); all: the 11 (cross-dataset: the 10 targets besides --source; dg: the 4 ImageNet variants)")
    var datasets: CommaSeparated<String> = ["all"]
    @Option(valueName: "NAME", help: "cross-dataset, dg: the data set trained on") var source: String = "imagenet"
    @Option(valueName: "m1,m2,...", help: "methods: zeroshot, coop, vpt, ivlp, promptsrc, prometar; gram_coop, gram_vpt, gram_ivlp (with --pairs)") var methods: CommaSeparated<String> = ["prometar"]
    @Option(valueName: "1,2,3", help: "seeds of every run") var seeds: CommaSeparated<Int> = [1, 2, 3]
    @Option(valueName: "K", help: "shots per class", in: 1...100_000) var shots: Int = 16
    @Option(valueName: "DIR", help: "the output tree's root (the official scripts' output/)") var output: String = "output"
    @Option(valueName: "[method:]key=value", help: "a configuration key for every trained method, or with 'method:' for one (repeatable)")
    var set: [String]
    @Option(valueName: "NAME", help: "the <cfg> folder of every trained run (needed when --set, --epochs or --batch-size change a method's published settings)")
    var cfg: String?
    @Option(valueName: "E", help: "epochs of every trained run (default: each method's published)", in: 1...100_000) var epochs: Int?
    @Option(valueName: "B", help: "images per step of every trained run (default: each method's published)", in: 1...100_000) var batchSize: Int?
    @Option(valueName: "K", help: "ranks that run each run together (the job's size must be a multiple of K)", in: 1...1_000_000)
    var ranksPerRun: Int = 1
    @Option(valueName: "FILE", help: "gram_*: the image-caption pairs GRAM meta-trains on (TSV or JSONL)") var pairs: String?
    @Option(valueName: "N", help: "gram_*: GRAM's meta-steps", in: 1...100_000_000) var gramSteps: Int = 100
    @Flag(help: "list the runs, their estimated cost and group, then exit") var plan = false
    @OptionGroup var communication: CommunicationOptions

    static let trainedMethods = ["coop", "vpt", "ivlp", "promptsrc", "prometar"]
    static let gramMethods = MethodConfiguration.gramVariants.map(\.name)

    func validate() throws {
        guard !seeds.elements.isEmpty else { throw UsageError("--seeds is empty") }
        for m in methods.elements where m != "zeroshot" && !Self.trainedMethods.contains(m) && !Self.gramMethods.contains(m) {
            throw UsageError("unknown method '\(m)' for --methods; one of zeroshot, \((Self.trainedMethods + Self.gramMethods).joined(separator: ", "))")
        }
        let usesGRAM = methods.elements.contains(where: Self.gramMethods.contains)
        if usesGRAM && pairs == nil { throw UsageError("\(methods.elements.first(where: Self.gramMethods.contains)!) meta-trains on image-caption pairs: give --pairs FILE") }
        if !usesGRAM && (pairs != nil || $gramSteps.isGiven) { throw UsageError("--pairs and --gram-steps go with a gram_* method") }
        _ = try datasetList()
        _ = try configurations()
    }

    /// The data sets trained on and the targets, as ``SweepDataset``s under --root. A
    /// test-only data set (an ImageNet variant) is only ever a target.
    func datasetList() throws -> (trained: [SweepDataset], targets: [SweepDataset]) {
        func sweepDataset(_ d: StandardDataset) -> SweepDataset { SweepDataset(name: d.configName, source: .standard(d, root: root)) }
        func dataset(_ name: String, trained: Bool) throws -> SweepDataset {
            guard let d = StandardDataset(name: name) else { throw UsageError(DatasetError.unknownDataset(name: name).description) }
            if trained && d.isTestOnly {
                throw UsageError(DatasetError.testOnly(dataset: d, refused: "\(shots)-shot training list").description)
            }
            return sweepDataset(d)
        }
        let names = datasets.elements, all = names == ["all"]
        let trainable = StandardDataset.allCases.filter { !$0.isTestOnly }
        switch setting {
        case .base2new, .fewShot:
            return (all ? trainable.map(sweepDataset) : try names.map { try dataset($0, trained: true) }, [])
        case .crossDataset, .domainGeneralisation:
            let from = try dataset(source, trained: true)
            let targets = !all ? try names.map { try dataset($0, trained: false) }
                : setting == .crossDataset ? trainable.filter { $0.configName != from.name }.map(sweepDataset)
                : StandardDataset.allCases.filter(\.isTestOnly).map(sweepDataset)
            return ([from], targets)
        }
    }

    /// A row of the table: its trainer folder, the method trained and its configuration, the
    /// <cfg> folder and, for a GRAM row, GRAM's configuration.
    struct Row {
        var name: String, method: String, config: JSONValue, cfg: String, gram: JSONValue?
    }

    /// The --set assignments for `target` (`target:key=value`) and for every method (`key=value`).
    func assignments(for target: String) throws -> [String] {
        var mine: [String] = []
        for assignment in set {
            if let colon = assignment.firstIndex(of: ":"), !assignment[..<colon].contains("=") {
                let name = String(assignment[..<colon])
                guard methods.elements.contains(name) || (name == "gram" && methods.elements.contains(where: Self.gramMethods.contains)) else {
                    throw UsageError("--set '\(assignment)': '\(name)' is not one of --methods\(Self.gramMethods.contains(where: methods.elements.contains) ? " (or gram, for GRAM's meta-training)" : "")")
                }
                if name == target { mine.append(String(assignment[assignment.index(after: colon)...])) }
            } else if target != "gram" {
                mine.append(assignment)
            }
        }
        return mine
    }

    /// `method`'s configuration: `base` over the method's defaults, then `assignments`.
    static func configuration(_ method: String, base: [(String, JSONValue)], assignments: [String], label: String) throws -> JSONValue {
        do {
            let json = try ConfigOverrides.apply(assignments, to: .object(JSONObject(base)))
            _ = try MethodConfiguration.load(method: method, json: json, source: "--set")
            return json
        } catch let error as ConfigurationError {
            throw SettingError(description: "\(label): \(error.description)")
        }
    }

    /// Each row's configuration (the --set keys for it) and its <cfg> folder.
    func configurations() throws -> [Row] {
        try methods.elements.map { method in
            if method == "zeroshot" {
                return Row(name: "ZeroshotCLIP", method: method, config: .object(JSONObject()), cfg: MethodConfiguration.publishedConfigName(for: method)!, gram: nil)
            }
            let mine = try assignments(for: method)
            if let variant = MethodConfiguration.gramVariants.first(where: { $0.name == method }) {
                let config = try Self.configuration(variant.base, base: variant.shape, assignments: mine, label: method)
                let gram = try Self.configuration("gram", base: variant.shape, assignments: try assignments(for: "gram"), label: "gram")
                let published = MethodConfiguration.publishedConfigName(for: variant.base)! + "_gram"
                guard cfg != nil || (mine.isEmpty && epochs == nil && batchSize == nil) else {
                    throw UsageError("--set, --epochs or --batch-size change \(method)'s settings (\(published)): name the runs' <cfg> folder with --cfg")
                }
                let cfg = cfg ?? published
                return Row(name: variant.trainer, method: variant.base, config: config, cfg: cfg, gram: gram)
            }
            let json = try Self.configuration(method, base: [], assignments: mine, label: method)
            let changed = !mine.isEmpty || epochs != nil || batchSize != nil
            if let cfg { return Row(name: MethodConfiguration.trainerName(for: method)!, method: method, config: json, cfg: cfg, gram: nil) }
            guard !changed else {
                throw UsageError("--set, --epochs or --batch-size change \(method)'s published settings (\(MethodConfiguration.publishedConfigName(for: method)!)): name the runs' <cfg> folder with --cfg")
            }
            return Row(name: MethodConfiguration.trainerName(for: method)!, method: method, config: json, cfg: MethodConfiguration.publishedConfigName(for: method)!, gram: nil)
        }
    }

    /// The sweep: runs in data-set, method, seed order; GRAM's meta-trainings by variant and seed.
    func sweep() throws -> Sweep {
        let (trained, targets) = try datasetList()
        let rows = try configurations()
        var runs: [SweepRun] = []
        for dataset in trained {
            for row in rows {
                for seed in seeds.elements {
                    let kind: SweepRun.Kind = row.method == "zeroshot" ? .zeroShot(template: EvaluationPrompts.defaultTemplate)
                        : row.gram != nil ? .trainFromGRAM(gram: row.name, method: row.method, config: row.config) : .train(method: row.method, config: row.config)
                    runs.append(SweepRun(name: row.name, seed: seed, kind: kind, cost: 0, dataset: dataset, config: row.cfg, targets: targets))
                }
            }
        }
        let root: String
        switch setting {
        case .base2new: root = output + "/base2new"
        case .fewShot: root = output + "/few_shot"
        case .crossDataset, .domainGeneralisation: root = output
        }
        var sweep = Sweep(modelDirectory: model, pairsFile: pairs, root: root, setting: setting, runs: runs)
        sweep.gramRuns = rows.compactMap { row in row.gram.map { (row.name, $0) } }.flatMap { name, gram in
            seeds.elements.map { GRAMRun(name: name, seed: $0, config: gram, cost: 0) }
        }
        sweep.gramRoot = output + "/gram"
        sweep.gramSteps = gramSteps
        sweep.shots = shots
        sweep.epochs = epochs
        sweep.batchSize = batchSize
        sweep.ranksPerRun = ranksPerRun
        return sweep
    }

    func run() throws {
        var sweep = try self.sweep()
        let ranksPerRun = self.ranksPerRun, plan = self.plan, output = self.output, setting = self.setting
        try launch(communication) { communicator in
            try requireRunGroups(of: ranksPerRun, in: communicator)
            // Costs from the data sets' lists (a missing data set is named here, on every rank,
            // before any collective) and the model's size.
            let scale = SweepCost.scale(for: try CLIPConfiguration.load(path: (sweep.modelDirectory as NSString).appendingPathComponent("config.json")))
            let costs = try SweepCost.seconds(of: sweep.runs, in: sweep, scale: scale)
            for i in sweep.runs.indices { sweep.runs[i].cost = costs[i] }
            for i in sweep.gramRuns.indices { sweep.gramRuns[i].cost = SweepCost.gramSeconds(steps: sweep.gramSteps, scale: scale) }
            let groups = communicator.size / ranksPerRun
            if communicator.rank == 0 {
                print("sweep: \(setting.rawValue), \(sweep.runs.count) runs over \(groups) group(s) of \(ranksPerRun) rank(s), under \(sweep.root)")
                if plan { print(Self.plan(sweep, groups: groups, scale: scale)) }
                fflush(nil)
            }
            if plan { return }
            try sweep.run(communicator: communicator) { print($0); fflush(nil) }
            guard communicator.rank == 0 else { return }
            let report = try SweepReport(sweep)
            print(report.table)
            try writeReportFiles([("table.txt", report.table + "\n"), ("results.json", report.json.serialized(pretty: true) + "\n"),
                                  ("results.csv", report.csv), ("chart.svg", report.chartSVG)], to: "\(output)/sweep/\(setting.rawValue)")
        }
    }

    /// One line per run: its group, estimated single-core time, and directory; then each
    /// group's load.
    static func plan(_ sweep: Sweep, groups: Int, scale: Double) -> String {
        let lists = Sweep.assignment(costs: sweep.runs.map(\.cost), ranks: groups)
        var group = [Int](repeating: 0, count: sweep.runs.count)
        for (g, list) in lists.enumerated() { for i in list { group[i] = g } }
        func hours(_ s: Double) -> String {
            s < 120 ? String(format: "%.0f s", s) : s < 7200 ? String(format: "%.0f min", s / 60) : String(format: "%.1f h", s / 3600)
        }
        var lines = [String(format: "estimated single-core times: measured ViT-B/16 step and evaluation times × %.4g for this model's vision tower", scale),
                     "group  estimate    run"]
        let gramLists = Sweep.assignment(costs: sweep.gramRuns.map(\.cost), ranks: groups)
        for (g, list) in gramLists.enumerated() {
            for i in list {
                let gram = sweep.gramRuns[i]
                lines.append(String(format: "%5d  %9@   GRAM meta-training %@ seed %d (%d steps; first, with the pairs' features over every rank) → %@", g, hours(gram.cost),
                                    gram.name, gram.seed, sweep.gramSteps, sweep.gramDirectory(gram.name, seed: gram.seed)))
            }
        }
        for (i, run) in sweep.runs.enumerated() {
            let targets = run.targets.isEmpty ? "" : " + \(run.targets.count) target evaluation(s) under \(sweep.root)/evaluation/"
            lines.append(String(format: "%5d  %9@   %@ %@ seed %d → %@%@", group[i], hours(run.cost), run.dataset.name, run.name, run.seed,
                                sweep.directory(of: run), targets))
        }
        let loads = lists.indices.map { g in lists[g].reduce(0) { $0 + sweep.runs[$1].cost } + gramLists[g].reduce(0) { $0 + sweep.gramRuns[$1].cost } }
        lines.append("total \(hours(loads.reduce(0, +))) of single-core time; per group " + loads.enumerated().map { "\($0.offset): \(hours($0.element))" }.joined(separator: ", ")
                     + "; the longest group bounds the wall time (a group of K ranks runs its runs about K times faster)")
        return lines.joined(separator: "\n")
    }
}

extension SweepSetting: EnumeratedOptionValue {}
