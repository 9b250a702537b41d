import CLIP
import Datasets
import Foundation

/// A sweep run's estimated single-core time, for the plan and for balancing the ranks.
///
/// Seconds per trained image and per tested image at ViT-B/16 on one core, from the step and
/// evaluation times measured by `bench scaling --strong` and `eval` over ranks (README,
/// "Benchmarks", 2026-12-07, batch 4): a CoOp step 1.98 s, IVLP 3.71 s, ProMetaR (second
/// order) 20.8 s, an evaluation 2.0 images/s. VPT and PromptSRC were not measured; they are
/// taken as IVLP's step (VPT: the same deep vision prompts, no text prompts) and IVLP's plus
/// its frozen forward of the image (1.25×). Another model scales by its vision tower's
/// matrix work per image against ViT-B/16's.
public enum SweepCost {
    /// Seconds per training image at ViT-B/16 on one core, by method.
    public static func secondsPerTrainingImage(method: String) -> Double {
        switch method {
        case "coop": 1.98 / 4
        case "ivlp", "vpt": 3.71 / 4
        case "promptsrc": 1.25 * 3.71 / 4
        case "prometar": 20.8 / 4
        default: 3.71 / 4
        }
    }

    /// Seconds per trained class prompt per step (the text tower's forward and backward of the
    /// class prompts), from the same ProMetaR step at 10 and 100 classes (20.8 s, 22.9 s),
    /// taken for every method.
    public static let secondsPerClassPerStep = 0.024

    /// Seconds per test image at ViT-B/16 on one core.
    public static let secondsPerTestImage = 1 / 2.0

    /// The vision tower's multiply-adds per image: layers × (12·T·d² for the projections and
    /// the MLP at 4·d, plus 2·T²·d for attention), T tokens of width d.
    static func visionWork(_ c: CLIPConfiguration) -> Double {
        let t = Double(c.visionTokens), d = Double(c.vision.width)
        return Double(c.vision.layers) * (t * (4 * d * d + 2 * d * Double(c.vision.mlpWidth)) + 2 * t * t * d)
    }

    /// ViT-B/16's (12 layers, width 768, MLP 3072, 197 tokens).
    static let vitB16Work: Double = {
        let t = 197.0, d = 768.0, mlp = 3072.0
        return 12 * (t * (4 * d * d + 2 * d * mlp) + 2 * t * t * d)
    }()

    /// The factor from ViT-B/16's times to `configuration`'s.
    public static func scale(for configuration: CLIPConfiguration) -> Double { visionWork(configuration) / vitB16Work }

    /// The estimated seconds of each run on one core, at `scale` (``scale(for:)``): its
    /// few-shot training images × epochs at its method's rate, its steps × trained classes
    /// at the class-prompt rate, and every test image it
    /// evaluates (base-to-new: both halves; cross-dataset: the source's and each target's).
    /// Each data set's lists are read once.
    /// - Throws: the data set's error when its lists cannot be read.
    public static func seconds(of runs: [SweepRun], in sweep: Sweep, scale: Double) throws -> [Double] {
        var sizes: [String: (classes: Int, train: Int, test: Int)] = [:]
        func size(_ d: SweepDataset) throws -> (classes: Int, train: Int, test: Int) {
            if let s = sizes[d.name] { return s }
            let splits = try d.source.readSplits()
            let s = (Set(splits.train.map(\.label)).count, splits.train.count, splits.test.count)
            sizes[d.name] = s
            return s
        }
        return try runs.map { run in
            let s = try size(run.dataset)
            let classes = sweep.setting == .base2new ? (s.classes + 1) / 2 : s.classes
            var tested = s.test
            for target in run.targets { tested += try size(target).test }
            var trained = 0, steps = 0, method = "zeroshot"
            switch run.kind {
            case .zeroShot: break
            case .train(let m, let config), .gramThenTrain(_, let m, let config), .trainFromGRAM(_, let m, let config):
                method = m
                let c = try Sweep.configuration(run, method: m, config: config)
                let images = min(sweep.shots * classes, s.train), epochs = sweep.epochs ?? c.epochs, batch = sweep.batchSize ?? c.batchSize
                trained = epochs * images
                steps = epochs * ((images + batch - 1) / batch)
            }
            return scale * (Double(trained) * secondsPerTrainingImage(method: method) + Double(steps * classes) * secondsPerClassPerStep
                            + Double(tested) * secondsPerTestImage)
        }
    }

    /// Seconds of a GRAM meta-step at ViT-B/16 on one core: its 4-way task's 16 images (2 + 2
    /// per class) at ProMetaR's second-order rate per image (not measured for GRAM itself).
    public static let secondsPerGRAMStep = 16 * 20.8 / 4

    /// The estimated seconds of a GRAM meta-training of `steps` steps, at `scale`.
    public static func gramSeconds(steps: Int, scale: Double) -> Double { scale * Double(steps) * secondsPerGRAMStep }
}
