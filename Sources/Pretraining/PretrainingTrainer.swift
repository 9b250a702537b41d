import AutoDiff
import CLIP
import Datasets
import Distributed
import Foundation
import TensorIO
import Training

/// Contrastive pretraining of a tiny CLIP from scratch, data-parallel over the ranks of a job,
/// ending in a Hugging Face CLIP directory.
///
/// Each step takes `batchSize` pairs in fixed micro-batches of `microBatchSize` (the step's
/// tasks: symmetric InfoNCE within each, ``Pretraining/contrastiveLoss(imageFeatures:textFeatures:logitScale:captions:)``).
/// The tasks are split over the ranks with `TaskSharding`; each rank builds
/// `CLIPModel(configuration:weights:)` from leaves that require grad, so both towers, every
/// weight and the logit scale are trained, and takes the gradient of each of its tasks. The
/// per-task gradients, flattened in sorted-name order with the task's loss appended, are
/// combined by ``CommunicatorMean``, so every rank applies the same AdamW update and the
/// weights are byte-identical for any number of ranks. Samples are pure functions of their
/// index (``PretrainingSampler``); no draw depends on the rank.
///
/// It runs on ``TrainingLoop`` and keeps no checkpoints: the demo's pretraining takes minutes
/// and is rerun from its seed. Rank 0 logs progress (loss, logit scale, lr, pairs/s, ETA) and writes the directory
/// (``Pretraining/writeDirectory(_:model:vocabulary:preprocessor:)``, each file atomically);
/// all ranks wait for it before ``run()`` returns.
public final class PretrainingTrainer {
    public let options: PretrainingOptions
    let communicator: any Communicator
    let sample: PretrainingSampler

    public init(options: PretrainingOptions, communicator: any Communicator, sample: @escaping PretrainingSampler) {
        self.options = options
        self.communicator = communicator
        self.sample = sample
    }

    /// Trains and writes the model directory.
    /// - Returns: the trained model (on every rank), the one the directory holds.
    /// - Throws: ``TrainingError`` for a caption outside the vocabulary or too long, or a
    ///   non-finite loss or gradient (naming the step); errors of the sampler, of collectives
    ///   and of writing the files.
    @discardableResult
    public func run() throws -> CLIPModel {
        let o = options
        precondition(o.steps > 0 && o.microBatchSize > 0 && o.batchSize % o.microBatchSize == 0,
                     "pretraining needs steps > 0 and a batch (\(o.batchSize)) that is a multiple of the micro-batch (\(o.microBatchSize))")
        let log = try RunLog(directory: o.logDirectory, enabled: communicator.rank == 0)

        let vocabulary = try VocabularyBuilder(words: o.words)
        let tokenizer = CLIPTokenizer(vocabulary)
        let wordIDs = Set(vocabulary.words.flatMap { tokenizer.encode($0) })
        let configuration = Pretraining.configuration(o, vocabularySize: vocabulary.count)
        let preprocessor = Pretraining.preprocessor(imageSize: o.imageSize)
        var parameters = Pretraining.initialWeights(configuration, seed: o.seed).mapValues { $0.requiringGrad() }
        let names = parameters.keys.sorted()
        let layout = FlatLayout([parameters], scalars: ["loss"])
        var decayed = Adam.adamW(beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay)
        var plain = Adam(beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon)
        let taskCount = o.batchSize / o.microBatchSize
        let reduction = CommunicatorMean(communicator)
        let warmup = o.resolvedWarmupSteps

        log.say("pretraining: \(layout.count - 1) weights, vocabulary of \(vocabulary.count) tokens (\(vocabulary.words.count) words), "
                + "\(o.steps) steps of \(o.batchSize) pairs in \(taskCount) micro-batch(es) of \(o.microBatchSize) over \(communicator.size) rank(s), "
                + "lr \(o.learningRate) (\(warmup) warm-up steps, cosine), weight decay \(o.weightDecay), seed \(o.seed)")

        var loop = TrainingLoop(communicator: communicator, log: log, steps: o.steps, checkpoints: nil, checkpointEvery: o.steps,
                                logEvery: o.logEvery, work: (o.batchSize, "pairs"))
        loop.prefix = "pretrain "
        try loop.run(from: 0, step: { step in
            let rate = Pretraining.learningRate(step: step, totalSteps: o.steps, warmupSteps: warmup, base: o.learningRate)
            var local: [[String: Tensor]] = []
            for task in reduction.tasks(of: taskCount) {
                let slots = (task * o.microBatchSize)..<((task + 1) * o.microBatchSize)
                let (pixels, captions) = try batch(step: step, slots: slots, preprocessor: preprocessor)
                var rows: [[Int]] = []
                for caption in captions {
                    let ids = tokenizer.encode(caption)
                    guard ids.allSatisfy(wordIDs.contains) else {
                        throw TrainingError("step \(step + 1): caption '\(caption)' has words outside the vocabulary "
                                            + "(known: \(vocabulary.words.joined(separator: " ")))")
                    }
                    guard ids.count + 2 <= configuration.contextLength else {
                        throw TrainingError("step \(step + 1): caption '\(caption)' needs \(ids.count + 2) positions, the context has \(configuration.contextLength)")
                    }
                    rows.append([tokenizer.startOfTextID] + ids + [tokenizer.endOfTextID]
                                + Array(repeating: CLIPTokenizer.padding, count: configuration.contextLength - ids.count - 2))
                }
                let model = CLIPModel(configuration: configuration, weights: parameters)
                let loss = Pretraining.contrastiveLoss(imageFeatures: model.encodeImages(pixels), textFeatures: model.encodeText(rows),
                                                       logitScale: parameters["logit_scale"]!, captions: captions)
                let grads = gradients(of: loss, withRespectTo: names.map { parameters[$0]! })
                var values = Dictionary(uniqueKeysWithValues: zip(names, grads))
                values["loss"] = loss.detached()
                local.append(values)
            }
            let mean = try reduction.mean(local, layout: layout, taskCount: taskCount)
            let loss = mean["loss"]!.scalar
            guard loss.isFinite else { return TrainingLoop.Record(losses: ["loss": loss]) }

            // AdamW with decay on matrices only: two optimisers over disjoint parameter sets.
            var groups: [Bool: [String: Tensor]] = [true: [:], false: [:]]
            var groupGradients: [Bool: [String: Tensor]] = [true: [:], false: [:]]
            for name in names {
                let decays = Pretraining.decays(name)
                groups[decays]![name] = parameters[name]!
                groupGradients[decays]![name] = mean[name]!
            }
            decayed.step(&groups[true]!, gradients: groupGradients[true]!, learningRate: rate)
            plain.step(&groups[false]!, gradients: groupGradients[false]!, learningRate: rate)
            parameters = groups[true]!.merging(groups[false]!) { a, _ in a }
            let scale = parameters["logit_scale"]!.scalar
            if scale > Pretraining.maximumLogitScale {
                parameters["logit_scale"] = Tensor(Pretraining.maximumLogitScale).requiringGrad()
            }
            return TrainingLoop.Record(losses: ["loss": loss],
                                       fields: [("logit_scale", Foundation.exp(Double(parameters["logit_scale"]!.scalar)), "%.2f"), ("lr", rate, "%.3g")])
        }, checkpoint: { _ in preconditionFailure("pretraining keeps no checkpoints") })

        let model = CLIPModel(configuration: configuration, weights: parameters.mapValues { $0.detached() })
        try loop.save {
            try Pretraining.writeDirectory(o.outputDirectory, model: model, vocabulary: vocabulary, preprocessor: preprocessor)
        }
        log.say("pretraining finished: \(o.steps) steps; model in \(o.outputDirectory)")
        return model
    }

    /// The preprocessed images (n, 3, S, S) and captions of batch slots `slots` of `step`.
    func batch(step: Int, slots: Range<Int>, preprocessor: CLIPPreprocessor) throws -> (Tensor, [String]) {
        let o = options
        var pixels: [Float] = [], captions: [String] = []
        pixels.reserveCapacity(slots.count * 3 * o.imageSize * o.imageSize)
        for slot in slots {
            let index: Int
            if let pool = o.samplePool {
                var stream = RandomStream(seed: o.seed, Pretraining.pairPurpose, UInt64(step), UInt64(slot))
                index = stream.int(below: pool)
            } else {
                index = step * o.batchSize + slot
            }
            let pair = try sample(index)
            pixels += preprocessor(pair.image).storage
            captions.append(pair.caption)
        }
        return (Tensor(shape: [slots.count, 3, o.imageSize, o.imageSize], values: pixels), captions)
    }
}
