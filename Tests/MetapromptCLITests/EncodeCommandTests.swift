import AutoDiff
import Foundation
import TensorIO
import Testing
import TestSupport

/// `tokenize` and `encode` through the binary against the open_clip / transformers fixtures.
@Suite struct EncodeCommandTests {
    let binary = metapromptExecutable()

    @Test func tokenizePrintsOneJSONArrayOf77IdsPerText() throws {
        let r = try runProcess(binary, ["tokenize", "--model", fixture("tiny-clip"), "a photo of a dog.", "a photo of a cat."])
        #expect(r.status == 0, "\(r)")
        let pad = Array(repeating: "0", count: 69).joined(separator: ", ")
        #expect(r.stdout == "[49406, 320, 1125, 539, 320, 1929, 269, 49407, \(pad)]\n[49406, 320, 1125, 539, 320, 2368, 269, 49407, \(pad)]\n")
    }

    @Test func encodeMatchesTheReferenceEmbeddingsAndLogits() throws {
        let ref = try SafeTensorsFile(path: fixture("forward.safetensors"))
        let json = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: fixture("forward.json"))))
        let prompts = (json["prompts"]?.arrayValue ?? []).compactMap { $0.stringValue }
        #expect(prompts.count == 6)
        let dir = NSTemporaryDirectory() + "metaprompt-encode-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try (prompts.joined(separator: "\n") + "\n").write(toFile: dir + "/texts.txt", atomically: true, encoding: .utf8)
        try SafeTensorsWriter.write(["pixel_values": .f32(try ref.floats("pixel_values"), shape: [4, 3, 32, 32])], to: dir + "/pixels.safetensors")
        let r = try runProcess(binary, ["encode", "--model", fixture("tiny-clip"), "--texts", dir + "/texts.txt",
                                        "--pixels", dir + "/pixels.safetensors", "--out", dir + "/out.safetensors"])
        #expect(r.status == 0, "\(r)")
        let out = try SafeTensorsFile(path: dir + "/out.safetensors")
        #expect(out.names == ["image_embeds", "logits_per_image", "text_embeds"])
        // As CLIPParityTests: 1e-5 of each tensor's max (fixture fp32-vs-fp64 spread ~7e-7).
        for name in out.names {
            let a = try out.floats(name), b = try ref.floats(name)
            #expect(try out.entry(name).shape == (try ref.entry(name).shape))
            let worst = compare(a, b, Tolerance(atol: 1e-5 * maxMagnitude(b), rtol: 0))
            #expect(worst.passes, "\(name): \(worst)")
        }
    }

    @Test func encodeRejectsPixelsOfTheWrongShape() throws {
        let dir = NSTemporaryDirectory() + "metaprompt-encode-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try SafeTensorsWriter.write(["pixel_values": .f32([Float](repeating: 0, count: 2 * 3 * 16 * 16), shape: [2, 3, 16, 16])], to: dir + "/p.safetensors")
        let r = try runProcess(binary, ["encode", "--model", fixture("tiny-clip"), "--pixels", dir + "/p.safetensors", "--out", dir + "/o.safetensors"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("p.safetensors: tensor 'pixel_values' has shape [2, 3, 16, 16], expected [B, 3, 32, 32]"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.safetensors"))
    }

    @Test func malformedMergesFileIsNamedWithItsLine() throws {
        let dir = NSTemporaryDirectory() + "metaprompt-tok-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("tiny-clip/vocab.json"), toPath: dir + "/vocab.json")
        try "#version: 0.2\ni n\nthis line has three\n".write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
        let r = try runProcess(binary, ["tokenize", "--model", dir, "hello"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("merges.txt") && r.stderr.contains("3"), "\(r)")
    }
}
