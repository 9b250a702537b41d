import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import MetaLearning
import TensorIO

/// A data set a sweep trains or evaluates on: its folder in the output tree (the `DATASET`
/// argument of CoOp's scripts, its `configs/datasets/<name>.yaml`: `caltech101`, `imagenet`)
/// and where its images and lists are.
public struct SweepDataset: Sendable, Equatable {
    public var name: String
    public var source: DatasetSource

    public init(name: String, source: DatasetSource) {
        self.name = name
        self.source = source
    }
}

/// The papers' evaluation protocols, each laid out as the official scripts lay it out
/// (PromptSRC's `scripts/promptsrc/*.sh`, which ProMetaR's `scripts/base2new_*.sh` follow).
public enum SweepSetting: String, CaseIterable, Sendable {
    /// Train on the base half of each data set's classes, test on the base and the new half
    /// (`base2new_train.sh` / `base2new_test.sh`):
    /// `<root>/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/` and `<root>/test_new/…`.
    case base2new
    /// Train and test on all classes (`reproduce_few_shot.sh`):
    /// `<root>/<dataset>/<method>/<cfg>_<K>shots/seed<S>/`.
    case fewShot = "few-shot"
    /// Train on ImageNet (all classes), test the same prompts on other data sets
    /// (`xd_train.sh` / `xd_test.sh`): `<root>/imagenet/<method>/<cfg>_<K>shots/seed<S>/` and
    /// `<root>/evaluation/<method>/<cfg>_<K>shots/<target>/seed<S>/`.
    case crossDataset = "cross-dataset"
    /// The same with ImageNet's shifted test sets (V2, Sketch, A, R) as the targets.
    case domainGeneralisation = "dg"

    /// The classes a run trains on.
    public var trainingClasses: ClassSubset { self == .base2new ? .base : .all }
}

/// One entry of a sweep: a named method configuration on one seed and one data set.
public struct SweepRun: Sendable {
    public enum Kind: Sendable {
        /// Zero-shot CLIP with one template (no training).
        case zeroShot(template: String)
        /// `metaprompt train --method <method> --config <config>`.
        case train(method: String, config: JSONValue)
        /// GRAM meta-training on the caption pairs with `gram` (its prompt shapes those of
        /// the downstream run) in the run's `gram/` directory, then `train --init` from its
        /// output. The pairs' features are computed once for all such runs, over every rank,
        /// in ``Sweep/featuresPath``.
        case gramThenTrain(gram: JSONValue, method: String, config: JSONValue)
        /// `train --init` from the sweep's GRAM meta-training `gram` of the same seed
        /// (``Sweep/gramRuns``), shared by every data set.
        case trainFromGRAM(gram: String, method: String, config: JSONValue)
    }

    /// The row name in the table, and the trainer folder of the run's directories.
    public var name: String
    public var seed: Int
    public var kind: Kind
    /// Relative cost, for spreading runs over ranks (only the balance depends on it).
    public var cost: Double
    /// The data set it trains on (zero-shot: evaluates on).
    public var dataset: SweepDataset
    /// The `<cfg>` folder of the layout (the official config file's name, CoOp's `CFG`).
    public var config: String
    /// Cross-dataset and domain generalisation: the data sets its prompts are tested on.
    public var targets: [SweepDataset] = []

    public init(name: String, seed: Int, kind: Kind, cost: Double, dataset: SweepDataset, config: String, targets: [SweepDataset] = []) {
        self.name = name
        self.seed = seed
        self.kind = kind
        self.cost = cost
        self.dataset = dataset
        self.config = config
        self.targets = targets
    }
}

/// A GRAM meta-training of a sweep: one per variant and seed, done before the runs that start
/// from it (``SweepRun/Kind/trainFromGRAM(gram:method:config:)``).
public struct GRAMRun: Sendable {
    /// Its folder under ``Sweep/gramRoot`` and the name the runs refer to it by.
    public var name: String
    public var seed: Int
    /// The gram method's configuration (its prompt shapes those of the runs from it).
    public var config: JSONValue
    public var cost: Double

    public init(name: String, seed: Int, config: JSONValue, cost: Double) {
        self.name = name
        self.seed = seed
        self.config = config
        self.cost = cost
    }
}

/// A protocol's runs — data sets × methods × seeds — spread over groups of the job's ranks.
///
/// Each run is an ordinary `train` (or zero-shot evaluation) on its data set's few-shot split,
/// laid out as the official scripts lay it out (``SweepSetting``): log.txt ending with the test
/// block, metrics.jsonl, config.json, prompts.safetensors, results.json. Base-to-new runs also
/// evaluate the new classes into their `test_new` twin; cross-dataset and domain-generalisation
/// runs evaluate their prompts on every target into `evaluation/…/<target>/seed<S>/` (log.txt
/// with the test block, results.json), so `parse_test_res.py` reads every tree (`--test-log` for
/// test-only directories).
///
/// The job's ranks form run groups of ``ranksPerRun`` consecutive ranks (`split(groupSize:)`;
/// 1: every rank runs its own runs). Whole runs are assigned to the groups longest-first to the
/// least-loaded group (by `cost`), and a group runs each of its runs over the group's
/// communicator, as `train` runs over a job's: the group's rank 0 prepares the directories,
/// writes the files and evaluates; the others compute with it. A run's files do not depend on
/// the group it ran in, on ``ranksPerRun`` or on the job's size, apart from timings and two
/// lines of log.txt: how many ranks ran it, and whether its few-shot lists were sampled or
/// found in the cache (which depends on whether a run of the same seed, anywhere in the job,
/// got there first). A GRAM run carries its own meta-training, so no group waits for another.
///
/// Kept runs: a run (or one target's evaluation) whose results.json exists beside a
/// `sweep.json` recording the same configuration and inputs (``configText(_:)``) is not redone,
/// so an interrupted or resubmitted sweep continues where it stopped, and a cross-dataset run
/// shares its ImageNet training with a domain-generalisation run of the same settings. A run
/// that started with the same configuration but did not finish (`sweep-started.txt`) continues
/// from its newest checkpoint: SIGUSR1 or SIGTERM (a cluster's preemption) stops a training
/// run after its step with a checkpoint, and stops a group between runs, and the sweep ends
/// with ``Preempted`` (exit 75); resubmitted, it continues byte-identically. Each
/// group's rank 0 reports a line per finished run of its group; ``run(communicator:progress:)``
/// returns after every group is done.
public struct Sweep {
    public var modelDirectory: String
    /// Image–caption pairs for GRAM meta-training.
    public var pairsFile: String?
    /// The setting's root (`output/base2new`, `output/few_shot`, `output`): the layout of
    /// ``SweepSetting`` goes under it.
    public var root: String
    public var setting: SweepSetting
    public var shots = 16
    /// Images per step and epochs for every run; nil: each method's own (its configuration's
    /// `batch_size` and `epochs`, the published defaults unless set).
    public var batchSize: Int?
    public var epochs: Int?
    /// Area fraction range of the training crops (see ``TrainingOptions/cropScale``).
    public var cropScale: ClosedRange<Double> = 0.08...1.0
    /// GRAM meta-training steps and task shape (`train --method gram` options).
    public var gramSteps = 100
    public var gramDomains = 4
    public var gramClassesPerDomain = 8
    public var gramWays = 4
    /// Ranks that run each run together (`--ranks-per-run`); must divide the job's size.
    public var ranksPerRun = 1
    public var runs: [SweepRun]
    /// GRAM meta-trainings the runs start from, done first: the pairs' frozen features once
    /// over all the job's ranks (``PairFeatures``, in `gramRoot/features.safetensors`), then
    /// the meta-trainings spread over the groups as the runs are, each in
    /// `gramRoot/<name>/seed<S>/`; every group waits for all of them before its runs.
    public var gramRuns: [GRAMRun] = []
    public var gramRoot = "output/gram"

    public init(modelDirectory: String, pairsFile: String?, root: String, setting: SweepSetting, runs: [SweepRun]) {
        self.modelDirectory = modelDirectory
        self.pairsFile = pairsFile
        self.root = root
        self.setting = setting
        self.runs = runs
    }

    /// Run indices of each of `ranks` run groups (one rank each when ``ranksPerRun`` is 1):
    /// longest first to the group with the least cost so far (ties: the lower index first,
    /// the lower group first), each group's list in sweep order.
    public static func assignment(costs: [Double], ranks: Int) -> [[Int]] {
        precondition(ranks >= 1, "a sweep needs at least one rank")
        var load = [Double](repeating: 0, count: ranks), lists = [[Int]](repeating: [], count: ranks)
        for i in costs.indices.sorted(by: { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }) {
            let r = load.indices.min(by: { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 })!
            load[r] += costs[i]
            lists[r].append(i)
        }
        return lists.map { $0.sorted() }
    }

    /// The directory `run` trains in (`train_base` for base-to-new).
    public func directory(of run: SweepRun) -> String {
        switch setting {
        case .base2new: "\(root)/train_base/\(run.dataset.name)/shots_\(shots)/\(run.name)/\(run.config)/seed\(run.seed)"
        case .fewShot, .crossDataset, .domainGeneralisation: "\(root)/\(run.dataset.name)/\(run.name)/\(run.config)_\(shots)shots/seed\(run.seed)"
        }
    }

    /// Base-to-new: the `test_new` directory of `run`; nil in the other settings.
    public func newClassDirectory(of run: SweepRun) -> String? {
        setting == .base2new ? "\(root)/test_new/\(run.dataset.name)/shots_\(shots)/\(run.name)/\(run.config)/seed\(run.seed)" : nil
    }

    /// The directory of GRAM meta-training `name` of `seed`.
    public func gramDirectory(_ name: String, seed: Int) -> String { "\(gramRoot)/\(name)/seed\(seed)" }

    /// The directory of `run`'s evaluation on `target` (`xd_test.sh`'s `DIR`).
    public func directory(of run: SweepRun, on target: SweepDataset) -> String {
        "\(root)/evaluation/\(run.name)/\(run.config)_\(shots)shots/\(target.name)/seed\(run.seed)"
    }

    /// Runs this rank's group's share and waits for every group.
    /// - Parameter progress: called on each group's rank 0 with a line per finished run of
    ///   the group, headed by the group's job ranks: "[rank 2: 1/4]", "[ranks 2-3: 1/4]".
    /// - Precondition: ``ranksPerRun`` divides the job's size (the command says so first).
    public func run(communicator: any Communicator, progress: (String) -> Void) throws {
        precondition(ranksPerRun >= 1 && communicator.size % ranksPerRun == 0,
                     "runs of \(ranksPerRun) ranks in a job of \(communicator.size) ranks")
        let group = try communicator.split(groupSize: ranksPerRun)
        let index = communicator.rank / ranksPerRun, first = index * ranksPerRun
        let mine = Self.assignment(costs: runs.map(\.cost), ranks: communicator.size / ranksPerRun)[index]
        let ranks = ranksPerRun == 1 ? "rank \(first)" : "ranks \(first)-\(first + ranksPerRun - 1)"
        let clock = ContinuousClock(), began = clock.now
        // SIGUSR1/SIGTERM between runs (or during an evaluation) stop the group before its next
        // run; during training, the run's loop stops after its step with a checkpoint.
        Preemption.watch()
        defer { Preemption.release() }
        do {
            if !gramRuns.isEmpty {
                try prepareGRAM(communicator: communicator, group: group, index: index, ranks: ranks, progress: progress)
            } else if runs.contains(where: { if case .gramThenTrain = $0.kind { true } else { false } }) {
                try preparePairFeatures(communicator: communicator, progress: progress)
            }
            for (k, i) in mine.enumerated() {
                var signal = [Float(Preemption.received ?? 0)]
                try group.allReduceMax(&signal)
                if signal[0] != 0 {
                    var stop = Preempted(signal: Int32(signal[0]), step: k, steps: mine.count, checkpoint: root)
                    (stop.unit, stop.record) = ("sweep run", "every finished run's results under")
                    throw stop
                }
                let run = runs[i], start = clock.now
                let kept = try perform(run, group: group)
                if group.rank == 0 {
                    let summary = (try? summary(of: run)) ?? ""
                    let place = setting == .base2new && runs.contains(where: { $0.dataset != run.dataset }) || setting == .fewShot ? "\(run.dataset.name) " : ""
                    progress(String(format: "[%@: %d/%d] %@%@ seed %d %@ %@ (%@; %@ so far)", ranks, k + 1, mine.count, place, run.name, run.seed,
                                    kept ? "kept" : "done:", summary, TrainingLoop.duration((clock.now - start).seconds),
                                    TrainingLoop.duration((clock.now - began).seconds)))
                }
            }
        } catch var stop as Preempted {
            stop.rerun = "run the same sweep command to continue: finished runs are kept and the stopped one resumes from its checkpoint"
            throw stop
        }
        try communicator.barrier()
    }

    /// GRAM's phase: the pairs' features over every rank, then this group's meta-trainings, then
    /// a barrier so that no run starts before every meta-training is done.
    func prepareGRAM(communicator: any Communicator, group: any Communicator, index: Int, ranks: String, progress: (String) -> Void) throws {
        guard let pairsFile else { throw TrainingError("\(gramRuns[0].name): GRAM runs need image-caption pairs") }
        try preparePairFeatures(communicator: communicator, progress: progress)
        let mine = Self.assignment(costs: gramRuns.map(\.cost), ranks: communicator.size / ranksPerRun)[index]
        let clock = ContinuousClock()
        for (k, i) in mine.enumerated() {
            let gram = gramRuns[i], start = clock.now
            let dir = gramDirectory(gram.name, seed: gram.seed), recorded = dir + "/sweep.json"
            var state: [Float] = [0]
            var text = ""
            if group.rank == 0 {
                text = "gram \(gram.config.serialized())\nsteps \(gramSteps) shape \(gramDomains)/\(gramClassesPerDomain)/\(gramWays) seed \(gram.seed) model \(try fileIdentity((modelDirectory as NSString).appendingPathComponent("model.safetensors"))) pairs \(try fileIdentity(pairsFile))\n"
                state[0] = Float(try prepare(outputs: [dir], recorded: recorded, configText: text, dependents: [], finished: "prompts.safetensors").rawValue)
            }
            try group.broadcast(&state, root: 0)
            if state[0] != Float(Preparation.kept.rawValue) {
                var options = try gramOptions(pairsFile: pairsFile, seed: gram.seed, config: gram.config, name: gram.name, directory: dir,
                                              resume: state[0] == Float(Preparation.resume.rawValue))
                options.featuresFile = featuresPath
                try GRAMTrainer(options: options, communicator: group).run()
                if group.rank == 0 { try AtomicFile.write(text, to: recorded) }
            }
            if group.rank == 0 {
                progress("[\(ranks): GRAM \(k + 1)/\(mine.count)] \(gram.name) seed \(gram.seed) \(state[0] == Float(Preparation.kept.rawValue) ? "kept" : "meta-trained") (\(TrainingLoop.duration((clock.now - start).seconds)))")
            }
        }
        try communicator.barrier()
    }

    /// A GRAM meta-training of the sweep's shape (`train --method gram` with its settings), quiet.
    func gramOptions(pairsFile: String, seed: Int, config: JSONValue, name: String, directory: String, resume: Bool) throws -> GRAMTrainingOptions {
        var options = GRAMTrainingOptions(
            modelDirectory: modelDirectory, pairsFile: pairsFile, seed: seed, steps: gramSteps, tasksPerStep: 1,
            domains: gramDomains, classesPerDomain: gramClassesPerDomain, ways: gramWays, supportShots: 2, queryShots: 2,
            outputDirectory: directory, method: try MethodConfiguration.load(method: "gram", json: config, source: "\(name) (gram)"),
            checkpointEvery: gramSteps, logEvery: 10, resume: resume)
        options.printsProgress = false
        return options
    }

    /// The pairs' feature file every GRAM meta-training of the sweep reads.
    public var featuresPath: String { gramRoot + "/features.safetensors" }

    /// The pairs' frozen features in ``featuresPath``, computed once over every rank of the
    /// job (kept when they are there for the same pairs and model). Collective.
    func preparePairFeatures(communicator: any Communicator, progress: (String) -> Void) throws {
        guard let pairsFile else { throw TrainingError("GRAM runs need image-caption pairs") }
        if communicator.rank == 0 { try FileManager.default.createDirectory(atPath: gramRoot, withIntermediateDirectories: true) }
        try communicator.barrier()
        _ = try PairFeatures.prepare(pairs: try PairIndex(path: pairsFile), bundle: try CLIPBundle(directory: modelDirectory), modelDirectory: modelDirectory,
                                     path: featuresPath, communicator: communicator, say: { if communicator.rank == 0 { progress($0) } })
    }

    /// Performs `run` over `group` unless its results are already there for the same
    /// configuration, then each target's evaluation likewise. The group's rank 0 decides and
    /// prepares the directories; the others learn its decision from a broadcast, which also
    /// keeps them from looking at the directories (a stale run's checkpoints, the prompts
    /// being written) before rank 0 is done with them.
    /// - Returns: whether everything was kept from earlier.
    func perform(_ run: SweepRun, group: any Communicator) throws -> Bool {
        let dir = directory(of: run), newDir = newClassDirectory(of: run)
        let recorded = (dir as NSString).appendingPathComponent("sweep.json")
        var kept: [Float] = [0]
        var configText = ""
        if group.rank == 0 {
            configText = try self.configText(run)
            let outputs = [dir] + (newDir.map { [$0] } ?? [])
            kept[0] = Float(try prepare(outputs: outputs, recorded: recorded, configText: configText,
                                        dependents: run.targets.map { directory(of: run, on: $0) }).rawValue)
        }
        try group.broadcast(&kept, root: 0)
        var keptAll = kept[0] == Float(Preparation.kept.rawValue)
        if !keptAll {
            try train(run, directory: dir, newClassDirectory: newDir, resume: kept[0] == Float(Preparation.resume.rawValue), group: group)
            if group.rank == 0 { try AtomicFile.write(configText, to: recorded) }
        }
        for target in run.targets {
            let targetDir = directory(of: run, on: target)
            let targetRecord = (targetDir as NSString).appendingPathComponent("sweep.json")
            var targetText = ""
            kept[0] = 0
            if group.rank == 0 {
                targetText = configText + "target \(target.name) \(try Self.identity(of: target.source))\n"
                kept[0] = Float(try prepare(outputs: [targetDir], recorded: targetRecord, configText: targetText, dependents: [], resumable: false).rawValue)
            }
            try group.broadcast(&kept, root: 0)
            if kept[0] == Float(Preparation.kept.rawValue) { continue }
            keptAll = false
            try evaluate(run, trainedIn: dir, on: target, directory: targetDir, group: group)
            if group.rank == 0 { try AtomicFile.write(targetText, to: targetRecord) }
        }
        return keptAll
    }

    /// Trains (or, zero-shot, evaluates) `run` in `dir`; with `resume`, from the newest
    /// checkpoint there (a run of this configuration that was preempted).
    func train(_ run: SweepRun, directory dir: String, newClassDirectory newDir: String?, resume: Bool, group: any Communicator) throws {
        let source = run.dataset.source
        switch run.kind {
        case .zeroShot(let template):
            // CoOp's ZeroshotCLIP runs are evaluation-only: the test block, no training lines.
            // Every rank of the group evaluates its block of the test images; rank 0 writes.
            let log = try RunLog(directory: dir, enabled: group.rank == 0, echo: false)
            let evaluation = try Evaluator(modelDirectory: modelDirectory)
            try Trainer.evaluate(evaluation, communicator: group, source: source, subset: setting.trainingClasses,
                                 prompts: try EvaluationPrompts.checkedTemplate(template),
                                 fields: [("method", .string("zeroshot")), ("template", .string(template))], log: log, outputDirectory: dir,
                                 newClassOutput: newDir, echo: false)
        case .train(let method, let config):
            try Trainer(options: try trainingOptions(run, method: method, config: config, directory: dir, initialisation: nil, resume: resume),
                        communicator: group).run()
        case .trainFromGRAM(let gram, let method, let config):
            try Trainer(options: try trainingOptions(run, method: method, config: config, directory: dir,
                                                     initialisation: gramDirectory(gram, seed: run.seed) + "/prompts.safetensors", resume: resume),
                        communicator: group).run()
        case .gramThenTrain(let gram, let method, let config):
            guard let pairsFile else { throw TrainingError("\(run.name): GRAM runs need image-caption pairs") }
            var options = try gramOptions(pairsFile: pairsFile, seed: run.seed, config: gram, name: run.name, directory: dir + "/gram", resume: resume)
            options.featuresFile = featuresPath  // computed before the runs (``preparePairFeatures``)
            try GRAMTrainer(options: options, communicator: group).run()
            try Trainer(options: try trainingOptions(run, method: method, config: config, directory: dir, initialisation: dir + "/gram/prompts.safetensors",
                                                     resume: resume),
                        communicator: group).run()
        }
    }

    /// Tests the prompts `run` learned in `trainedIn` (zero-shot: its template) on all of
    /// `target`'s classes, as `xd_test.sh` runs `--eval-only` with `--model-dir` the training
    /// directory: the test block in `dir`/log.txt, the numbers in `dir`/results.json.
    func evaluate(_ run: SweepRun, trainedIn: String, on target: SweepDataset, directory dir: String, group: any Communicator) throws {
        let evaluation = try Evaluator(modelDirectory: modelDirectory)
        let prompts: EvaluationPrompts, fields: [(String, JSONValue)]
        switch run.kind {
        case .zeroShot(let template):
            prompts = try EvaluationPrompts.checkedTemplate(template)
            fields = [("method", .string("zeroshot")), ("template", .string(template))]
        case .train, .gramThenTrain, .trainFromGRAM:
            let path = (trainedIn as NSString).appendingPathComponent("prompts.safetensors")
            prompts = try EvaluationPrompts.load(contentsOf: path, configuration: evaluation.model.configuration)
            fields = [("method", .string(run.name)), ("prompts", .string(path))]
        }
        let log = try RunLog(directory: dir, enabled: group.rank == 0, echo: false)
        try Trainer.evaluate(evaluation, communicator: group, source: target.source, subset: .all, prompts: prompts,
                             fields: fields + [("trained_on", .string(run.dataset.name))], log: log, outputDirectory: dir,
                             newClassOutput: nil, echo: false)
    }

    /// What ``prepare(outputs:recorded:configText:dependents:resumable:)`` found.
    enum Preparation: Int {
        /// Finished results of this configuration: nothing to do.
        case kept
        /// A start of this configuration that did not finish (preempted, or its job ended):
        /// continue it from its newest checkpoint, if it wrote one.
        case resume
        /// Nothing usable: the directories are cleared and the run starts over.
        case fresh
    }

    /// The start marker beside `recorded`.
    static func startMarker(_ recorded: String) -> String { (recorded as NSString).deletingLastPathComponent + "/sweep-started.txt" }

    /// Whether every directory of `outputs` holds this configuration's finished results
    /// (`finished`, results.json by default, in each; `recorded` with `configText`): kept. Otherwise, when the first holds
    /// a start marker of the same configuration (and `resumable`), the run continues there;
    /// failing that, clears them and the `dependents` (evaluations of what is redone), creates
    /// the first, and marks it started.
    func prepare(outputs: [String], recorded: String, configText: String, dependents: [String], resumable: Bool = true,
                 finished: String = "results.json") throws -> Preparation {
        let fm = FileManager.default
        if outputs.allSatisfy({ fm.fileExists(atPath: $0 + "/" + finished) }),
           let previous = fm.contents(atPath: recorded), String(decoding: previous, as: UTF8.self) == configText {
            return .kept
        }
        let marker = Self.startMarker(recorded)
        if resumable, let started = fm.contents(atPath: marker), String(decoding: started, as: UTF8.self) == configText {
            for d in dependents where fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
            return .resume
        }
        for d in outputs + dependents where fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
        try fm.createDirectory(atPath: outputs[0], withIntermediateDirectories: true)
        try AtomicFile.write(configText, to: marker)
        return .fresh
    }

    /// The method configuration of a training run: its defaults with `config` over them.
    static func configuration(_ run: SweepRun, method: String, config: JSONValue) throws -> MethodConfiguration {
        try MethodConfiguration.load(method: method, json: config, source: run.name)
    }

    func trainingOptions(_ run: SweepRun, method: String, config: JSONValue, directory: String, initialisation: String?,
                         resume: Bool) throws -> TrainingOptions {
        let configuration = try Self.configuration(run, method: method, config: config)
        var options = TrainingOptions(
            modelDirectory: modelDirectory, source: run.dataset.source, shots: shots, subsample: setting.trainingClasses, seed: run.seed,
            batchSize: batchSize ?? configuration.batchSize, tasksPerStep: 1, maxSteps: nil, epochs: epochs ?? configuration.epochs,
            outputDirectory: directory, method: configuration, checkpointEvery: 1_000_000, logEvery: 10, resume: resume,
            resolvedConfiguration: config)
        options.initialisation = initialisation
        options.newClassOutput = newClassDirectory(of: run)
        options.printsProgress = false
        options.cropScale = cropScale
        return options
    }

    /// What identifies a run's results: its kind and configuration, the sweep's shared
    /// settings, and the files it reads — the model's weights, the data set's list and, for
    /// GRAM, the caption pairs — each by path, size and modification time, so a retrained
    /// model or a regenerated data set (both rewritten atomically) redoes the runs. The
    /// setting is not part of it beyond the classes trained on, so a cross-dataset and a
    /// domain-generalisation sweep share their ImageNet runs.
    /// - Throws: the data set's error when its lists cannot be read (a data set missing from
    ///   the root is named before any work).
    func configText(_ run: SweepRun) throws -> String {
        let weights = (modelDirectory as NSString).appendingPathComponent("model.safetensors")
        let batch: String, epochs: String
        switch run.kind {
        case .zeroShot:
            (batch, epochs) = (batchSize.map(String.init) ?? "-", self.epochs.map(String.init) ?? "-")
        case .train(let method, let config), .gramThenTrain(_, let method, let config), .trainFromGRAM(_, let method, let config):
            let c = try Self.configuration(run, method: method, config: config)
            (batch, epochs) = (String(batchSize ?? c.batchSize), String(self.epochs ?? c.epochs))
        }
        let classes = setting.trainingClasses == .base ? "" : " classes \(setting.trainingClasses.rawValue)"
        let shared = "shots \(shots) batch \(batch) epochs \(epochs) crop \(cropScale.lowerBound)-\(cropScale.upperBound) gram \(gramSteps)/\(gramDomains)/\(gramClassesPerDomain)/\(gramWays) model \(try fileIdentity(weights)) split \(try Self.identity(of: run.dataset.source))\(classes)"
        switch run.kind {
        case .zeroShot(let template): return "zeroshot \(template)\n\(shared)\n"
        case .train(let method, let config): return "\(method) \(config.serialized())\n\(shared)\n"
        case .trainFromGRAM(let gram, let method, let config):
            let start = try fileIdentity(gramDirectory(gram, seed: run.seed) + "/prompts.safetensors")
            return "\(method) \(config.serialized()) from \(start)\n\(shared)\n"
        case .gramThenTrain(let gram, let method, let config):
            let pairs = try pairsFile.map { try fileIdentity($0) } ?? "none"
            return "gram \(gram.serialized()) then \(method) \(config.serialized())\n\(shared) pairs \(pairs)\n"
        }
    }

    /// A data set's identity: its lists are read first (which names a missing data set, and
    /// writes ImageNet's `preprocessed.json` on the first run), then the list file's
    /// ``fileIdentity(_:)``; for lists spread over several files or folders (FGVCAircraft's
    /// `images_variant_*.txt`), the data set directory's path.
    static func identity(of source: DatasetSource) throws -> String {
        _ = try source.readSplits()
        return FileManager.default.fileExists(atPath: source.listFile) ? try fileIdentity(source.listFile) : source.datasetDirectory
    }


    /// "base 71.2  new 64.0  HM 67.4" (base-to-new), "accuracy 70.3" (few-shot), or the
    /// source's and each target's "imagenet 70.3  caltech101 90.1" from a run's results.
    func summary(of run: SweepRun) throws -> String {
        func json(_ dir: String) throws -> JSONValue? {
            guard let data = FileManager.default.contents(atPath: dir + "/results.json") else { return nil }
            return try JSONValue(parsing: data)
        }
        var parts: [String] = []
        if let j = try json(directory(of: run)) {
            if let b = j["base"]?["accuracy"]?.doubleValue, let n = j["new"]?["accuracy"]?.doubleValue, let hm = j["harmonic_mean"]?.doubleValue {
                parts.append(String(format: "base %.1f  new %.1f  HM %.1f", b, n, hm))
            } else if let a = j["all"]?["accuracy"]?.doubleValue {
                parts.append(run.targets.isEmpty ? String(format: "accuracy %.1f", a) : String(format: "%@ %.1f", run.dataset.name, a))
            }
        }
        for target in run.targets {
            if let a = try json(directory(of: run, on: target))?["all"]?["accuracy"]?.doubleValue { parts.append(String(format: "%@ %.1f", target.name, a)) }
        }
        return parts.joined(separator: "  ")
    }
}
