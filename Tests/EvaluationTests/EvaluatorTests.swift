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

/// `Evaluation` on the shipped fixtures: zero-shot on tinyshapes against PyTorch
/// (`preprocess.*`), learned IVLP prompts against `ivlp.*`, the ensemble's two averagings,
/// and the errors a user meets (bad prompts files, missing split file or image).
@Suite struct EvaluatorTests {
    static let evaluation = Result { try Evaluator(modelDirectory: fixture("tiny-clip"), batchSize: 4) }
    static let tinyshapes = DatasetSource.custom(splitFile: fixture("tinyshapes/split_zhou_TinyShapes.json"),
                                                 imageRoot: fixture("tinyshapes"))

    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "metaprompt-evaluation-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func zeroShotLogitsMatchTheReferenceOnTinyShapes() throws {
        let evaluation = try Self.evaluation.get()
        let set = try EvaluationSet.load(Self.tinyshapes)
        // Batch size 4 does not divide the 18 images: the last batch is partial.
        let result = try evaluation.run(set, prompts: .template("a photo of a {}."), keepLogits: true, communicator: LocalCommunicator())
        let ref = try SafeTensorsFile(path: fixture("preprocess.safetensors"))
        let json = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: fixture("preprocess.json"))))
        #expect(try ref.entry("zero_shot_logits").shape == [18, 6])
        #expect(set.classNames == json["classnames"]?.arrayValue?.compactMap(\.stringValue))
        #expect(set.items.map { String($0.path.dropFirst(fixture("tinyshapes").count + 1)) }
            == json["test_images"]?.arrayValue?.compactMap(\.stringValue))
        #expect(result.labels == (try ref.int64s("labels")).map(Int.init))
        // Preprocessing is bit-exact with PIL (CLIPPreprocessorTests), and the towers agree
        // with PyTorch to ~1e-6 relative (CLIPParityTests); logits scale that by
        // exp(logit_scale) ≈ 14.3, so 1e-4 of the largest logit leaves a wide margin.
        let expected = try ref.floats("zero_shot_logits")
        let worst = compare(result.logits ?? [], expected, Tolerance(atol: 1e-4 * maxMagnitude(expected), rtol: 0))
        #expect(worst.passes, "zero_shot_logits: \(worst)")
        // The fixture's accuracy was computed in float32 (3/18 → 16.666667); ours is Double.
        let accuracy = try #require(json["zero_shot_accuracy_percent"]?.doubleValue)
        #expect(Tolerance(atol: 1e-5, rtol: 0).allows(result.metrics.accuracy, accuracy))
        #expect(result.metrics.correct == 3 && result.metrics.total == 18)
        let referencePredictions = Tensor(shape: [18, 6], values: expected).argmaxLastAxis()
        #expect(result.predictions == referencePredictions)
    }

    /// The 18 images in 5 batches of 4 (the last partial) over 1–7 ranks, each rank a thread
    /// of one job: blocks 5 / 3+2 / 2+2+1 / 2+2+1+0 / 1+1+1+1+1 / 1+1+1+1+1+0 (two ranks
    /// without a batch at 7). Every rank returns the one-process result, logits bit for bit,
    /// and reports progress over its own block only.
    @Test(arguments: [1, 2, 3, 4, 5, 7])
    func resultOverRanksIsTheOneProcessResultBitForBit(_ ranks: Int) throws {
        let evaluation = try Self.evaluation.get()
        let set = try EvaluationSet.load(Self.tinyshapes)
        let prompts = EvaluationPrompts.template("a photo of a {}.")
        let single = try evaluation.run(set, prompts: prompts, keepLogits: true, communicator: LocalCommunicator())
        let runs = try inProcessJob(ranks: ranks) { communicator in
            nonisolated(unsafe) var reports: [[Int]] = []
            let result = try evaluation.run(set, prompts: prompts, keepLogits: true, communicator: communicator) { reports.append([$0, $1]) }
            let lean = try evaluation.run(set, prompts: prompts, communicator: communicator)  // predictions only
            return (result.logits ?? [], result.predictions, lean.predictions, lean.metrics, reports)
        }
        let sharding = TaskSharding(taskCount: 5, rankCount: ranks)
        for (rank, run) in runs.enumerated() {
            #expect(run.0.map(\.bitPattern) == single.logits?.map(\.bitPattern), "rank \(rank) of \(ranks): logits")
            #expect(run.1 == single.predictions && run.2 == single.predictions, "rank \(rank) of \(ranks): predictions")
            #expect(run.3 == single.metrics, "rank \(rank) of \(ranks): metrics")
            let images = sharding.tasks(ofRank: rank).map { min(4, 18 - 4 * $0) }
            let expected = images.indices.map { [images[...$0].reduce(0, +), images.reduce(0, +)] }
            #expect(run.4 == expected, "rank \(rank) of \(ranks): progress")
        }
    }

    @Test func basePartIsTheFirstHalfOfTheLabelsAndNewIsRelabelled() throws {
        let base = try EvaluationSet.load(Self.tinyshapes, subset: .base)
        let new = try EvaluationSet.load(Self.tinyshapes, subset: .new)
        #expect(base.classNames == ["purple circle", "purple square", "purple triangle"])
        #expect(new.classNames == ["blue circle", "blue square", "blue triangle"])
        #expect(base.items.count == 9 && new.items.count == 9)
        #expect(new.items.map(\.label) == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(new.items.allSatisfy { $0.path.contains("/blue_") })
        let val = try EvaluationSet.load(Self.tinyshapes, split: .val)
        #expect(val.split == .val && !val.items.isEmpty && val.items.allSatisfy { $0.path.hasSuffix("/008.jpg") })
    }

    /// The IVLP fixture's prompts written to a file and read back: class prompts
    /// "X X {name}." with the text prompts, vision prompts on the images.
    @Test func learnedPromptsMatchTheIVLPReference() throws {
        let evaluation = try Self.evaluation.get()
        let ref = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
        let dir = try Self.temporaryDirectory()
        var tensors: [String: Tensor] = [:]
        for name in ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"] { tensors[name] = try Tensor(ref, name) }
        tensors["momentum.text.ctx"] = Tensor.zeros([2, 64])  // other tensors of a checkpoint are ignored
        try Tensor.save(tensors, to: dir + "/prompts.safetensors")
        let prompts = try EvaluationPrompts.load(contentsOf: dir + "/prompts.safetensors", configuration: evaluation.model.configuration)
        #expect(prompts.method == "prompts" && prompts.classTemplate == "X X {}.")
        guard case .learned(let text?, let vision?) = prompts else { Issue.record("expected both towers' prompts"); return }
        #expect(text.depth == 2 && vision.depth == 2)

        let classNames = ["golden retriever", "tabby cat", "sports car", "hot air balloon", "sunflower"]
        let classes = evaluation.classFeatures(classNames, prompts: prompts)
        let image = evaluation.model.encodeImages(try Tensor(ref, "pixel_values"), prompts: vision)
        let logits = evaluation.model.logits(imageFeatures: image, textFeatures: classes)
        // As CLIPParityTests' IVLP check: 1e-5 of the max (fp32-vs-fp64 spread ~1e-6).
        let expectedText = try Tensor(ref, "text_features").l2Normalized()
        #expect(compare(classes.storage, expectedText.storage, Tolerance(atol: 1e-5, rtol: 0)).passes)
        let expected = try ref.floats("logits")
        let worst = compare(logits.storage, expected, Tolerance(atol: 1e-5 * maxMagnitude(expected), rtol: 0))
        #expect(worst.passes, "logits: \(worst)")
    }

    @Test func visionOnlyPromptsUseTheDefaultTemplate() throws {
        let evaluation = try Self.evaluation.get()
        let dir = try Self.temporaryDirectory()
        try Tensor.save(["vision.ctx": Tensor.full([3, 64], 0.01)], to: dir + "/vpt.safetensors")
        let prompts = try EvaluationPrompts.load(contentsOf: dir + "/vpt.safetensors", configuration: evaluation.model.configuration)
        #expect(prompts.classTemplate == "a photo of a {}.")
        let names = ["red square", "green circle"]
        #expect(evaluation.classFeatures(names, prompts: prompts).storage
            == evaluation.classFeatures(names, prompts: .template("a photo of a {}.")).storage)
    }

    /// Raw averaging is the regulariser target the trainers already compute; normalised
    /// averaging of one template is that template.
    @Test func ensembleAveragingsMatchTheirDefinitions() throws {
        let evaluation = try Self.evaluation.get()
        let names = ["purple circle", "blue square", "blue triangle"]
        let templates = Array(ImageNetTemplates.all.prefix(7))
        let raw = evaluation.classFeatures(names, prompts: .ensemble(templates: templates, averaging: .raw))
        let tokens = CLIPClassifier.templateTokens(tokenizer: evaluation.tokenizer, classNames: names, templates: templates)
        let reference = CLIPClassifier(model: evaluation.model, classTokens: Array(tokens.prefix(names.count)))
            .frozenTextTarget(templateTokens: tokens)
        // Same features summed in the same order; only the text batching may differ.
        #expect(compare(raw.storage, reference.storage, Tolerance(atol: 1e-6, rtol: 0)).passes)

        let single = evaluation.classFeatures(names, prompts: .ensemble(templates: ["a sketch of a {}."], averaging: .normalized))
        let template = evaluation.classFeatures(names, prompts: .template("a sketch of a {}."))
        #expect(compare(single.storage, template.storage, Tolerance(atol: 1e-6, rtol: 0)).passes)

        let normalized = evaluation.classFeatures(names, prompts: .ensemble(templates: templates, averaging: .normalized))
        #expect(normalized.shape == [3, 32])
        #expect(compare(normalized.storage, raw.storage, Tolerance(atol: 1e-6, rtol: 0)).passes == false,
                "the two averagings differ when the templates' feature norms differ")
    }

    /// Each bad file and the words its message must contain (tensor names and shapes).
    @Test(arguments: [
        (["text.deep.1": [2, 64]], ["tensor 'text.ctx' is missing", "'text.deep.1' [2, 64]"]),
        (["text.ctx": [2, 32]], ["tensor 'text.ctx' has shape [2, 32], expected [n, 64]"]),
        (["vision.ctx": [4, 48]], ["tensor 'vision.ctx' has shape [4, 48], expected [n, 64]"]),
        (["text.ctx": [2, 64], "text.deep.2": [2, 64]], ["tensor 'text.deep.1' is missing"]),
        (["text.ctx": [2, 64], "text.deep.1": [3, 64]], ["tensor 'text.deep.1' has shape [3, 64], expected [2, 64]"]),
        (["vision.ctx": [2, 64], "vision.deep.1": [2, 64], "vision.deep.2": [2, 64], "vision.deep.3": [2, 64]],
         ["tensor 'vision.deep.3' [2, 64] is beyond the model's 3 vision layers"]),
        (["prompt_learner.ctx": [4, 64]], ["no prompt tensors", "'text.ctx' [n, 64]", "'prompt_learner.ctx'"]),
    ] as [([String: [Int]], [String])])
    func badPromptFilesNameTheTensorAndShape(_ shapes: [String: [Int]], _ phrases: [String]) throws {
        let evaluation = try Self.evaluation.get()
        let path = try Self.temporaryDirectory() + "/bad.safetensors"
        try Tensor.save(shapes.mapValues { Tensor.zeros($0) }, to: path)
        do {
            _ = try EvaluationPrompts.load(contentsOf: path, configuration: evaluation.model.configuration)
            Issue.record("\(shapes) was accepted")
        } catch let error as EvaluationError {
            let message = error.description
            #expect(message.hasPrefix(path + ": "), "\(message)")
            for phrase in phrases { #expect(message.contains(phrase), "\(message)") }
        }
    }

    @Test func missingSplitFileAndImageAreNamed() throws {
        let dir = try Self.temporaryDirectory()
        #expect(throws: DatasetError.unreadable(path: dir + "/split_zhou_None.json", reason: "split file not found")) {
            try EvaluationSet.load(.custom(splitFile: dir + "/split_zhou_None.json", imageRoot: dir))
        }
        let split = #"{"train": [["a.jpg", 0, "cat"]], "val": [], "test": [["images/cat/404.jpg", 0, "cat"]]}"#
        try split.write(toFile: dir + "/split.json", atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.missingImage(path: dir + "/images/cat/404.jpg", listedIn: dir + "/split.json")) {
            try EvaluationSet.load(.custom(splitFile: dir + "/split.json", imageRoot: dir))
        }
        // The train image is missing too, but only the evaluated split is checked.
        #expect(throws: EvaluationError.emptySplit(split: "val", listFile: dir + "/split.json")) {
            try EvaluationSet.load(.custom(splitFile: dir + "/split.json", imageRoot: dir), split: .val)
        }
    }

    @Test func templateWithoutPlaceholderIsRejected() {
        #expect(throws: EvaluationError.templateWithoutPlaceholder(template: "a photo")) {
            try EvaluationPrompts.checkedTemplate("a photo")
        }
    }
}
