import AutoDiff
import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import TensorIO
import TestSupport
import Testing
import Training

/// Class names with underscores are prompted as the official trainers prompt them
/// (`classname.replace("_", " ")`), on every path that tokenises a class name.
@Suite struct ClassPromptTests {
    static let spaced = ["golden retriever", "tabby cat", "sports car", "hot air balloon", "sunflower"]
    static let underscored = ["golden_retriever", "tabby_cat", "sports_car", "hot_air_balloon", "sunflower"]
    static let evaluation = Result { try Evaluator(modelDirectory: fixture("tiny-clip"), batchSize: 4) }

    @Test func fillReplacesUnderscoresInTheNameOnly() {
        #expect(ClassPrompt.name("american_pit_bull_terrier") == "american pit bull terrier")
        #expect(ClassPrompt.fill("a photo of a {}, a type of pet.", "great_pyrenees") == "a photo of a great pyrenees, a type of pet.")
        // The template's own characters are left alone.
        #expect(ClassPrompt.fill("itap_of_a {}.", "Apply_Eye_Makeup") == "itap_of_a Apply Eye Makeup.")
    }

    /// Every evaluation prompt kind gives the same class features for both spellings. The token
    /// ids are identical (next test), so one thread gives identical bits; tests running in
    /// parallel may change OpenBLAS's thread count mid-way, which changes its kernel's
    /// summation order: 1e-6 on unit-norm features is ~10 float32 ulps, far below the
    /// ~0.1 differences the underscored tokens give (measured with the rule removed).
    @Test func underscoredNamesGiveTheSameClassFeaturesAsSpaces() throws {
        let evaluation = try Self.evaluation.get()
        let c = evaluation.model.configuration
        var stream = RandomStream(seed: 7, 1)
        let text = TowerPrompts(context: Tensor.normal([2, c.text.width], std: 0.02, stream: &stream), deep: [])
        let kinds: [EvaluationPrompts] = [
            .template(EvaluationPrompts.defaultTemplate),
            .ensemble(templates: Array(ImageNetTemplates.all.prefix(3)), averaging: .normalized),
            .ensemble(templates: Array(ImageNetTemplates.all.prefix(3)), averaging: .raw),
            .learned(text: text, vision: nil),
            .learned(text: nil, vision: TowerPrompts(context: Tensor.normal([2, c.vision.width], std: 0.02, stream: &stream), deep: [])),
        ]
        for kind in kinds {
            let a = evaluation.classFeatures(Self.underscored, prompts: kind), b = evaluation.classFeatures(Self.spaced, prompts: kind)
            let worst = compare(a.storage, b.storage, Tolerance(atol: 1e-6, rtol: 0))
            #expect(worst.passes, "\(kind.method): class features differ: \(worst)")
        }
    }

    /// Training's class prompts and its regulariser target (60 templates) use the same rule.
    @Test func trainingClassPromptsAndTextTargetUseTheSpacedNames() throws {
        let evaluation = try Self.evaluation.get()
        let (model, tokenizer) = (evaluation.model, evaluation.tokenizer)
        for method in ["coop", "vpt", "prometar"] {
            let c = try MethodConfiguration.defaults(for: method)
            let a = MethodFactory.classifier(c, model: model, tokenizer: tokenizer, classNames: Self.underscored)
            let b = MethodFactory.classifier(c, model: model, tokenizer: tokenizer, classNames: Self.spaced)
            #expect(a.classTokens == b.classTokens, "\(method): class prompt tokens differ")
        }
        let a = CLIPClassifier.templateTokens(tokenizer: tokenizer, classNames: Self.underscored)
        let b = CLIPClassifier.templateTokens(tokenizer: tokenizer, classNames: Self.spaced)
        #expect(a == b && a.count == 60 * Self.spaced.count)
        // The tokens really are the spaced ones ("golden retriever" is two words, not one).
        #expect(tokenizer.tokenize(["golden_retriever."])[0] != tokenizer.tokenize(["golden retriever."])[0])
    }

    /// A whole `train` on a split whose class names carry underscores writes the same prompts
    /// and accuracies as on the same split with spaces, and its results keep the raw names.
    @Test func trainingOnUnderscoredNamesEqualsTrainingOnSpacedNames() throws {
        BLAS.setThreadCount(1)
        let root = NSTemporaryDirectory() + "class-prompt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var prompts: [Data] = [], logs: [String] = []
        for spelling in ["spaced", "underscored"] {
            let data = "\(root)/\(spelling)"
            try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: data)
            let split = data + "/split_zhou_TinyShapes.json"
            if spelling == "underscored" {
                let text = try String(contentsOfFile: split, encoding: .utf8)
                    .replacingOccurrences(of: "\"purple circle\"", with: "\"purple_circle\"").replacingOccurrences(of: "\"blue square\"", with: "\"blue_square\"")
                try text.write(toFile: split, atomically: true, encoding: .utf8)
            }
            let output = "\(root)/out-\(spelling)"
            var options = TrainingOptions(
                modelDirectory: fixture("tiny-clip"), source: .custom(splitFile: split, imageRoot: data), shots: 2, subsample: .all,
                seed: 1, batchSize: 2, tasksPerStep: 1, maxSteps: 3, epochs: 1, outputDirectory: output,
                method: try MethodConfiguration.load(method: "prometar", json: .object(JSONObject([("n_ctx_text", .int(2)), ("n_ctx_vision", .int(2)),
                                                                                                 ("depth_text", .int(2)), ("depth_vision", .int(2))])), source: "test"),
                checkpointEvery: 100, logEvery: 1, resume: false, resolvedConfiguration: .object(JSONObject()))
            options.printsProgress = false
            try Trainer(options: options, communicator: LocalCommunicator()).run()
            prompts.append(try Data(contentsOf: URL(fileURLWithPath: output + "/prompts.safetensors")))
            logs.append(try String(contentsOfFile: output + "/log.txt", encoding: .utf8))
        }
        #expect(prompts[0] == prompts[1], "prompts differ between the two spellings")
        func accuracy(_ log: String) -> [Substring] { log.split(separator: "\n").filter { $0.hasPrefix("* accuracy:") } }
        #expect(!accuracy(logs[0]).isEmpty && accuracy(logs[0]) == accuracy(logs[1]))
    }
}
