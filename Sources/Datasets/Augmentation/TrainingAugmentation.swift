import AutoDiff

/// The random choices ``TrainingAugmentation`` makes for one sample.
public struct AugmentationDraw: Sendable, Equatable {
    /// The region cut from the source image.
    public var crop: CropRect
    /// Whether the resized crop is mirrored left to right.
    public var flipped: Bool

    public init(crop: CropRect, flipped: Bool) {
        self.crop = crop
        self.flipped = flipped
    }
}

/// CoOp/Dassl's training transform: `RandomResizedCrop(size, scale=(0.08, 1), ratio=(3/4, 4/3),
/// interpolation=BICUBIC)`, `RandomHorizontalFlip(p=0.5)`, `ToTensor`, `Normalize(mean, std)`.
///
/// ## Keying
///
/// Every draw for one sample comes from
///
///     RandomStream(seed: seed, TrainingAugmentation.streamPurpose, UInt64(epoch), UInt64(sampleIndex))
///
/// where `sampleIndex` is the sample's index in the training list (not its position in a
/// shuffled batch), so the same (seed, epoch, sample) gets the same crop and flip on any rank,
/// with any number of ranks or workers, and after a resume. From that stream, in order: the
/// crop (see ``RandomResizedCrop``), then one ``RandomStream/uniformDouble()`` `u` with
/// flip ⇔ `u < flipProbability` (torchvision's `torch.rand(1) < p`).
public struct TrainingAugmentation: Sendable, Equatable {
    /// The stream purpose of augmentation draws: ASCII "augment", chosen so it cannot collide
    /// with the small-integer purposes used elsewhere.
    public static let streamPurpose: UInt64 = 0x0061_7567_6D65_6E74

    public var crop: RandomResizedCrop
    /// Probability of the horizontal flip.
    public var flipProbability: Double
    /// Normalisation applied after ToTensor.
    public var mean: [Float]
    public var std: [Float]

    public init(crop: RandomResizedCrop, flipProbability: Double = 0.5, mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "need 3 means and 3 stds, got \(mean) and \(std)")
        self.crop = crop
        self.flipProbability = flipProbability
        self.mean = mean
        self.std = std
    }

    /// The training transform matching an evaluation preprocessor: output side = its crop
    /// width, same normalisation and resize pass order; `cropScale` is the range of the
    /// crop's area fraction (torchvision's and Dassl's default 0.08…1).
    public init(matching preprocessor: CLIPPreprocessor, cropScale: ClosedRange<Double> = 0.08...1.0) {
        var crop = RandomResizedCrop(size: preprocessor.cropWidth, scale: cropScale)
        crop.passOrder = preprocessor.passOrder
        self.init(crop: crop, mean: preprocessor.mean, std: preprocessor.std)
    }

    /// The stream a sample's draws come from (see Keying).
    public static func stream(seed: UInt64, epoch: Int, sampleIndex: Int) -> RandomStream {
        precondition(epoch >= 0 && sampleIndex >= 0, "epoch \(epoch) and sample index \(sampleIndex) must be ≥ 0")
        return RandomStream(seed: seed, streamPurpose, UInt64(epoch), UInt64(sampleIndex))
    }

    /// The crop and flip for one sample of a `width × height` image.
    public func draw(width: Int, height: Int, seed: UInt64, epoch: Int, sampleIndex: Int) -> AugmentationDraw {
        var stream = Self.stream(seed: seed, epoch: epoch, sampleIndex: sampleIndex)
        let rect = crop.parameters(width: width, height: height, stream: &stream)
        let flipped = stream.uniformDouble() < flipProbability
        return AugmentationDraw(crop: rect, flipped: flipped)
    }

    /// The augmented 8-bit image: crop, bicubic resize to `size × size`, maybe mirrored.
    public func augmentedImage(_ image: RGBImage, draw: AugmentationDraw) -> RGBImage {
        let resized = crop.apply(draw.crop, to: image)
        return draw.flipped ? resized.flippedHorizontally() : resized
    }

    /// The augmented, normalised `(3, size, size)` tensor for sample `sampleIndex` of `epoch`.
    public func callAsFunction(_ image: RGBImage, seed: UInt64, epoch: Int, sampleIndex: Int) -> Tensor {
        let choice = draw(width: image.width, height: image.height, seed: seed, epoch: epoch, sampleIndex: sampleIndex)
        return augmentedImage(image, draw: choice).normalizedTensor(mean: mean, std: std)
    }
}
