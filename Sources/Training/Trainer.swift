import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import MetaLearning
import TensorIO

/// Everything `metaprompt train` was asked to do.
public struct TrainingOptions: Sendable {
    public var modelDirectory: String
    public var source: DatasetSource
    public var shots: Int
    public var subsample: ClassSubset
    public var seed: Int
    public var batchSize: Int
    /// Virtual tasks per step (ProMetaR), independent of the number of ranks.
    public var tasksPerStep: Int
    /// Stop after this many steps (nil: `epochs` full epochs).
    public var maxSteps: Int?
    /// Epochs of the schedule (and of PromptSRC's prompt aggregation); `train` defaults it to
    /// the method's (``MethodConfiguration/epochs``).
    public var epochs: Int
    public var outputDirectory: String
    public var method: MethodConfiguration
    public var checkpointEvery: Int
    public var logEvery: Int
    public var resume: Bool
    /// The method's configuration as given (JSON); `config.json` is this plus the method's
    /// name and the run's settings (`recordedConfiguration`).
    public var resolvedConfiguration: JSONValue
    /// A GRAM output (`prompts.safetensors` with `text.ctx`… and `gram.*`): the base method
    /// starts from its prompts and applies its regulator to every gradient.
    public var initialisation: String? = nil
    /// Evaluate the trained classes on the test split at the end, as Dassl's `after_train`.
    public var evaluate = true
    /// Images per forward pass of that evaluation.
    public var evaluationBatchSize = 32
    /// After base training, where the new classes are evaluated as `eval --subsample new
    /// --output DIR` would (CoOp's `test_new` run); nil: not evaluated here.
    /// ``testNewDirectory(for:)`` gives the official layout's.
    public var newClassOutput: String? = nil
    /// Print progress (rank 0); off, the lines still go to log.txt.
    public var printsProgress = true
    /// Checkpoints kept (the newest; older ones are deleted as new ones are written); nil keeps all.
    public var keepCheckpoints: Int? = nil
    /// Area fraction range of the random resized crop (Dassl's default 0.08…1).
    public var cropScale: ClosedRange<Double> = 0.08...1.0

    public init(modelDirectory: String, source: DatasetSource, shots: Int, subsample: ClassSubset, seed: Int, batchSize: Int,
                tasksPerStep: Int, maxSteps: Int?, epochs: Int, outputDirectory: String, method: MethodConfiguration,
                checkpointEvery: Int, logEvery: Int, resume: Bool, resolvedConfiguration: JSONValue) {
        self.modelDirectory = modelDirectory
        self.source = source
        self.shots = shots
        self.subsample = subsample
        self.seed = seed
        self.batchSize = batchSize
        self.tasksPerStep = tasksPerStep
        self.maxSteps = maxSteps
        self.epochs = epochs
        self.outputDirectory = outputDirectory
        self.method = method
        self.checkpointEvery = checkpointEvery
        self.logEvery = logEvery
        self.resume = resume
        self.resolvedConfiguration = resolvedConfiguration
    }
}

extension TrainingOptions {
    /// The `test_new` directory CoOp's base-to-new scripts pair with a `train_base` output
    /// (`output/base2new/train_base/<dataset>/shots_<K>/<trainer>/<cfg>/seed<S>` →
    /// `output/base2new/test_new/…`): the path with its last `train_base` component
    /// replaced; nil when the path has none.
    public static func testNewDirectory(for output: String) -> String? {
        var parts = output.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let i = parts.lastIndex(of: "train_base") else { return nil }
        parts[i] = "test_new"
        return parts.joined(separator: "/")
    }

    /// What `config.json` records: the method's configuration and the settings this run
    /// trained with, given or defaulted, so the file alone says how the run was made.
    public var recordedConfiguration: JSONValue {
        var object = resolvedConfiguration.objectValue ?? JSONObject()
        object["method"] = .string(method.method)
        object["shots"] = .int(Int64(shots))
        object["seed"] = .int(Int64(seed))
        object["batch_size"] = .int(Int64(batchSize))
        object["tasks_per_step"] = .int(Int64(tasksPerStep))
        object["subsample"] = .string(subsample.rawValue)
        object["crop_scale"] = .array([.double(cropScale.lowerBound), .double(cropScale.upperBound)])
        if let initialisation { object["init"] = .string(initialisation) }
        return .object(object)
    }
}

/// A training run stopped for a reason the user must see (the message names step and task).
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Prompt training on a Dassl/CoOp dataset: data, augmentation, the method's one step,
/// per-epoch schedules, then Dassl's ending (the test block of the trained classes).
///
/// Every rank runs the same ``TrainingLoop`` on the same batch, and the ranks share the work
/// of every step: the classifier is sharded over them (``CommunicatorGroup``), so each forward
/// and backward pass of either tower runs on this rank's block of the images and of the class
/// prompts, and the gradients are summed over the ranks in fixed point — every method, both
/// orders of ProMetaR, with the same bits at any rank count. ProMetaR's T virtual tasks go to
/// ``TaskGroups`` of the ranks (gcd(T, ranks) groups, each task's passes split over its group)
/// and are averaged in fixed point. Every rank applies the same update and the
/// parameters stay replicated without broadcasts. Random draws are keyed by (seed, purpose,
/// epoch or step, sample or task), never by rank.
public final class Trainer {
    public let options: TrainingOptions
    let communicator: any Communicator

    /// Stream purpose of the epoch's sample order ("order").
    static let orderPurpose: UInt64 = 0x6F72_6465_72
    /// Stream purpose of a step's virtual task draws ("task"): step s draws from
    /// (seed, taskPurpose, s).
    public static let taskPurpose: UInt64 = 0x7461_736B

    public init(options: TrainingOptions, communicator: any Communicator) {
        self.options = options
        self.communicator = communicator
    }

    public func run() throws {
        let o = options
        let isRoot = communicator.rank == 0
        let log = try RunLog(directory: o.outputDirectory, enabled: isRoot, echo: o.printsProgress)
        let checkpoints = (o.outputDirectory as NSString).appendingPathComponent("checkpoints")

        let loaded = try CLIPBundle(directory: o.modelDirectory)
        let (model, tokenizer, preprocessor) = (loaded.model, loaded.tokenizer, loaded.preprocessor)
        let augmentation = TrainingAugmentation(matching: preprocessor, cropScale: o.cropScale)
        let data = try o.source.load(shots: o.shots, seed: o.seed, subset: o.subsample)
        let train = data.splits.train
        guard train.count >= o.batchSize else {
            throw TrainingError("\(o.source.listFile): \(train.count) training images (\(o.shots) shots, \(o.subsample.rawValue) classes) are fewer than one batch of \(o.batchSize)")
        }
        let stepsPerEpoch = train.count / o.batchSize  // Dassl drops the last incomplete batch
        let totalSteps = o.maxSteps ?? o.epochs * stepsPerEpoch
        let maxEpoch = max(o.epochs, (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch)

        try MethodFactory.validate(o.method, for: model.configuration)
        var configuration = o.method
        configuration.prometar.tasksPerStep = o.tasksPerStep
        var method = try MethodFactory.make(configuration, model: model, tokenizer: tokenizer, seed: UInt64(o.seed),
                                            gramInitialisation: try o.initialisation.map { try SafeTensorsFile(path: $0) })
        let classifier = MethodFactory.classifier(o.method, model: model, tokenizer: tokenizer, classNames: data.classnames)
            .sharded(over: CommunicatorGroup(communicator))
        let reduction = try TaskGroups(run: communicator, taskCount: max(o.tasksPerStep, 1))
        let taskClassifier = reduction.groupCount == 1 ? classifier : classifier.sharded(over: CommunicatorGroup(reduction.group))
        let textTarget = MethodFactory.needsTextTarget(o.method)
            ? classifier.frozenTextTarget(templateTokens: CLIPClassifier.templateTokens(tokenizer: tokenizer, classNames: data.classnames,
                                                                                    templates: o.method.textTargetTemplates)) : nil
        let schedules = ["prompts": o.method.promptOptimizer.schedule(maxEpoch: maxEpoch),
                         "regulator": o.method.regulatorOptimizer.schedule(maxEpoch: maxEpoch)]

        let loop = TrainingLoop(communicator: communicator, log: log, steps: totalSteps, checkpoints: checkpoints,
                                checkpointEvery: o.checkpointEvery, logEvery: o.logEvery, work: (max(o.tasksPerStep, 1), "tasks"),
                                keepCheckpoints: o.keepCheckpoints)
        let start = try loop.start(resume: o.resume) { try method.restore(parameters: $0, optimizerState: $1) }
        let configPath = (o.outputDirectory as NSString).appendingPathComponent("config.json")
        if start == 0 {
            if isRoot { try AtomicFile.write(o.recordedConfiguration.serialized(pretty: true) + "\n", to: configPath) }
        } else if let data = FileManager.default.contents(atPath: configPath), let recorded = try? JSONValue(parsing: data),
                  recorded != o.recordedConfiguration {
            // A resumed run continues the same run: the same method, data and settings.
            let (was, now) = (recorded.objectValue ?? JSONObject(), o.recordedConfiguration.objectValue ?? JSONObject())
            let keys = Set(was.keys).union(now.keys).filter { was[$0] != now[$0] }.sorted()
            throw TrainingError("\(configPath): the run being resumed was made with other settings (\(keys.joined(separator: ", "))); "
                                + "resume with the same command, or use another --output")
        }
        switch data.fewShotCache {
        case .notUsed: break
        case .loaded(let path): log.say("few-shot lists: \(path)")
        case .written(let path): log.say("few-shot lists: sampled as CoOp does and saved to \(path) (CoOp's split_fewshot cache, beside the data)")
        case .notWritten(let path, let reason): log.say("few-shot lists: sampled as CoOp does; not saved to \(path) (\(reason)), so every run samples them again")
        }
        log.say("\(o.method.method): \(data.classnames.count) classes, \(train.count) training images, batch \(o.batchSize), \(stepsPerEpoch) steps/epoch, \(totalSteps) steps, images and class prompts split over \(communicator.size) rank(s), \(o.tasksPerStep) task(s)/step over \(reduction.groupCount) group(s) of \(reduction.group.size) rank(s), seed \(o.seed)")

        var images: [String: RGBImage] = [:]  // decoded once; few-shot sets are small
        var order: (epoch: Int, permutation: [Int]) = (-1, [])
        let clock = ContinuousClock(), began = clock.now
        try loop.run(from: start, step: { step in
            let epoch = step / stepsPerEpoch, index = step % stepsPerEpoch
            if order.epoch != epoch {
                var stream = RandomStream(seed: UInt64(o.seed), Self.orderPurpose, UInt64(epoch))
                order = (epoch, stream.permutation(train.count))
            }
            let members = Array(order.permutation[(index * o.batchSize)..<((index + 1) * o.batchSize)])
            var pixels: [Float] = []
            for i in members {
                let item = train[i]
                if images[item.path] == nil { images[item.path] = try RGBImage(jpegFile: item.path) }
                pixels += augmentation(images[item.path]!, seed: UInt64(o.seed), epoch: epoch, sampleIndex: i).storage
            }
            let s = preprocessor.cropHeight
            let batch = LabelledBatch(pixels: Tensor(shape: [members.count, 3, s, s], values: pixels), labels: members.map { train[$0].label })
            let rates = schedules.mapValues { $0.lr(epoch: epoch) }
            let context = StepContext(textTarget: textTarget, stream: RandomStream(seed: UInt64(o.seed), Self.taskPurpose, UInt64(step)),
                                      learningRates: rates, reduction: reduction, taskModel: taskClassifier)
            let losses = try method.step(model: classifier, batch: batch, context: context)
            // After the epoch's last batch, as Dassl's `batch_idx + 1 == num_batches`
            // (PromptSRC's aggregation, trainers/promptsrc.py:320), before its checkpoint.
            if index == stepsPerEpoch - 1 { method.finishEpoch(epoch + 1, of: maxEpoch) }
            return TrainingLoop.Record(losses: losses, position: [("epoch", epoch + 1, maxEpoch)],
                                       fields: [("lr", rates["prompts"]!, "%.3g"), ("lr_regulator", rates["regulator"]!, "%.3g")])
        }, checkpoint: { done in
            Checkpoint(step: done, parameters: method.parameters, optimizerState: method.optimizerState,
                       metadata: ["epoch": String((done - 1) / stepsPerEpoch), "seed": String(o.seed), "method": o.method.method])
        })
        if o.method.gpa != nil {
            // The official trainer loads the aggregate only after epoch MAX_EPOCH
            // (trainers/promptsrc.py:332); a run stopped earlier ends with its current prompts.
            log.say(totalSteps == maxEpoch * stepsPerEpoch
                    ? "prompts: the Gaussian aggregate of the \(maxEpoch) epochs' prompts"
                    : "prompts: the current ones (stopped in epoch \((totalSteps - 1) / stepsPerEpoch + 1) of \(maxEpoch), before the Gaussian aggregate is complete; the checkpoints hold the partial aggregate)")
        }
        try loop.save {
            try Tensor.save(method.parameters.mapValues { $0.detached() }, metadata: ["method": o.method.method, "steps": String(totalSteps)],
                            to: (o.outputDirectory as NSString).appendingPathComponent("prompts.safetensors"))
        }
        log.say("finished \(totalSteps) steps; prompts in \((o.outputDirectory as NSString).appendingPathComponent("prompts.safetensors"))")
        // Dassl's `after_train` (dassl/engine/trainer.py:402-417): "Finish training" is the end
        // signal of CoOp's parse_test_res.py (line 170); ProMetaR's copy of the script waits
        // for "Finished training" (its line 170), which Dassl never prints: both lines, so
        // either copy reads the base accuracy that follows.
        log.say("Finish training")
        log.say("Finished training")
        if o.evaluate {
            // Every rank evaluates its share of the test batches (the saved prompts exist on
            // every rank: `save` ends with a barrier); rank 0 writes the lines and results.
            log.say("Deploy the last-epoch model")
            let promptsPath = (o.outputDirectory as NSString).appendingPathComponent("prompts.safetensors")
            try Self.evaluate(Evaluator(loaded, batchSize: o.evaluationBatchSize), communicator: communicator, source: o.source, subset: o.subsample,
                              prompts: try EvaluationPrompts.load(contentsOf: promptsPath, configuration: loaded.model.configuration),
                              fields: [("method", .string(o.method.method)), ("prompts", .string(promptsPath))],
                              log: log, outputDirectory: o.outputDirectory,
                              newClassOutput: o.subsample == .base ? o.newClassOutput : nil, echo: o.printsProgress)
        }
        log.say("Elapsed: \(Self.elapsed((clock.now - began).seconds))")
    }

    /// Test accuracy of `prompts` on `subset`: Dassl's lines to `log`, the numbers (and
    /// `fields`) to `outputDirectory/results.json` under the subset's name. With
    /// `newClassOutput` (after base training), the new classes too, recorded there as `eval
    /// --subsample new --output DIR` records them (its own log.txt and results.json — CoOp's
    /// `test_new` run — so the `train_base` log ends with the base block the parser reads),
    /// and the new accuracy and harmonic mean also in this run's results.json.
    ///
    /// Every rank of `communicator` calls it: the test images are split over the ranks
    /// (``Evaluator/run(_:prompts:keepLogits:communicator:progress:)``, the same numbers at any
    /// rank count) and rank 0 alone writes the files.
    /// - Returns: accuracy (%) by subset, on every rank.
    @discardableResult
    public static func evaluate(_ evaluation: Evaluator, communicator: any Communicator, source: DatasetSource, subset: ClassSubset,
                                prompts: EvaluationPrompts, fields: [(String, JSONValue)], log: RunLog, outputDirectory: String,
                                newClassOutput: String?, echo: Bool = true) throws -> [ClassSubset: Double] {
        precondition(newClassOutput == nil || subset == .base, "new classes are evaluated after base training only, not after \(subset.rawValue)")
        let isRoot = communicator.rank == 0
        var results = JSONObject()
        var accuracy: [ClassSubset: Double] = [:]
        /// Evaluates `part`, its Dassl lines to `target`, its numbers into this run's results.
        func run(_ part: ClassSubset, lines target: RunLog) throws -> (EvaluationSet, EvaluationResult) {
            let set = try EvaluationSet.load(source, split: .test, subset: part)
            let result = try evaluation.run(set, prompts: prompts, communicator: communicator)
            for line in EvaluationRecord.lines(result, split: .test) { target.say(line) }
            accuracy[part] = result.metrics.accuracy
            results[part.rawValue] = .object(JSONObject([("accuracy", .double(result.metrics.accuracy)), ("error", .double(result.metrics.error)),
                                                         ("macro_f1", .double(result.metrics.macroF1)), ("total", .int(Int64(result.metrics.total))),
                                                         ("correct", .int(Int64(result.metrics.correct))), ("classes", .int(Int64(set.classNames.count)))]))
            return (set, result)
        }
        _ = try run(subset, lines: log)
        if let newClassOutput {
            let (set, result) = try run(.new, lines: try RunLog(directory: newClassOutput, enabled: isRoot, echo: echo))
            let newResults = (newClassOutput as NSString).appendingPathComponent("results.json")
            if isRoot {
                let json = EvaluationRecord.json(result, set: set, dataset: EvaluationRecord.datasetName(source), fields: fields)
                try AtomicFile.write(json.serialized(pretty: true) + "\n", to: newResults)
            }
            results["harmonic_mean"] = .double(EvaluationSummary(base: accuracy[.base]!, new: accuracy[.new]!).harmonicMean)
            results["new_results"] = .string(newResults)
        }
        for (key, value) in fields { results[key] = value }
        guard isRoot else { return accuracy }
        try AtomicFile.write(JSONValue.object(results).serialized(pretty: true) + "\n",
                             to: (outputDirectory as NSString).appendingPathComponent("results.json"))
        return accuracy
    }

    /// Python's `str(datetime.timedelta(seconds=round(s)))`, as Dassl prints "Elapsed: …":
    /// `H:MM:SS`, with "N day(s), " in front past 24 hours.
    static func elapsed(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.toNearestOrEven)), days = s / 86_400, rest = s % 86_400
        let clock = String(format: "%d:%02d:%02d", rest / 3600, rest % 3600 / 60, rest % 60)
        return days == 0 ? clock : "\(days) day\(days == 1 ? "" : "s"), \(clock)"
    }
}
