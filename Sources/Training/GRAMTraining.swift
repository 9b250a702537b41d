import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import MetaLearning
import TensorIO

/// What a GRAM meta-training run needs besides the method configuration.
public struct GRAMTrainingOptions: Sendable {
    public var modelDirectory: String
    /// Image–caption pairs (TSV or JSONL, as `ImageCaptionPairs` reads them).
    public var pairsFile: String
    public var seed: Int
    public var steps: Int
    public var tasksPerStep: Int
    /// Level-1 clusters (domains) and level-2 clusters per domain (pseudo-classes).
    public var domains: Int
    public var classesPerDomain: Int
    /// N-way tasks, K support and Q query pairs per pseudo-class.
    public var ways: Int
    public var supportShots: Int
    public var queryShots: Int
    public var outputDirectory: String
    public var method: MethodConfiguration
    public var checkpointEvery: Int
    public var logEvery: Int
    public var resume: Bool
    /// Print progress (rank 0); off, the lines still go to log.txt.
    public var printsProgress = true
    /// Checkpoints kept (the newest); nil keeps all.
    public var keepCheckpoints: Int? = nil
    /// The frozen features' file (``PairFeatures``); nil: `features.safetensors` in the
    /// output directory.
    public var featuresFile: String? = nil
    /// Preprocessed images kept in memory for the tasks (``ImageCache``).
    public var imageCache = ImageCache.defaultCapacity

    public init(modelDirectory: String, pairsFile: String, seed: Int, steps: Int, tasksPerStep: Int, domains: Int, classesPerDomain: Int,
                ways: Int, supportShots: Int, queryShots: Int, outputDirectory: String, method: MethodConfiguration,
                checkpointEvery: Int, logEvery: Int, resume: Bool) {
        self.modelDirectory = modelDirectory
        self.pairsFile = pairsFile
        self.seed = seed
        self.steps = steps
        self.tasksPerStep = tasksPerStep
        self.domains = domains
        self.classesPerDomain = classesPerDomain
        self.ways = ways
        self.supportShots = supportShots
        self.queryShots = queryShots
        self.outputDirectory = outputDirectory
        self.method = method
        self.checkpointEvery = checkpointEvery
        self.logEvery = logEvery
        self.resume = resume
    }
}

/// GRAM meta-training on image–caption pairs, under MPI like `Trainer`.
///
/// 1. Frozen CLIP features of every pair (centre-crop preprocessing), computed once over the
///    ranks into a feature file that later runs reuse (``PairFeatures``); a pair whose image
///    cannot be read is left out, counted and the first few named.
/// 2. `DomainStructure`: k-means on image features (domains), then on caption features
///    inside each domain (pseudo-classes named by their most central caption), read from the
///    mapped feature file.
/// 3. Each step draws T tasks — task t from the stream (seed, "gram", step, t): a support
///    domain and a different query domain, N pseudo-classes from each with K support / Q query
///    pairs — splits them over the ranks, and combines their meta-gradients (prompt
///    initialisation and regulator) with `DeterministicMean`; every rank applies the same SGD,
///    at the step's rates (`OptimizerSettings.stepSchedule`: constant warm-up, then cosine).
/// A task's images are decoded when it is built, through an ``ImageCache``. Memory does not
/// grow with the pairs beyond about 40 bytes a pair (the list's index, the readable pairs,
/// k-means' per-row norm, weight and assignment); the features stay in the mapped file.
/// The output `prompts.safetensors` holds the initialisation (`text.ctx`, …) and the
/// regulator (`gram.*`); `train --init` starts a base method from it.
public final class GRAMTrainer {
    public let options: GRAMTrainingOptions
    let communicator: any Communicator
    static let domainPurpose: UInt64 = 0x646F_6D61_696E  // "domain"
    static let taskPurpose: UInt64 = 0x6772_616D  // "gram"

    public init(options: GRAMTrainingOptions, communicator: any Communicator) {
        self.options = options
        self.communicator = communicator
    }

    public func run() throws {
        let o = options
        let isRoot = communicator.rank == 0
        // Per meta-step, a pure function of the step: a resumed run needs only the checkpoint's.
        let schedules = (try o.method.promptOptimizer.stepSchedule(steps: o.steps, group: "prompt_optim"),
                         try o.method.regulatorOptimizer.stepSchedule(steps: o.steps, group: "regulator_optim"))
        let log = try RunLog(directory: o.outputDirectory, enabled: isRoot, echo: o.printsProgress)
        let checkpoints = (o.outputDirectory as NSString).appendingPathComponent("checkpoints")
        let loaded = try CLIPBundle(directory: o.modelDirectory)
        let (model, tokenizer, preprocessor) = (loaded.model, loaded.tokenizer, loaded.preprocessor)
        let pairs = try PairIndex(path: o.pairsFile)
        // Preemption is watched from here to the end, through the features and the loop.
        Preemption.watch()
        defer { Preemption.release() }
        // 1. Frozen features, in fixed chunks (the same arithmetic on any rank count).
        let featuresPath = o.featuresFile ?? (o.outputDirectory as NSString).appendingPathComponent("features.safetensors")
        if isRoot { try FileManager.default.createDirectory(atPath: o.outputDirectory, withIntermediateDirectories: true) }
        let features = try PairFeatures.prepare(pairs: pairs, bundle: loaded, modelDirectory: o.modelDirectory, path: featuresPath,
                                                communicator: communicator, say: { log.say($0) })
        guard o.domains >= 2, features.readable.count >= o.domains else {
            throw TrainingError("\(o.pairsFile): \(features.readable.count) pairs with readable images cannot form \(o.domains) domains (at least 2 domains, and a pair per domain)")
        }
        // 2. Domains and pseudo-classes.
        var clusterStream = RandomStream(seed: UInt64(o.seed), Self.domainPurpose)
        let structure = DomainStructure(imageFeatures: features.image, textFeatures: features.text, pairs: features.readable,
                                        caption: { pairs.pair(at: $0).caption }, domainCount: o.domains, classesPerDomain: o.classesPerDomain,
                                        stream: &clusterStream)
        let images = ImageCache(capacity: o.imageCache) { try preprocessor(RGBImage(jpegFile: pairs.pair(at: $0).path)) }
        // The tasks go to task groups of the ranks; each task's forward and backward passes are
        // split over its group (images and class prompts, see `CLIPClassifier`), and the tasks'
        // mean is the fixed-point one, so the bits do not depend on the rank count.
        let reduction = try TaskGroups(run: communicator, taskCount: o.tasksPerStep), group = CommunicatorGroup(reduction.group)
        log.say("gram: \(features.readable.count) pairs in \(structure.domains.count) domains, \(structure.domains.map(\.count)) pseudo-classes; \(o.ways)-way tasks, \(o.supportShots)+\(o.queryShots) shots, \(o.tasksPerStep) task(s)/step over \(reduction.groupCount) group(s) of \(reduction.group.size) rank(s), each task's images and class prompts split over its group")

        // 3. Meta-training.
        try MethodFactory.validate(o.method, for: model.configuration)
        guard o.method.method == "gram" else { throw TrainingError("gram training needs the gram method configuration, not \(o.method.method)'s") }
        var learner = MethodFactory.gram(o.method, model: model, tokenizer: tokenizer, seed: UInt64(o.seed))
        let loop = TrainingLoop(communicator: communicator, log: log, steps: o.steps, checkpoints: checkpoints,
                                checkpointEvery: o.checkpointEvery, logEvery: o.logEvery, work: (o.tasksPerStep, "tasks"),
                                keepCheckpoints: o.keepCheckpoints)
        let start = try loop.start(resume: o.resume) { try learner.restore(parameters: $0, optimizerState: $1) }
        for (group, s) in [("prompts", schedules.0), ("regulator", schedules.1)] {
            log.say(String(format: "lr %@: %d warm-up step(s) at %.3g, then a cosine from %.3g to 0 over %d step(s)",
                           group, s.warmupSteps, s.warmupLR, s.baseLR, s.steps - s.warmupSteps))
        }
        try loop.run(from: start, step: { step in
            /// Task t of this step, from the stream (seed, "gram", step, t) whichever rank builds it.
            func task(_ t: Int) throws -> GRAMTask {
                var stream = RandomStream(seed: UInt64(o.seed), Self.taskPurpose, UInt64(step), UInt64(t))
                guard let (s, q) = structure.drawDomainPair(ways: o.ways, supportShots: o.supportShots, queryShots: o.queryShots, stream: &stream),
                      let support = structure.drawClasses(domain: s, ways: o.ways, perClass: o.supportShots, stream: &stream),
                      let query = structure.drawClasses(domain: q, ways: o.ways, perClass: o.queryShots, stream: &stream) else {
                    throw TrainingError("\(o.pairsFile): no two domains can supply a \(o.ways)-way task with \(o.supportShots)/\(o.queryShots) shots per class; use fewer ways or shots, or more pairs")
                }
                func side(_ classes: [(name: String, members: [Int])]) throws -> (CLIPClassifier, LabelledBatch) {
                    let classifier = MethodFactory.classifier(o.method, model: model, tokenizer: tokenizer, classNames: classes.map(\.name))
                        .sharded(over: group)
                    let members = classes.enumerated().flatMap { label, c in c.members.map { ($0, label) } }
                    let pixels = try members.map { try images.pixels($0.0) }
                    let batch = LabelledBatch(pixels: Tensor.concatenate(pixels.map { $0.reshaped([1] + $0.shape) }, alongAxis: 0),
                                              labels: members.map(\.1))
                    return (classifier, batch)
                }
                let (supportModel, supportBatch) = try side(support), (queryModel, queryBatch) = try side(query)
                return GRAMTask(supportModel: supportModel, support: supportBatch, queryModel: queryModel, query: queryBatch)
            }
            let rates = (prompts: schedules.0.lr(step: step), regulator: schedules.1.lr(step: step))
            let losses = try learner.step(taskCount: o.tasksPerStep, task: task, reduction: reduction,
                                          initialisationLR: rates.prompts, regulatorLR: rates.regulator)
            return TrainingLoop.Record(losses: losses, fields: [("lr", rates.prompts, "%.3g"), ("lr_regulator", rates.regulator, "%.3g")])
        }, checkpoint: { done in
            Checkpoint(step: done, parameters: learner.parameters, optimizerState: learner.optimizerState,
                       metadata: ["seed": String(o.seed), "method": "gram"])
        })
        try loop.save {
            try Tensor.save(learner.parameters.mapValues { $0.detached() },
                            metadata: ["method": "gram", "steps": String(o.steps), "group_size": String(learner.regulator.groupSize)],
                            to: (o.outputDirectory as NSString).appendingPathComponent("prompts.safetensors"))
        }
        log.say("finished \(o.steps) GRAM meta-steps; initialisation and regulator in \((o.outputDirectory as NSString).appendingPathComponent("prompts.safetensors"))")
    }
}
