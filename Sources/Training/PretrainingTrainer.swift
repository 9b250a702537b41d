import AutoDiff
import CLIP
import Datasets
import Distributed
import Foundation
import TensorIO

/// Contrastive pretraining of a tiny CLIP from scratch, data-parallel over the ranks of a job,
/// ending in a Hugging Face CLIP directory.
///
/// Each step takes `batchSize` pairs in fixed micro-batches of `microBatchSize` (the step's
/// tasks: symmetric InfoNCE within each, ``Pretraining/contrastiveLoss(imageFeatures:textFeatures:logitScale:captions:)``).
/// The tasks are split over the ranks with `TaskSharding`; each rank builds
/// `CLIPModel(configuration:weights:)` from leaves that require grad, so both towers, every
/// weight and the logit scale are trained, and takes the gradient of each of its tasks. The
/// per-task gradients, flattened in sorted-name order with the task's loss appended, are
/// combined by `DeterministicMean`, so every rank applies the same AdamW update and the
/// weights are byte-identical for any number of ranks. Samples are pure functions of their
/// index (``PretrainingSampler``); no draw depends on the rank.
///
/// The run keeps no checkpoints: the demo's pretraining takes minutes and is rerun from its
/// seed. Rank 0 logs progress (loss, logit scale, lr, pairs/s, ETA) and writes the directory
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
        let isRoot = communicator.rank == 0
        let log = try o.logDirectory.map { try RunLog(directory: $0, enabled: isRoot) }
        func say(_ line: String) {
            if let log { log.say(line) } else if isRoot { print(line); fflush(nil) }
        }

        let vocabulary = try VocabularyBuilder(words: o.words)
        let tokenizer = CLIPTokenizer(vocabulary)
        let wordIDs = Set(vocabulary.words.flatMap { tokenizer.encode($0) })
        let configuration = Pretraining.configuration(o, vocabularySize: vocabulary.count)
        let preprocessor = Pretraining.preprocessor(imageSize: o.imageSize)
        var parameters = Pretraining.initialWeights(configuration, seed: o.seed).mapValues { $0.requiringGrad() }
        let names = parameters.keys.sorted()
        var segments: [Range<Int>] = [], length = 0
        for name in names {
            segments.append(length..<(length + parameters[name]!.count))
            length += parameters[name]!.count
        }
        segments.append(length..<(length + 1))  // the task's loss
        var decayed = Adam.adamW(beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay)
        var plain = Adam(beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon)
        let taskCount = o.batchSize / o.microBatchSize
        let sharding = TaskSharding(taskCount: taskCount, rankCount: communicator.size)
        let warmup = o.resolvedWarmupSteps

        say("pretraining: \(length) weights, vocabulary of \(vocabulary.count) tokens (\(vocabulary.words.count) words), "
            + "\(o.steps) steps of \(o.batchSize) pairs in \(taskCount) micro-batch(es) of \(o.microBatchSize) over \(communicator.size) rank(s), "
            + "lr \(o.learningRate) (\(warmup) warm-up steps, cosine), weight decay \(o.weightDecay), seed \(o.seed)")

        let clock = ContinuousClock(), began = clock.now
        for step in 0..<o.steps {
            let rate = Pretraining.learningRate(step: step, totalSteps: o.steps, warmupSteps: warmup, base: o.learningRate)
            var local: [[Float]] = []
            for task in sharding.tasks(ofRank: communicator.rank) {
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
                var v: [Float] = []
                v.reserveCapacity(length + 1)
                for g in grads { v += g.storage }
                v.append(loss.scalar)
                local.append(v)
            }
            let mean: [Float]
            do {
                mean = try DeterministicMean.mean(local: local, length: length + 1, segments: segments, taskCount: taskCount,
                                                  communicator: communicator)
            } catch let error as DeterministicMean.NonFinite {
                throw TrainingError("pretraining step \(step + 1): \(error) (\(segments.count - 1 == error.segment ? "the loss" : names[error.segment]))")
            }
            let loss = mean[length]
            guard loss.isFinite else { throw TrainingError("pretraining loss is \(TrainingError.shown(loss)) at step \(step + 1)") }

            // AdamW with decay on matrices only: two optimisers over disjoint parameter sets.
            var groups: [Bool: [String: Tensor]] = [true: [:], false: [:]]
            var groupGradients: [Bool: [String: Tensor]] = [true: [:], false: [:]]
            for (i, name) in names.enumerated() {
                let decays = Pretraining.decays(name)
                groups[decays]![name] = parameters[name]!
                groupGradients[decays]![name] = Tensor(shape: parameters[name]!.shape, values: Array(mean[segments[i]]))
            }
            decayed.step(&groups[true]!, gradients: groupGradients[true]!, learningRate: rate)
            plain.step(&groups[false]!, gradients: groupGradients[false]!, learningRate: rate)
            parameters = groups[true]!.merging(groups[false]!) { a, _ in a }
            let scale = parameters["logit_scale"]!.scalar
            if scale > Pretraining.maximumLogitScale {
                parameters["logit_scale"] = Tensor(Pretraining.maximumLogitScale).requiringGrad()
            }

            let done = step + 1
            if done % o.logEvery == 0 || done == o.steps {
                let elapsed = clock.now - began
                let seconds = elapsed.seconds
                let stepsPerSecond = Double(done) / max(seconds, 1e-9)
                let eta = Double(o.steps - done) / max(stepsPerSecond, 1e-9)
                let logitScale = Foundation.exp(Double(parameters["logit_scale"]!.scalar))
                say(String(format: "pretrain step %d/%d  loss %.4f  logit scale %.2f  lr %.3g  %.1f pairs/s  ETA %@",
                           done, o.steps, loss, logitScale, rate, stepsPerSecond * Double(o.batchSize), Trainer.duration(eta)))
                log?.metrics("{\"step\": \(done), \"loss\": \(loss), \"logit_scale\": \(logitScale), \"lr\": \(rate), \"pairs_per_second\": \(stepsPerSecond * Double(o.batchSize))}")
            }
        }

        let model = CLIPModel(configuration: configuration, weights: parameters.mapValues { $0.detached() })
        if isRoot {
            try Pretraining.writeDirectory(o.outputDirectory, model: model, vocabulary: vocabulary, preprocessor: preprocessor)
        }
        try communicator.barrier()
        say("pretraining finished: \(o.steps) steps; model in \(o.outputDirectory)")
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
