import CLIP
import Datasets

/// The image–caption pair of pretraining sample `sampleIndex`: a pure function of the index
/// (a generator keys its own draws by its seed and the index), called from any rank.
///
/// The world generator plugs in as
/// `{ i in let s = World.pretrainingSample(index: i, seed: seed); return (s.image, s.caption) }`.
public typealias PretrainingSampler = @Sendable (_ sampleIndex: Int) throws -> (image: RGBImage, caption: String)

/// Everything a contrastive pretraining run of a tiny CLIP needs besides its data.
///
/// Defaults are the demo's model (both towers width 128, 4 layers, 4 heads, MLP 512; 32-pixel
/// images in 8-pixel patches; 64-wide projections; 77 text positions) and optimiser (AdamW with
/// CLIP's β₂ = 0.98, ε = 10⁻⁶ and weight decay 0.2 on matrices; batch 128 in micro-batches of 32;
/// 10 % linear warm-up, then cosine to 0).
public struct PretrainingOptions: Sendable {
    /// The Hugging Face CLIP directory to write (created if missing).
    public var outputDirectory: String
    /// Where `log.txt` and `metrics.jsonl` go; nil prints progress only.
    public var logDirectory: String?
    /// The vocabulary: every caption must consist of these words (see ``VocabularyBuilder``).
    public var words: [String]
    public var seed: UInt64
    /// Optimiser steps.
    public var steps: Int
    /// Pairs per step; a multiple of ``microBatchSize``.
    public var batchSize: Int = 128
    /// Pairs per task: InfoNCE runs within each micro-batch, so the step does not depend on how
    /// the tasks are spread over ranks.
    public var microBatchSize: Int = 32
    /// nil: every step draws fresh samples, `step · batchSize + slot`. A count: samples drawn
    /// uniformly from `0..<count` by `RandomStream(seed: seed, "pair", step, slot)` (a finite
    /// set of pairs written to disk, for example).
    public var samplePool: Int?

    /// Shape of both towers.
    public var tower = TowerConfiguration(width: 128, layers: 4, heads: 4, mlpWidth: 512)
    public var imageSize = 32
    public var patchSize = 8
    public var projectionWidth = 64
    /// Text positions; captions longer than this (with start and end tokens) are an error.
    public var contextLength = 77

    /// Peak learning rate, reached at the end of the warm-up.
    public var learningRate: Double = 1e-3
    /// Linear warm-up steps (nil: 10 % of ``steps``, at least 1).
    public var warmupSteps: Int?
    /// AdamW's decoupled weight decay on matrices (linear weights, projections, the patch
    /// convolution); gains, biases, embeddings and the logit scale have none.
    public var weightDecay: Double = 0.2
    public var beta1: Double = 0.9
    public var beta2: Double = 0.98
    public var epsilon: Double = 1e-6
    /// Log every this many steps (and the last).
    public var logEvery: Int = 25

    public init(outputDirectory: String, words: [String], seed: UInt64, steps: Int) {
        self.outputDirectory = outputDirectory
        self.words = words
        self.seed = seed
        self.steps = steps
    }

    /// The warm-up length in effect.
    public var resolvedWarmupSteps: Int { warmupSteps ?? max(1, steps / 10) }
}
