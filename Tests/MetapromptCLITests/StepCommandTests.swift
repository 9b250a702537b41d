import AutoDiff
import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt step` end to end: the ProMetaR fixture iteration through the binary (our
/// tokenizer builds the class and template prompts), and bad state files.
@Suite struct StepCommandTests {
    let binary = metapromptExecutable()
    static let reference = Result { try SafeTensorsFile(path: fixture("prometar_step.safetensors")) }
    static let promptNames = ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"]

    /// Writes the fixture's initial state, batch, classes and config into a fresh directory.
    func inputs(editState: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
        let ref = try Self.reference.get()
        let dir = NSTemporaryDirectory() + "metaprompt-step-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var state: [String: Tensor] = [:]
        for name in ref.names where name.hasPrefix("init.") { state[String(name.dropFirst(5))] = try Tensor(ref, name) }
        editState(&state)
        try Tensor.save(state, to: dir + "/state.safetensors")
        try SafeTensorsWriter.write([
            "pixel_values": .f32(try ref.floats("pixel_values"), shape: [4, 3, 32, 32]),
            "labels": .i64(try ref.int64s("labels"), shape: [4]),
            "query_class": .i64(try ref.int64s("s2.query_class"), shape: []),
            "lam": .f32(try ref.floats("s2.lam"), shape: [2]),
            "mix_ids": .i64(try ref.int64s("s2.mix_ids"), shape: [2]),
        ], to: dir + "/batch.safetensors")
        try "golden retriever\ntabby cat\nsports car\nhot air balloon\nsunflower\n".write(toFile: dir + "/classes.txt", atomically: true, encoding: .utf8)
        try #"{"n_ctx_text": 2, "n_ctx_vision": 2, "depth_text": 2, "depth_vision": 2}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        return dir
    }

    func step(_ dir: String) throws -> ProcessResult {
        try runProcess(binary, ["step", "--model", fixture("tiny-clip"), "--method", "prometar", "--classes", dir + "/classes.txt",
                                "--state", dir + "/state.safetensors", "--batch", dir + "/batch.safetensors",
                                "--config", dir + "/config.json", "--out", dir + "/out.safetensors"])
    }

    @Test func prometarStepReproducesTheReferenceIteration() throws {
        let dir = try inputs()
        let r = try step(dir)
        #expect(r.status == 0, "\(r)")
        let out = try SafeTensorsFile(path: dir + "/out.safetensors"), ref = try Self.reference.get()
        // Updated prompts, momenta and regulator: 1e-4 of each tensor's max, as the library
        // replay test (ProMetaRParityTests) — here the class and template prompts also come
        // from our tokenizer instead of the fixture's ids.
        var pairs = Self.promptNames.flatMap { n in [(n, "s2.second_order.default.prompt.\(n)"), ("momentum.\(n)", "s2.second_order.default.momentum.\(n)")] }
        for n in out.names where n.hasPrefix("vnet.") {
            pairs.append((n, "s2.second_order.default.vnet.\(n.dropFirst(5))"))
            pairs.append(("momentum.\(n)", "s2.second_order.default.vnet_momentum.\(n.dropFirst(5))"))
        }
        #expect(pairs.count == 4 * 2 + 8 * 2)
        for (ours, theirs) in pairs {
            let a = try out.floats(ours), b = try ref.floats(theirs)
            let worst = compare(a, b, Tolerance(atol: 1e-4 * maxMagnitude(b), rtol: 0))
            #expect(worst.passes, "\(ours): \(worst)")
        }
        let loss = try out.floats("loss.meta")[0], expected = try ref.floats("s2.second_order.default.loss")[0]
        #expect(abs(loss - expected) <= 1e-5 * abs(expected), "loss.meta \(loss) vs \(expected)")
    }

    @Test func missingPromptIsNamed() throws {
        let r = try step(try inputs { $0["text.deep.1"] = nil })
        #expect(r.status == 1 && r.stderr.contains("state.safetensors: prometar prompts: missing tensor 'text.deep.1'"), "\(r)")
    }

    @Test func misShapedPromptIsNamed() throws {
        let r = try step(try inputs { $0["vision.ctx"] = Tensor.zeros([3, 64]) })
        #expect(r.status == 1 && r.stderr.contains("tensor 'vision.ctx' has shape [3, 64], expected [2, 64]"), "\(r)")
    }

    @Test func regulatorThatDoesNotFitThePromptsIsNamed() throws {
        let r = try step(try inputs { $0["vnet.text.0.0.weight"] = Tensor.zeros([8, 256]) })
        #expect(r.status == 1 && r.stderr.contains("tensor 'vnet.text.0.0.weight' has shape [8, 256], expected [16, 256]"), "\(r)")
        let extra = try step(try inputs { $0["vnet.text.5.0.weight"] = Tensor.zeros([16, 256]) })
        #expect(extra.status == 1 && extra.stderr.contains("unexpected tensor 'vnet.text.5.0.weight'"), "\(extra)")
    }
}
