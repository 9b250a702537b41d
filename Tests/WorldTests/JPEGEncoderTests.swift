import AutoDiff
import Datasets
import Foundation
import Testing
@testable import World

@Suite struct JPEGEncoderTests {
    static func meanAbsoluteError(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.pixels.count == b.pixels.count, "\(a.width)x\(a.height) vs \(b.width)x\(b.height)")
        return Double(zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.pixels.count)
    }

    /// Uniform random bytes: the worst case for the encoder (every AC run/size symbol class
    /// shows up) and for the error.
    static func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var stream = RandomStream(seed: seed, 99)
        return RGBImage(width: width, height: height,
                        pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: stream.nextUInt32()) })
    }

    /// Rendered world images at quality 95, decoded by libjpeg-turbo (`RGBImage(jpegData:)`).
    /// Quality 95 quantises with steps 2–12 (luminance) and 3–10 (chrominance); 4:4:4 keeps
    /// full chroma. Pretraining images (sharp textures) lose 0.9–2.0 levels of 255 on average
    /// (bound 2.5); downstream images carry σ 5 pixel noise, largely at frequencies the coarser
    /// steps round away, and lose about 3.1 (bound 4). At quality 100 the error is 0.4–0.5,
    /// the decoder's own YCbCr rounding, so the rest is quantisation, as intended.
    @Test(arguments: [0, 1, 2, 3])
    func worldImagesRoundTripThroughLibjpeg(index: Int) throws {
        for (sample, bound) in [(World.pretrainingSample(index: index, seed: 1), Self.pretrainingBound),
                                (World.downstreamSample(label: index * 11, index: index, seed: 1), Self.downstreamBound)] {
            let bytes = JPEGEncoder(quality: 95).encode(sample.image)
            let decoded = try RGBImage(jpegData: bytes, source: "world \(index)")
            #expect(decoded.width == 32 && decoded.height == 32)
            let error = Self.meanAbsoluteError(decoded, sample.image)
            #expect(error < bound, "mean absolute error \(error), bound \(bound)")
        }
    }

    static let pretrainingBound = 2.5
    static let downstreamBound = 4.0

    @Test func roundTripThroughAFileAndOddSizes() throws {
        let directory = try TemporaryDirectory()
        // 13×21 is not a multiple of the 8×8 block size in either direction.
        let width = 13, height = 21
        let gradient = RGBImage(width: width, height: height, pixels: (0..<(width * height)).flatMap { i -> [UInt8] in
            let x = i % width, y = i / width
            return [UInt8(x * 19), UInt8(y * 12), UInt8((x + y) * 7)]
        })
        let path = directory.path + "/gradient.jpg"
        try Data(JPEGEncoder(quality: 95).encode(gradient)).write(to: URL(fileURLWithPath: path))
        let decoded = try RGBImage(jpegFile: path)
        #expect(decoded.width == width && decoded.height == height)
        #expect(Self.meanAbsoluteError(decoded, gradient) < 2.5)
        let single = RGBImage(width: 1, height: 1, pixels: [200, 30, 90])
        let one = try RGBImage(jpegData: JPEGEncoder().encode(single), source: "1x1")
        #expect(Self.meanAbsoluteError(one, single) < 2.5)
    }

    /// Noise exercises long codes, 0xFF stuffing and large amplitudes; lower qualities use
    /// coarser tables. Bounds: the quantisation step bounds the error of each coefficient,
    /// so the pixel error grows with it — 6 levels at quality 95, 40 at 50 (measured 3.2
    /// and 28).
    @Test(arguments: [(95, 6.0), (50, 40.0)])
    func noiseRoundTripsAtSeveralQualities(quality: Int, bound: Double) throws {
        let image = Self.noiseImage(width: 24, height: 16, seed: UInt64(quality))
        let bytes = JPEGEncoder(quality: quality).encode(image)
        let decoded = try RGBImage(jpegData: bytes, source: "noise")
        let error = Self.meanAbsoluteError(decoded, image)
        #expect(error < bound, "quality \(quality): mean absolute error \(error)")
    }

    @Test func qualityScalingMatchesIJG() {
        // jpeg_quality_scaling(95) = 10: (16·10 + 50)/100 = 2, (99·10 + 50)/100 = 10.
        let encoder = JPEGEncoder(quality: 95)
        #expect(encoder.luminanceTable[0] == 2 && encoder.chrominanceTable[63] == 10)
        #expect(JPEGEncoder(quality: 100).luminanceTable.allSatisfy { $0 == 1 })
        #expect(JPEGEncoder.zigzag.prefix(10) == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24])
        #expect(JPEGEncoder.zigzag.last == 63 && Set(JPEGEncoder.zigzag).count == 64)
    }

    @Test func encodingIsDeterministic() {
        let image = World.downstreamSample(label: 3, index: 0, seed: 9).image
        #expect(JPEGEncoder().encode(image) == JPEGEncoder().encode(image))
    }
}

/// A fresh empty directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/world-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
