import AutoDiff
import CLIPAdapter
import Distributed
import Foundation
import MetaLearning
import TensorIO
import TestSupport
import Testing
import Training

/// GPA through the real training loop on the fixtures (tiny CLIP, tinyshapes: 3 base classes ×
/// 4 shots = 3 steps per epoch), 3 epochs with μ 2, σ 1.
@Suite struct GaussianPromptAggregationRunTests {
    /// μ 2, σ 1 over 3 epochs in closed form: w₂ = 1/(1 + 2e^{−1/2}), w₁ = w₃ = e^{−1/2}·w₂.
    static let threeEpochs: [Double] = {
        let middle = 1 / (1 + 2 * Foundation.exp(-0.5))
        return [Foundation.exp(-0.5) * middle, middle, Foundation.exp(-0.5) * middle]
    }()

    static func run(_ method: String, _ keys: [(String, JSONValue)], data: String) throws -> String {
        let out = NSTemporaryDirectory() + "gpa-run-\(UUID().uuidString)"
        var options = TrainingOptions(
            modelDirectory: fixture("tiny-clip"), source: .custom(splitFile: data + "/split_zhou_TinyShapes.json", imageRoot: data),
            shots: 4, subsample: .base, seed: 1, batchSize: 4, tasksPerStep: 1, maxSteps: nil, epochs: 3, outputDirectory: out,
            method: try MethodConfiguration.load(method: method, json: .object(JSONObject(keys)), source: "test"),
            checkpointEvery: 3, logEvery: 100, resume: false, resolvedConfiguration: .object(JSONObject()))
        options.evaluate = false
        options.printsProgress = false
        try Trainer(options: options, communicator: LocalCommunicator()).run()
        return out
    }

    /// PromptSRC's aggregate equals the hand-weighted sum of the prompts each epoch ended with.
    /// The per-epoch prompts come from an IVLP run with PromptSRC's losses and no aggregation
    /// (GPA does not change the trajectory): its checkpoints at steps 3, 6, 9.
    @Test func finalPromptsAreTheWeightedSumOfEachEpochsPrompts() throws {
        let data = NSTemporaryDirectory() + "gpa-data-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: data)
        let depth: [(String, JSONValue)] = [("depth_text", .int(2)), ("depth_vision", .int(2))]
        let promptsrc = try Self.run("promptsrc", depth + [("gpa_mean", .double(2)), ("gpa_std", .double(1))], data: data)
        let twin = try Self.run("ivlp", depth + [("n_ctx_text", .int(4)), ("n_ctx_vision", .int(4)), ("text_reg_weight", .double(25)),
                                                 ("image_reg_weight", .double(10)), ("logit_reg_weight", .double(1))], data: data)
        let epochs = try [3, 6, 9].map { try Checkpoint.read(path: Checkpoint.path(directory: twin + "/checkpoints", step: $0)) }
        let own = try [3, 6, 9].map { try Checkpoint.read(path: Checkpoint.path(directory: promptsrc + "/checkpoints", step: $0)) }
        let final = try SafeTensorsFile(path: promptsrc + "/prompts.safetensors")
        let w = Self.threeEpochs.map(Float.init)
        let names = epochs[0].parameters.keys.sorted()
        #expect(names == ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"])
        #expect(final.names.sorted() == names)
        for name in names {
            let x = epochs.map { $0.parameters[name]!.storage }
            // Until the last epoch the trajectories are the same bits.
            #expect(own[0].parameters[name]!.storage == x[0] && own[1].parameters[name]!.storage == x[1], "\(name)")
            let one = x[0].map { $0 * w[0] }
            let two = x[0].indices.map { one[$0] + x[1][$0] * w[1] }
            let three = x[0].indices.map { two[$0] + x[2][$0] * w[2] }
            #expect(own[0].optimizerState["gpa." + name] == one && own[1].optimizerState["gpa." + name] == two, "\(name): partial aggregates")
            // Exact: the same Float32 products and sums in the same order (weights checked above).
            #expect(try final.floats(name) == three, "\(name): prompts.safetensors")
            #expect(own[2].parameters[name]!.storage == three && own[2].optimizerState["gpa." + name] == three, "\(name): last checkpoint")
            #expect(three != x[2], "\(name): the aggregate is not just the last epoch")
        }
        let log = try String(contentsOfFile: promptsrc + "/log.txt", encoding: .utf8)
        #expect(log.contains("prompts: the Gaussian aggregate of the 3 epochs' prompts"), "\(log)")
    }
}
