import AutoDiff
import Datasets

/// The built-in synthetic vision-language world: 48 classes (8 colours × 6 shapes), a
/// pretraining domain of captioned images and a shifted downstream domain.
///
/// ## Classes
/// Label `6·colour + shape` with colours in ``ObjectColor`` order (red, yellow, green, blue,
/// orange, cyan, purple, pink) and shapes in ``ObjectShape`` order (circle, square, triangle,
/// diamond, star, cross): colour-major, so CoOp's base half (labels 0–23) is the first four
/// colours and the new half (24–47) the other four. Class names are `"<colour> <shape>"`.
///
/// ## Random streams (keying scheme)
/// Every draw comes from a ``RandomStream`` keyed by the world's seed and a path that starts
/// with ``streamRoot`` (so a run that uses the same seed for something else draws unrelated
/// numbers), then the purpose (``StreamPurpose``), then the item:
///
///     pretraining sample i:       RandomStream(seed: seed, streamRoot, purpose, i)
///                                 purpose 1 = scene, 2 = caption
///     downstream image (ℓ, n):    RandomStream(seed: seed, streamRoot, purpose, ℓ, n)
///                                 purpose 3 = scene, 4 = pixel noise, 5 = caption
///
/// where `ℓ` is the label and `n` the image's number within its class (train images first,
/// then val, then test; see ``WorldWriter``). Items are therefore independent of each other
/// and of how many are generated: sample 7 is the same whether 10 or 10 000 are written,
/// and a caption change leaves the pixels alone. Same seed and configuration → same scenes,
/// bytes and captions; the draws within each stream are listed on
/// ``WorldScene/sample(color:shape:shift:from:)``, ``CaptionWriter/caption(for:from:)`` and
/// ``WorldRenderer``.
public enum World {
    /// The first id of every stream path of the world: ASCII "WORLD".
    public static let streamRoot: UInt64 = 0x57_4F_52_4C_44

    /// What a stream is drawn for (the second id of its path).
    public enum StreamPurpose: UInt64, Sendable {
        /// Colour, shape and nuisances of a pretraining image.
        case pretrainingScene = 1
        /// Template and synonyms of a pretraining caption.
        case pretrainingCaption = 2
        /// Nuisances and shift jitter of a downstream image.
        case downstreamScene = 3
        /// Pixel noise of a downstream image.
        case downstreamNoise = 4
        /// Caption of a downstream image (not written to disk; for in-memory use).
        case downstreamCaption = 5
    }

    /// The stream for `purpose` of pretraining sample `index`.
    public static func stream(seed: UInt64, _ purpose: StreamPurpose, index: Int) -> RandomStream {
        precondition(index >= 0, "world item index must be non-negative, got \(index)")
        return RandomStream(seed: seed, streamRoot, purpose.rawValue, UInt64(index))
    }

    /// The stream for `purpose` of downstream image `index` of class `label`.
    public static func stream(seed: UInt64, _ purpose: StreamPurpose, label: Int, index: Int) -> RandomStream {
        precondition(index >= 0 && (0..<classCount).contains(label),
                     "downstream item needs label in 0..<\(classCount) and index ≥ 0, got \(label) and \(index)")
        return RandomStream(seed: seed, streamRoot, purpose.rawValue, UInt64(label), UInt64(index))
    }

    // MARK: Classes

    /// Number of classes: 8 colours × 6 shapes.
    public static let classCount = ObjectColor.allCases.count * ObjectShape.allCases.count

    /// The label of a colour–shape pair: `6·colour + shape`.
    public static func label(color: ObjectColor, shape: ObjectShape) -> Int {
        color.rawValue * ObjectShape.allCases.count + shape.rawValue
    }

    /// The colour and shape of `label`.
    public static func attributes(ofLabel label: Int) -> (color: ObjectColor, shape: ObjectShape) {
        precondition((0..<classCount).contains(label), "label must be in 0..<\(classCount), got \(label)")
        let shapes = ObjectShape.allCases.count
        return (ObjectColor(rawValue: label / shapes)!, ObjectShape(rawValue: label % shapes)!)
    }

    /// The 48 class names by label, `"red circle"`, `"red square"`, …, `"pink cross"`.
    public static let classNames: [String] = (0..<classCount).map { label in
        let (color, shape) = attributes(ofLabel: label)
        return "\(color.name) \(shape.name)"
    }

    /// Every word of every caption and class name the world produces, plus `a`, `photo`,
    /// `of` and `.` (the words of CLIP's `"a photo of a {}."` besides the class name),
    /// sorted by Unicode scalar values, without repeats.
    ///
    /// Captions are lower-case words and `.` separated by single spaces, so splitting any
    /// caption or class name on spaces yields members of this list (`WorldTests` checks this
    /// on thousands of captions). Words of other prompt templates (the 60 ImageNet ones) are
    /// not included.
    public static let vocabulary: [String] = {
        var words = CaptionWriter.words
        words.formUnion(["a", "photo", "of", "."])
        for name in classNames { words.formUnion(name.split(separator: " ").map(String.init)) }
        return words.sorted()
    }()

    /// Class-prompt templates in the captions' own words, `{}` for the class name: the
    /// caption templates that name colour then shape together, without size or background
    /// ("a photo of a {} .", "there is a {} .", …). The demo's text regulariser averages
    /// these instead of the 60 ImageNet templates, whose words the world's vocabulary lacks.
    public static let promptTemplates: [String] = CaptionWriter.templates.compactMap { template in
        guard template.contains("{color} {shape}"), !template.contains("{texture}") else { return nil }
        return template.replacingOccurrences(of: "{size} ", with: "").replacingOccurrences(of: " {background}", with: "")
            .replacingOccurrences(of: "{color} {shape}", with: "{}")
    }

    // MARK: Samples

    /// Pretraining sample `index` (any `index ≥ 0`; the writer writes `0..<pretrainingPairs`):
    /// a pretraining-domain image of a uniformly drawn colour and shape, and its caption.
    ///
    /// The scene stream draws colour `int(below: 8)`, shape `int(below: 6)`, then the
    /// nuisances of ``WorldScene/sample(color:shape:shift:from:)`` with ``DomainShift/none``.
    public static func pretrainingSample(index: Int, seed: UInt64,
                                         configuration: WorldConfiguration = WorldConfiguration()) -> WorldSample {
        configuration.validate()
        var sceneStream = stream(seed: seed, .pretrainingScene, index: index)
        let color = ObjectColor.allCases[sceneStream.int(below: ObjectColor.allCases.count)]
        let shape = ObjectShape.allCases[sceneStream.int(below: ObjectShape.allCases.count)]
        let scene = WorldScene.sample(color: color, shape: shape, shift: .none, from: &sceneStream)
        var captionStream = stream(seed: seed, .pretrainingCaption, index: index)
        let caption = CaptionWriter.caption(for: scene, from: &captionStream)
        let image = WorldRenderer.render(scene, imageSize: configuration.imageSize,
                                         supersampling: configuration.supersampling)
        return WorldSample(image: image, caption: caption, scene: scene, label: label(color: color, shape: shape))
    }

    /// Downstream image `index` of class `label`, in the shifted domain
    /// `configuration.downstream`; its caption describes the object only (blotch backgrounds
    /// have no name).
    public static func downstreamSample(label: Int, index: Int, seed: UInt64,
                                        configuration: WorldConfiguration = WorldConfiguration()) -> WorldSample {
        configuration.validate()
        let (color, shape) = attributes(ofLabel: label)
        var sceneStream = stream(seed: seed, .downstreamScene, label: label, index: index)
        let scene = WorldScene.sample(color: color, shape: shape, shift: configuration.downstream, from: &sceneStream)
        var captionStream = stream(seed: seed, .downstreamCaption, label: label, index: index)
        let caption = CaptionWriter.caption(for: scene, from: &captionStream)
        let image = WorldRenderer.render(scene, imageSize: configuration.imageSize,
                                         supersampling: configuration.supersampling,
                                         noise: stream(seed: seed, .downstreamNoise, label: label, index: index))
        return WorldSample(image: image, caption: caption, scene: scene, label: label)
    }
}

/// One generated image with its caption, the scene it shows and its class label.
public struct WorldSample: Sendable, Equatable {
    /// The rendered pixels (before any JPEG compression).
    public var image: RGBImage
    public var caption: String
    public var scene: WorldScene
    /// `6·colour + shape` (see ``World``).
    public var label: Int

    public init(image: RGBImage, caption: String, scene: WorldScene, label: Int) {
        self.image = image
        self.caption = caption
        self.scene = scene
        self.label = label
    }

    /// The class name, e.g. `"red circle"`.
    public var className: String { World.classNames[label] }
}
