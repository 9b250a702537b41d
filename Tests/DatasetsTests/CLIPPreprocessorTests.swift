@testable import Datasets
import Foundation
import TensorIO
import Testing

@Suite struct CLIPPreprocessorTests {
    /// `Tests/Fixtures/preprocess.*`: the 18 tinyshapes test images through OpenAI's
    /// `clip._transform(32)` (torchvision on Pillow 13.0) with the tiny CLIP's config.
    @Test func matchesOpenAIPipelineOnTinyShapes() throws {
        let preprocess = try CLIPPreprocessor(configFile: TestFixtures.directory + "/tiny-clip/preprocessor_config.json")
        let file = try SafeTensorsFile(path: TestFixtures.directory + "/preprocess.safetensors")
        #expect(try file.entry("pixel_values").shape == [18, 3, 32, 32])
        let expected = try file.floats("pixel_values")
        let names = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: TestFixtures.directory + "/preprocess.json")))["test_images"]!
            .arrayValue!.map { $0.stringValue! }
        #expect(names.count == 18)

        let plane = 3 * 32 * 32
        var worstFloat: Float = 0, worstLevel = 0, differingBytes = 0
        for (n, name) in names.enumerated() {
            let image = try RGBImage(jpegFile: TestFixtures.tinyshapes(name))
            let ours = preprocess.resizedAndCropped(image)
            let tensor = preprocess(image)
            #expect(tensor.shape == [3, 32, 32])
            let reference = Array(expected[(n * plane)..<((n + 1) * plane)])
            for i in 0..<plane {
                worstFloat = max(worstFloat, abs(tensor.storage[i] - reference[i]))
                // Un-normalise the reference to the 8-bit level ToTensor saw.
                let c = i / 1024, pixel = i % 1024
                let level = Int(((reference[i] * preprocess.std[c] + preprocess.mean[c]) * 255).rounded())
                let difference = abs(level - Int(ours.pixels[pixel * 3 + c]))
                worstLevel = max(worstLevel, difference)
                if difference != 0 { differingBytes += 1 }
            }
        }
        // Same float32 operations in the same order (ToTensor's /255, then sub, then div):
        // bit-identical, not merely close.
        #expect(worstFloat == 0)
        #expect(worstLevel == 0 && differingBytes == 0,
                "max difference \(worstLevel)/255, \(differingBytes) of \(18 * plane) values differ")
    }

    @Test func readsHuggingFaceConfig() throws {
        let preprocess = try CLIPPreprocessor(configFile: TestFixtures.directory + "/tiny-clip/preprocessor_config.json")
        #expect(preprocess == CLIPPreprocessor(shortestEdge: 32, cropSize: 32))
        #expect(preprocess.mean == CLIPPreprocessor.openAIMean && preprocess.std == CLIPPreprocessor.openAIStd)
    }

    @Test(arguments: [
        (#"{"size": 224, "crop_size": 200}"#, 224, 200, 200),
        (#"{"size": {"shortest_edge": 336}, "crop_size": {"height": 300, "width": 320}}"#, 336, 320, 300),
        (#"{"size": {"shortest_edge": 224}, "resample": 3}"#, 224, 224, 224),
    ])
    func acceptsBothConfigForms(json: String, shortest: Int, cropWidth: Int, cropHeight: Int) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/preprocessor_config.json"
            try writeFile(path, json)
            let preprocess = try CLIPPreprocessor(configFile: path)
            #expect(preprocess.shortestEdge == shortest)
            #expect(preprocess.cropWidth == cropWidth && preprocess.cropHeight == cropHeight)
        }
    }

    @Test(arguments: [
        (#"{"crop_size": 224}"#, #""size": missing"#),
        (#"{"size": {"shortest_edge": 0}}"#, #""size.shortest_edge": expected a positive integer, found 0"#),
        (#"{"size": 224, "resample": 2}"#, #""resample": only 3 (bicubic) is supported, found 2"#),
        (#"{"size": 224, "image_mean": [0.5, 0.5]}"#, #""image_mean": expected 3 numbers, found [0.5,0.5]"#),
        (#"{"size": 224,}"#, "line 1, column 14: "),
        ("[]", "top level: expected a JSON object"),
    ])
    func malformedConfigNamesFileAndKey(json: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/preprocessor_config.json"
            try writeFile(path, json)
            #expect {
                try CLIPPreprocessor(configFile: path)
            } throws: { error in
                "\(error)".hasPrefix("\(path): \(message)")
            }
        }
    }

    @Test(arguments: [
        (500, 375, 224, 298, 224),  // landscape: long side int(224 · 500/375) = int(298.67)
        (375, 500, 224, 224, 298),
        (224, 224, 224, 224, 224),
        (33, 100, 32, 32, 96),      // int(32 · 100/33) = int(96.97)
        (101, 7, 32, 461, 32),      // upscale
    ])
    func resizeKeepsAspectAndTruncatesTheLongSide(width: Int, height: Int, edge: Int, newWidth: Int, newHeight: Int) {
        let size = CLIPPreprocessor(shortestEdge: edge, cropSize: edge).resizedSize(width: width, height: height)
        #expect(size.width == newWidth && size.height == newHeight)
    }

    /// torchvision's CenterCrop offset is `int(round((size − crop) / 2))`, Python's round half
    /// to even: 0.5 → 0, 1.5 → 2, 2.5 → 2.
    @Test(arguments: [(33, 0), (35, 2), (37, 2), (38, 3)])
    func centerCropRoundsHalfToEven(width: Int, left: Int) {
        let image = RGBImage(width: width, height: 1, pixels: (0..<width).flatMap { [UInt8($0), 0, 0] })
        let crop = image.centerCropped(width: 32, height: 1)
        #expect(crop.pixels[0] == UInt8(left))
    }

    @Test func centerCropLargerThanImagePadsWithBlackLikeTorchvision() {
        // 3 columns into 6: torchvision pads (6 − 3) // 2 = 1 on the left, 2 on the right.
        let image = RGBImage(width: 3, height: 1, pixels: [10, 10, 10, 20, 20, 20, 30, 30, 30])
        let crop = image.centerCropped(width: 6, height: 1)
        #expect(crop.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 10, 20, 30, 0, 0])
    }

    @Test func normalizedTensorIsChannelMajor() {
        let image = RGBImage(width: 2, height: 1, pixels: [255, 0, 51, 0, 255, 102])
        let tensor = image.normalizedTensor(mean: [0, 0, 0], std: [1, 1, 1])
        #expect(tensor.shape == [3, 1, 2])
        #expect(tensor.storage == [1, 0, 0, 1, 0.2, 0.4])
    }
}
