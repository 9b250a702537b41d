import AutoDiff
@testable import Datasets
import Foundation
import Testing

@Suite struct TrainingAugmentationTests {
    let augmentation = TrainingAugmentation(matching: CLIPPreprocessor(shortestEdge: 224, cropSize: 224))

    @Test func drawsDependOnlyOnSeedEpochAndSample() {
        let a = augmentation.draw(width: 500, height: 375, seed: 42, epoch: 3, sampleIndex: 7)
        #expect(a == augmentation.draw(width: 500, height: 375, seed: 42, epoch: 3, sampleIndex: 7))
        let others = [augmentation.draw(width: 500, height: 375, seed: 42, epoch: 3, sampleIndex: 8),
                      augmentation.draw(width: 500, height: 375, seed: 42, epoch: 4, sampleIndex: 7),
                      augmentation.draw(width: 500, height: 375, seed: 43, epoch: 3, sampleIndex: 7)]
        #expect(others.allSatisfy { $0 != a })
    }

    /// The documented keying, replayed by hand from `RandomStream`.
    @Test func drawsFollowTheDocumentedStream() {
        var stream = RandomStream(seed: 42, TrainingAugmentation.streamPurpose, 3, 7)
        #expect(TrainingAugmentation.streamPurpose == 0x0061_7567_6D65_6E74)  // "augment"
        let (width, height) = (500, 375)
        var expected: CropRect?
        for _ in 0..<10 where expected == nil {
            let area = Double(width * height) * (0.08 + 0.92 * stream.uniformDouble())
            let logRatio = log(3.0 / 4.0) + (log(4.0 / 3.0) - log(3.0 / 4.0)) * stream.uniformDouble()
            let w = Int((area * exp(logRatio)).squareRoot().rounded(.toNearestOrEven))
            let h = Int((area / exp(logRatio)).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= width && h > 0 && h <= height {
                let top = stream.int(in: 0..<(height - h + 1))
                expected = CropRect(left: stream.int(in: 0..<(width - w + 1)), top: top, width: w, height: h)
            }
        }
        let flipped = stream.uniformDouble() < 0.5
        #expect(augmentation.draw(width: width, height: height, seed: 42, epoch: 3, sampleIndex: 7)
                    == AugmentationDraw(crop: expected!, flipped: flipped))
    }

    @Test func cropsStayInsideTheImageWithinScaleAndRatio() {
        for sample in 0..<500 {
            let (width, height) = (320 + sample % 7 * 31, 240 + sample % 5 * 17)
            let crop = augmentation.draw(width: width, height: height, seed: 1, epoch: 0, sampleIndex: sample).crop
            #expect(crop.left >= 0 && crop.top >= 0 && crop.left + crop.width <= width && crop.top + crop.height <= height)
            // Rounding w and h moves the area and ratio by at most half a pixel per side.
            let fraction = Double(crop.width * crop.height) / Double(width * height)
            #expect(fraction > 0.075 && fraction <= 1)
            let ratio = Double(crop.width) / Double(crop.height)
            #expect(ratio > 0.73 && ratio < 1.37, "crop \(crop)")
        }
    }

    /// 2000 draws with p = 0.5: six standard errors are 0.067.
    @Test func flipsAboutHalfTheTime() {
        let flips = (0..<2000).filter { augmentation.draw(width: 64, height: 48, seed: 5, epoch: 1, sampleIndex: $0).flipped }.count
        #expect(abs(Double(flips) / 2000 - 0.5) < 0.067)
    }

    @Test func fallbackIsTheCentreCropClampedToTheRatioRange() {
        // 1000×10: every attempt needs h ≥ √(0.08·10000·3/4) ≈ 24 > 10, so all ten fail.
        var stream = RandomStream(seed: 9)
        let wide = augmentation.crop.parameters(width: 1000, height: 10, stream: &stream)
        #expect(wide == CropRect(left: 493, top: 0, width: 13, height: 10))  // w = round(10 · 4/3)
        let tall = augmentation.crop.parameters(width: 10, height: 1000, stream: &stream)
        #expect(tall == CropRect(left: 0, top: 493, width: 10, height: 13))  // h = round(10 / (3/4))
    }

    /// `img.crop((10, 5, 60, 45)).resize((32, 32), Image.BICUBIC)` under Pillow 13.0:
    /// torchvision's `resized_crop` on a PIL image.
    @Test func cropThenResizeMatchesPIL() throws {
        let image = try RGBImage(jpegFile: TestFixtures.tinyshapes("images/blue_circle/000.jpg"))
        let crop = RandomResizedCrop(size: 32)
        let out = crop.apply(CropRect(left: 10, top: 5, width: 50, height: 40), to: image)
        #expect(out.width == 32 && out.height == 32)
        #expect(fnv1a64(out.pixels) == 0x702C_A6F1_CDBC_2325)
        let flipped = TrainingAugmentation(crop: crop, mean: [0, 0, 0], std: [1, 1, 1])
            .augmentedImage(image, draw: AugmentationDraw(crop: CropRect(left: 10, top: 5, width: 50, height: 40), flipped: true))
        #expect(flipped == out.flippedHorizontally() && flipped.flippedHorizontally() == out)
    }

    @Test func cropOutsideTheImageIsBlackAsPIL() throws {
        // img.crop((-3, 100, 17, 130)) under Pillow 13.0 (the image is 120×112).
        let image = try RGBImage(jpegFile: TestFixtures.tinyshapes("images/blue_circle/000.jpg"))
        let out = image.cropped(left: -3, top: 100, width: 20, height: 30)
        #expect(fnv1a64(out.pixels) == 0x0936_911F_9FAE_F8A5)
    }

    @Test func producesANormalisedSquareTensor() throws {
        let image = try RGBImage(jpegFile: TestFixtures.tinyshapes("images/purple_square/003.jpg"))
        let small = TrainingAugmentation(matching: CLIPPreprocessor(shortestEdge: 32, cropSize: 32))
        let tensor = small(image, seed: 3, epoch: 0, sampleIndex: 11)
        #expect(tensor.shape == [3, 32, 32])
        let draw = small.draw(width: image.width, height: image.height, seed: 3, epoch: 0, sampleIndex: 11)
        let expected = small.augmentedImage(image, draw: draw).normalizedTensor(mean: small.mean, std: small.std)
        #expect(tensor.storage == expected.storage)
    }
}
