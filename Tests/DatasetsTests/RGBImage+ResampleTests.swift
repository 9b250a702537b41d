@testable import Datasets
import Testing

/// A synthetic source image and PIL's bicubic resize of it.
struct ResampleCase: Sendable, CustomTestStringConvertible {
    enum Pattern: Sendable {
        /// `(x·73 + y·151 + c·29 + x·y·17) mod 256`: jagged, so the kernel's negative lobes
        /// overshoot and the 8-bit clipping matters.
        case pattern
        /// Black and white checkerboard: the worst case for overshoot.
        case checker
    }

    let name: String
    let source: RGBImage
    let size: (width: Int, height: Int)
    let box: ResampleBox?
    let expected: [UInt8]

    init(_ name: String, _ pattern: Pattern, from: (Int, Int), to: (Int, Int),
         box: (Float, Float, Float, Float)?, expected: [UInt8]) {
        self.name = name
        let (w, h) = from
        var pixels: [UInt8] = []
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    switch pattern {
                    case .pattern: pixels.append(UInt8((x * 73 + y * 151 + c * 29 + x * y * 17) % 256))
                    case .checker: pixels.append((x + y) % 2 == 1 ? 255 : 0)
                    }
                }
            }
        }
        source = RGBImage(width: w, height: h, pixels: pixels)
        size = to
        self.box = box.map { ResampleBox(left: $0.0, top: $0.1, right: $0.2, bottom: $0.3) }
        self.expected = expected
    }

    var testDescription: String { name }
}

@Suite struct BicubicResampleTests {
    /// Expected bytes: `Image.fromarray(source).resize(size, Image.BICUBIC, box=box).tobytes()`
    /// with Pillow 13.0, generated once and pasted here. Exact equality is the contract.
    @Test(arguments: [
        ResampleCase("upscaleBothAxes", .pattern, from: (7, 5), to: (11, 9), box: nil,
                     expected: [0, 10, 39, 12, 51, 80, 67, 117, 147, 127, 162, 211, 191, 217, 144, 223, 252, 5, 82, 127, 53, 22,
                                69, 118, 101, 132, 162, 158, 186, 215, 187, 216, 245, 44, 75, 104, 77, 68, 97, 126, 77, 107,
                                124, 133, 176, 159, 197, 157, 206, 235, 79, 136, 106, 73, 89, 51, 101, 100, 124, 155, 150, 183,
                                212, 186, 215, 244, 138, 184, 213, 188, 101, 130, 227, 13, 42, 114, 80, 110, 99, 156, 177, 172,
                                201, 210, 231, 77, 107, 208, 28, 68, 96, 111, 141, 135, 177, 205, 185, 214, 243, 100, 140, 170,
                                164, 116, 145, 213, 81, 110, 68, 55, 83, 48, 95, 136, 141, 170, 217, 236, 143, 87, 222, 113, 36,
                                87, 106, 127, 128, 165, 201, 185, 214, 243, 38, 67, 96, 98, 127, 156, 148, 177, 206, 33, 62, 91,
                                24, 53, 93, 111, 140, 169, 198, 227, 66, 189, 218, 31, 74, 103, 116, 124, 153, 195, 184, 213,
                                242, 136, 163, 186, 113, 157, 186, 86, 146, 175, 106, 143, 172, 97, 123, 158, 81, 110, 139, 168,
                                207, 144, 171, 212, 136, 62, 92, 113, 119, 147, 183, 183, 212, 241, 204, 234, 254, 139, 159,
                                188, 77, 87, 116, 172, 196, 225, 148, 178, 207, 50, 79, 108, 138, 167, 205, 153, 182, 220, 49,
                                78, 108, 114, 143, 171, 182, 211, 240, 122, 164, 190, 153, 95, 124, 184, 31, 60, 164, 146, 175,
                                92, 135, 164, 16, 45, 74, 111, 140, 176, 132, 161, 197, 36, 65, 95, 107, 136, 165, 180, 209,
                                238, 72, 120, 150, 159, 58, 87, 245, 3, 32, 155, 114, 143, 58, 108, 137, 0, 28, 57, 97, 126,
                                155, 121, 150, 179, 29, 58, 87, 104, 133, 162, 180, 209, 238]),
        ResampleCase("downscaleByNonIntegerFactors", .pattern, from: (13, 10), to: (5, 4), box: nil,
                     expected: [112, 105, 131, 149, 142, 118, 130, 129, 156, 131, 125, 141, 119, 149, 96, 134, 117, 149, 106,
                                134, 137, 104, 135, 163, 127, 128, 145, 133, 132, 117, 148, 115, 118, 123, 121, 114, 127, 124,
                                140, 117, 124, 128, 116, 140, 160, 106, 136, 146, 153, 111, 85, 159, 180, 159, 86, 122, 113,
                                124, 124, 123]),
        ResampleCase("horizontalOnly", .pattern, from: (9, 6), to: (4, 6), box: nil,
                     expected: [57, 86, 118, 149, 179, 96, 124, 138, 163, 176, 90, 120, 173, 95, 124, 163, 114, 143, 154, 121,
                                150, 73, 110, 139, 80, 109, 145, 106, 135, 101, 137, 166, 132, 93, 122, 158, 139, 168, 197, 121,
                                150, 179, 112, 141, 170, 112, 141, 170, 160, 74, 103, 79, 93, 122, 93, 124, 153, 132, 161, 190,
                                166, 92, 124, 126, 163, 80, 80, 117, 142, 151, 77, 107]),
        ResampleCase("verticalOnly", .pattern, from: (9, 6), to: (9, 4), box: nil,
                     expected: [56, 85, 114, 136, 64, 93, 123, 152, 181, 203, 232, 94, 114, 42, 81, 103, 132, 161, 181, 210,
                                239, 171, 32, 61, 81, 110, 139, 98, 127, 156, 178, 122, 151, 36, 65, 94, 127, 156, 195, 239,
                                172, 43, 75, 104, 133, 177, 206, 235, 13, 52, 81, 125, 154, 183, 145, 184, 213, 125, 69, 98,
                                157, 186, 215, 31, 60, 99, 170, 210, 216, 43, 72, 101, 172, 201, 230, 45, 74, 103, 174, 213,
                                242, 187, 48, 77, 183, 111, 140, 70, 99, 128, 132, 161, 23, 118, 147, 178, 15, 44, 73, 168, 197,
                                226, 65, 94, 123, 218, 79, 108]),
        ResampleCase("fractionalBox", .pattern, from: (12, 9), to: (7, 3), box: (1.5, 0.75, 10.25, 8.0),
                     expected: [111, 100, 130, 129, 158, 153, 173, 128, 83, 122, 157, 189, 110, 111, 140, 102, 122, 152, 165,
                                123, 148, 130, 113, 147, 84, 117, 97, 118, 153, 165, 88, 110, 147, 99, 134, 162, 156, 134, 166,
                                107, 116, 129, 152, 119, 113, 135, 142, 137, 104, 91, 92, 188, 154, 110, 117, 153, 189, 67, 55,
                                81, 156, 184, 139]),
        ResampleCase("integerBoxSameSize", .pattern, from: (6, 6), to: (6, 6), box: (1, 1, 5, 5),
                     expected: [221, 30, 59, 156, 52, 83, 90, 136, 160, 160, 206, 203, 216, 111, 130, 213, 23, 67, 209, 105,
                                134, 119, 67, 95, 25, 64, 97, 115, 154, 207, 214, 162, 119, 236, 132, 26, 132, 178, 207, 79,
                                118, 147, 25, 53, 84, 85, 113, 156, 171, 209, 103, 199, 242, 48, 74, 120, 149, 117, 156, 185,
                                162, 190, 220, 73, 101, 132, 129, 159, 169, 177, 208, 206, 147, 45, 74, 170, 117, 145, 150, 188,
                                219, 24, 55, 98, 87, 116, 163, 155, 184, 227, 222, 27, 56, 181, 79, 110, 87, 130, 154, 28, 59,
                                57, 84, 113, 123, 129, 158, 189]),
        ResampleCase("checkerboardOvershootClips", .checker, from: (8, 8), to: (13, 5), box: nil,
                     expected: [101, 101, 101, 124, 124, 124, 151, 151, 151, 117, 117, 117, 112, 112, 112, 149, 149, 149, 128,
                                128, 128, 106, 106, 106, 143, 143, 143, 138, 138, 138, 104, 104, 104, 131, 131, 131, 154, 154,
                                154, 121, 121, 121, 127, 127, 127, 133, 133, 133, 125, 125, 125, 124, 124, 124, 133, 133, 133,
                                128, 128, 128, 122, 122, 122, 131, 131, 131, 130, 130, 130, 122, 122, 122, 128, 128, 128, 134,
                                134, 134, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
                                128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
                                128, 128, 128, 134, 134, 134, 128, 128, 128, 122, 122, 122, 130, 130, 130, 131, 131, 131, 122,
                                122, 122, 128, 128, 128, 133, 133, 133, 124, 124, 124, 125, 125, 125, 133, 133, 133, 127, 127,
                                127, 121, 121, 121, 154, 154, 154, 131, 131, 131, 104, 104, 104, 138, 138, 138, 143, 143, 143,
                                106, 106, 106, 128, 128, 128, 149, 149, 149, 112, 112, 112, 117, 117, 117, 151, 151, 151, 124,
                                124, 124, 101, 101, 101]),
        ResampleCase("unchangedSizeCopies", .pattern, from: (5, 4), to: (5, 4), box: nil,
                     expected: [0, 29, 58, 73, 102, 131, 146, 175, 204, 219, 248, 21, 36, 65, 94, 151, 180, 209, 241, 14, 43,
                                75, 104, 133, 165, 194, 223, 255, 28, 57, 46, 75, 104, 153, 182, 211, 4, 33, 62, 111, 140, 169,
                                218, 247, 20, 197, 226, 255, 65, 94, 123, 189, 218, 247, 57, 86, 115, 181, 210, 239])
    ])
    func matchesPILByteForByte(_ testCase: ResampleCase) {
        let out = testCase.source.resizedBicubic(width: testCase.size.width, height: testCase.size.height, box: testCase.box)
        #expect(out.width == testCase.size.width && out.height == testCase.size.height)
        let differing = zip(out.pixels, testCase.expected).filter { $0 != $1 }.count
        #expect(out.pixels == testCase.expected, "\(differing) of \(testCase.expected.count) bytes differ")
    }

    @Test func unchangedSizeWithoutBoxIsTheSameImage() {
        let image = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 13) })
        #expect(image.resizedBicubic(width: 3, height: 2) == image)
    }

    @Test func coefficientsSumToOneInFixedPoint() {
        // Each output's weights are normalised to 1 before rounding to 22 fractional bits, so
        // the fixed-point sum is within a rounding step per tap of 2²².
        for (inSize, outSize) in [(500, 224), (375, 224), (7, 11), (224, 224), (1000, 3)] {
            let axis = BicubicAxis(inSize: inSize, in0: 0, in1: Float(inSize), outSize: outSize)
            for i in 0..<outSize {
                let taps = axis.weights[(i * axis.kernelSize)..<(i * axis.kernelSize + axis.counts[i])]
                let total = taps.reduce(0) { $0 + Int($1) }
                #expect(abs(total - (1 << 22)) <= axis.counts[i], "\(inSize)→\(outSize) output \(i): \(total)")
            }
        }
    }
}
