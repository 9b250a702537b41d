import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import MetaLearning
import TensorIO

/// One entry of a base-to-new comparison: a named method configuration on one seed.
public struct SweepRun: Sendable {
    public enum Kind: Sendable {
        /// Zero-shot CLIP with one template (no training).
        case zeroShot(template: String)
        /// `metaprompt train --method <method> --config <config>` on the base classes.
        case train(method: String, config: JSONValue)
        /// GRAM meta-training on the caption pairs with `gram` (its prompt shapes those of
        /// the downstream run), then `train --init` from its output.
        case gramThenTrain(gram: JSONValue, method: String, config: JSONValue)
    }

    /// The row name in the table, and the trainer folder of the run's directories.
    public var name: String
    public var seed: Int
    public var kind: Kind
    /// Relative cost, for spreading runs over ranks (only the balance depends on it).
    public var cost: Double

    public init(name: String, seed: Int, kind: Kind, cost: Double) {
        self.name = name
        self.seed = seed
        self.kind = kind
        self.cost = cost
    }
}

/// A base-to-new comparison of methods over seeds, its runs spread over groups of the job's
/// ranks.
///
/// Each run is an ordinary `train --subsample base` (or zero-shot evaluation) laid out as
/// CoOp's `base2new_train.sh` / `base2new_test.sh` pair lays it out:
/// `<root>/train_base/<dataset>/shots_<K>/<name>/<config>/seed<S>/` (log.txt ending with the
/// base block, metrics.jsonl, config.json, prompts.safetensors, results.json) and
/// `<root>/test_new/…/seed<S>/` (the new classes' log.txt and results.json), so
/// `parse_test_res.py` reads both trees.
///
/// The job's ranks form run groups of ``ranksPerRun`` consecutive ranks (`split(groupSize:)`;
/// 1: every rank runs its own runs). Whole runs are assigned to the groups longest-first to the
/// least-loaded group (by `cost`), and a group runs each of its runs over the group's
/// communicator, as `train` runs over a job's: the group's rank 0 prepares the directories,
/// writes the files and evaluates; the others compute with it. A run's files do not depend on
/// the group it ran in, on ``ranksPerRun`` or on the job's size, apart from timings and two
/// lines of log.txt: how many ranks ran it, and whether its few-shot lists were sampled or
/// found in the cache (which depends on whether a run of the same seed, anywhere in the job,
/// got there first). A GRAM run carries its own meta-training, so no
/// group waits for another. A run whose results.json exists with the same config.json is kept,
/// so an interrupted sweep continues where it stopped. Each group's rank 0 reports a line per
/// finished run of its group; at the end, after every group is done, every rank reads all
/// results (``RunReport``).
public struct BaseToNewSweep {
    public var modelDirectory: String
    public var source: DatasetSource
    /// Image–caption pairs for GRAM meta-training.
    public var pairsFile: String?
    /// The base-to-new root: `train_base/` and `test_new/` go under it.
    public var root: String
    /// The dataset folder of the layout (CoOp's `DATASET` argument, e.g. `eurosat`).
    public var datasetName: String
    public var shots = 16
    public var batchSize = 4
    public var epochs = 10
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

    public init(modelDirectory: String, source: DatasetSource, datasetName: String, pairsFile: String?, root: String, runs: [SweepRun]) {
        self.modelDirectory = modelDirectory
        self.source = source
        self.datasetName = datasetName
        self.pairsFile = pairsFile
        self.root = root
        self.runs = runs
    }

    /// The `<config>` folder of the layout (CoOp's `CFG`): the shared training settings.
    public var configName: String { "ep\(epochs)_batch\(batchSize)" }

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

    /// The `train_base` directory of `run`.
    public func directory(of run: SweepRun) -> String { directory(of: run, part: "train_base") }

    /// The `test_new` directory of `run`.
    public func newClassDirectory(of run: SweepRun) -> String { directory(of: run, part: "test_new") }

    func directory(of run: SweepRun, part: String) -> String {
        "\(root)/\(part)/\(datasetName)/shots_\(shots)/\(run.name)/\(configName)/seed\(run.seed)"
    }

    /// Runs this rank's group's share, waits for every group, and returns the report (on
    /// every rank).
    /// - Parameter progress: called on each group's rank 0 with a line per finished run of
    ///   the group, headed by the group's job ranks: "[rank 2: 1/4]", "[ranks 2-3: 1/4]".
    /// - Precondition: ``ranksPerRun`` divides the job's size (the command says so first).
    public func run(communicator: any Communicator, progress: (String) -> Void) throws -> RunReport {
        precondition(ranksPerRun >= 1 && communicator.size % ranksPerRun == 0,
                     "runs of \(ranksPerRun) ranks in a job of \(communicator.size) ranks")
        let group = try communicator.split(groupSize: ranksPerRun)
        let index = communicator.rank / ranksPerRun, first = index * ranksPerRun
        let mine = Self.assignment(costs: runs.map(\.cost), ranks: communicator.size / ranksPerRun)[index]
        let ranks = ranksPerRun == 1 ? "rank \(first)" : "ranks \(first)-\(first + ranksPerRun - 1)"
        let clock = ContinuousClock(), began = clock.now
        for (k, i) in mine.enumerated() {
            let run = runs[i], start = clock.now
            let kept = try perform(run, group: group)
            if group.rank == 0 {
                let summary = (try? Self.summary(of: directory(of: run))) ?? ""
                progress(String(format: "[%@: %d/%d] %@ seed %d %@ %@ (%@; %@ so far)", ranks, k + 1, mine.count, run.name, run.seed,
                                kept ? "kept" : "done:", summary, TrainingLoop.duration((clock.now - start).seconds),
                                TrainingLoop.duration((clock.now - began).seconds)))
            }
        }
        try communicator.barrier()
        return try RunReport(root: root, order: runs.map(\.name))
    }

    /// Performs `run` over `group` unless its results are already there for the same
    /// configuration. The group's rank 0 decides and prepares the directories; the others
    /// learn its decision from a broadcast, which also keeps them from looking at the
    /// directories (a stale run's checkpoints) before it has cleared them.
    /// - Returns: whether earlier results were kept.
    func perform(_ run: SweepRun, group: any Communicator) throws -> Bool {
        let dir = directory(of: run), newDir = newClassDirectory(of: run)
        let configText = try self.configText(run)
        let recorded = (dir as NSString).appendingPathComponent("sweep.json")
        var kept: [Float] = [0]
        if group.rank == 0 { kept[0] = try prepare(dir: dir, newDir: newDir, recorded: recorded, configText: configText) ? 1 : 0 }
        try group.broadcast(&kept, root: 0)
        if kept[0] == 1 { return true }
        switch run.kind {
        case .zeroShot(let template):
            // CoOp's ZeroshotCLIP runs are evaluation-only: the test block, no training lines.
            // Every rank of the group evaluates its block of the test images; rank 0 writes.
            let log = try RunLog(directory: dir, enabled: group.rank == 0, echo: false)
            let evaluation = try Evaluator(modelDirectory: modelDirectory)
            try Trainer.evaluate(evaluation, communicator: group, source: source, subset: .base, prompts: try EvaluationPrompts.checkedTemplate(template),
                                 fields: [("method", .string("zeroshot")), ("template", .string(template))], log: log, outputDirectory: dir,
                                 newClassOutput: newDir, echo: false)
        case .train(let method, let config):
            try Trainer(options: try trainingOptions(run, method: method, config: config, directory: dir, initialisation: nil),
                        communicator: group).run()
        case .gramThenTrain(let gram, let method, let config):
            guard let pairsFile else { throw TrainingError("\(run.name): GRAM runs need image-caption pairs") }
            var options = GRAMTrainingOptions(
                modelDirectory: modelDirectory, pairsFile: pairsFile, seed: run.seed, steps: gramSteps, tasksPerStep: 1,
                domains: gramDomains, classesPerDomain: gramClassesPerDomain, ways: gramWays, supportShots: 2, queryShots: 2,
                outputDirectory: dir + "/gram", method: try MethodConfiguration.load(method: "gram", json: gram, source: "\(run.name) (gram)"),
                checkpointEvery: gramSteps, logEvery: 10, resume: false)
            options.printsProgress = false
            try GRAMTrainer(options: options, communicator: group).run()
            try Trainer(options: try trainingOptions(run, method: method, config: config, directory: dir, initialisation: dir + "/gram/prompts.safetensors"),
                        communicator: group).run()
        }
        if group.rank == 0 { try AtomicFile.write(configText, to: recorded) }
        return false
    }

    /// Whether `dir` holds this configuration's finished run; if not, clears both directories
    /// of a stale or partial run of another configuration and creates `dir`.
    func prepare(dir: String, newDir: String, recorded: String, configText: String) throws -> Bool {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/results.json"), fm.fileExists(atPath: newDir + "/results.json"),
           let previous = fm.contents(atPath: recorded), String(decoding: previous, as: UTF8.self) == configText {
            return true
        }
        for d in [dir, newDir] where fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return false
    }

    func trainingOptions(_ run: SweepRun, method: String, config: JSONValue, directory: String, initialisation: String?) throws -> TrainingOptions {
        let configuration = try MethodConfiguration.load(method: method, json: config, source: run.name)
        var options = TrainingOptions(
            modelDirectory: modelDirectory, source: source, shots: shots, subsample: .base, seed: run.seed, batchSize: batchSize,
            tasksPerStep: 1, maxSteps: nil, epochs: epochs, outputDirectory: directory, method: configuration,
            checkpointEvery: 1_000_000, logEvery: 10, resume: false, resolvedConfiguration: config)
        options.initialisation = initialisation
        options.newClassOutput = newClassDirectory(of: run)
        options.printsProgress = false
        options.cropScale = cropScale
        return options
    }

    /// What identifies a run's results: its kind and configuration, the sweep's shared
    /// settings, and the files it reads — the model's weights, the split list and, for GRAM,
    /// the caption pairs — each by path, size and modification time, so a retrained model or
    /// a regenerated world (both rewritten atomically) redoes the runs.
    func configText(_ run: SweepRun) throws -> String {
        let weights = (modelDirectory as NSString).appendingPathComponent("model.safetensors")
        let shared = "shots \(shots) batch \(batchSize) epochs \(epochs) crop \(cropScale.lowerBound)-\(cropScale.upperBound) gram \(gramSteps)/\(gramDomains)/\(gramClassesPerDomain)/\(gramWays) model \(try Self.identity(of: weights)) split \(try Self.identity(of: source.listFile))"
        switch run.kind {
        case .zeroShot(let template): return "zeroshot \(template)\n\(shared)\n"
        case .train(let method, let config): return "\(method) \(config.serialized())\n\(shared)\n"
        case .gramThenTrain(let gram, let method, let config):
            let pairs = try pairsFile.map { try Self.identity(of: $0) } ?? "none"
            return "gram \(gram.serialized()) then \(method) \(config.serialized())\n\(shared) pairs \(pairs)\n"
        }
    }

    /// "path size modification-time" of a file.
    static func identity(of path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return "\(path) \(attributes[.size] ?? "?") \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }

    /// "base 71.2 new 64.0 HM 67.4" from a run's results.json.
    static func summary(of directory: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: directory + "/results.json") else { return "" }
        let json = try JSONValue(parsing: data)
        guard let b = json["base"]?["accuracy"]?.doubleValue, let n = json["new"]?["accuracy"]?.doubleValue,
              let hm = json["harmonic_mean"]?.doubleValue else { return "" }
        return String(format: "base %.1f  new %.1f  HM %.1f", b, n, hm)
    }
}
