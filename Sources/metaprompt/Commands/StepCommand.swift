import AutoDiff
import CLIP
import CLIPAdapter
import Evaluation
import Foundation
import MetaLearning
import TensorIO
import Training

/// `metaprompt step`: one training iteration on an explicit batch and state.
struct StepCommand: Command {
    static let configuration = CommandConfiguration(
        name: "step",
        summary: "one training iteration on an explicit batch and state",
        discussion: """
            Runs one iteration of the method on the batch from the state and writes the updated
            state. Learning rates are the groups' base lr (no schedule); the random draws are
            keyed by --seed unless the batch replays them.
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory") var model: String
    @Option(help: "the method") var method: MethodName
    @Option(valueName: "FILE",
            help: "one class name per line; class prompts are \"X … X {name}.\" (n_ctx_text X's), or \"a photo of a {name}.\" when the method has no text prompt")
    var classes: String
    @Option(valueName: "IN.safetensors",
            help: "prompts text.ctx, text.deep.<l>, vision.ctx, vision.deep.<l>; the regulator (prometar: vnet.<tower>.<l>.<k>.weight, gram: gram.<tower>.<l>.<k>.weight); optional optimiser state momentum.<name> (absent: first step) and, for promptsrc, gpa.<prompt> (the prompt aggregate; one step does not add to it)")
    var state: String
    @Option(valueName: "B.safetensors",
            help: "pixel_values F32 [B, 3, S, S] (preprocessed), labels I64 [B]; optional replayed draws query_class [], lam [Q], mix_ids [Q] (index into the support set) for prometar; domains I64 [B] (0 support, 1 query) for gram")
    var batch: String
    @OptionGroup var hyperparameters: ConfigurationOptions
    @OptionGroup var seeding: SeedOption
    @Option(valueName: "OUT.safetensors", help: "the updated state under the same names, momentum.*, and loss.* scalars") var out: String

    func run() throws {
        let method = self.method.rawValue
        let (directory, classesPath, statePath, batchPath, out) = (self.model, self.classes, self.state, self.batch, self.out)
        let seed = UInt64(seeding.seed)
        let configuration = try hyperparameters.configuration(for: self.method, json: try hyperparameters.json())
        let classNames = try readLines(classesPath)
        let stateFile = try SafeTensorsFile(path: statePath), batchFile = try SafeTensorsFile(path: batchPath)
        let model = try CLIPModel(directory: directory)
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)

        // The batch, checked against the model and the classes.
        for name in ["pixel_values", "labels"] where !batchFile.contains(name) {
            throw SafeTensorsError.missingTensor(path: batchPath, name: name)
        }
        let pixels = try Tensor(batchFile, "pixel_values")
        let s = model.configuration.imageSize
        guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape.dropFirst()) == [3, s, s] else {
            throw InputError(description: "\(batchPath): tensor 'pixel_values' has shape \(pixels.shape), expected [B, 3, \(s), \(s)]")
        }
        let labels = try batchFile.int64s("labels").map(Int.init)
        guard labels.count == pixels.shape[0], labels.allSatisfy({ $0 >= 0 && $0 < classNames.count }) else {
            throw InputError(description: "\(batchPath): tensor 'labels' must hold \(pixels.shape[0]) labels in 0..<\(classNames.count) (the classes file), got \(labels)")
        }
        let domains = batchFile.contains("domains") ? try batchFile.int64s("domains").map(Int.init) : nil
        if method == "gram" {
            guard let domains, domains.count == labels.count, domains.allSatisfy({ $0 == 0 || $0 == 1 }),
                  domains.contains(0), domains.contains(1) else {
                throw InputError(description: "\(batchPath): gram needs tensor 'domains' with \(labels.count) entries, 0 (support) and 1 (query), both present")
            }
        }
        let batch = LabelledBatch(pixels: pixels, labels: labels, domains: domains)
        let draws = try Self.replayedDraws(batchFile, labels: labels)

        // The state: parameters and optimiser state, validated by the method.
        try MethodFactory.validate(configuration, for: model.configuration)
        var stepper = try MethodFactory.make(configuration, model: model, tokenizer: tokenizer, seed: seed)
        var parameters: [String: Tensor] = [:], optimizerState: [String: [Float]] = [:]
        for name in stateFile.names {
            if Checkpoint.isState(name) { optimizerState[name] = try stateFile.floats(name) } else { parameters[name] = try Tensor(stateFile, name) }
        }
        do { try stepper.restore(parameters: parameters, optimizerState: optimizerState) } catch {
            throw InputError(description: "\(statePath): \(error)")
        }

        let classifier = MethodFactory.classifier(configuration, model: model, tokenizer: tokenizer, classNames: classNames)
        let target = MethodFactory.needsTextTarget(configuration)
            ? classifier.frozenTextTarget(templateTokens: CLIPClassifier.templateTokens(tokenizer: tokenizer, classNames: classNames)) : nil
        let context = StepContext(textTarget: target, stream: RandomStream(seed: seed, 0, 0x57E9),
                                  learningRates: ["prompts": configuration.promptOptimizer.lr, "regulator": configuration.regulatorOptimizer.lr],
                                  draws: draws)
        let losses = try stepper.step(model: classifier, batch: batch, context: context)

        var output = Checkpoint.tensors(parameters: stepper.parameters, optimizerState: stepper.optimizerState)
        for (name, value) in losses { output[name] = Tensor(value) }
        try Tensor.save(output, metadata: ["method": method], to: out)
        for name in losses.keys.sorted() { print("\(name) \(losses[name]!)") }
    }

    /// ProMetaR draws stored in the batch file (`query_class`, `lam`, `mix_ids`), if any.
    static func replayedDraws(_ file: SafeTensorsFile, labels: [Int]) throws -> [MetaTaskDraws]? {
        let names = ["query_class", "lam", "mix_ids"]
        let present = names.filter(file.contains)
        guard !present.isEmpty else { return nil }
        guard present.count == 3 else {
            throw InputError(description: "\(file.path): replayed draws need all of query_class, lam, mix_ids; found only \(present.joined(separator: ", "))")
        }
        let queryClass = Int(try file.int64s("query_class").first ?? -1)
        let lambda = try file.floats("lam"), mix = try file.int64s("mix_ids").map(Int.init)
        let query = labels.filter { $0 == queryClass }.count, support = labels.count - query
        guard query > 0, support > 0, lambda.count == query, mix.count == query, mix.allSatisfy({ $0 >= 0 && $0 < support }) else {
            throw InputError(description: "\(file.path): draws do not fit the labels \(labels): query_class \(queryClass) has \(query) samples, lam \(lambda.count), mix_ids \(mix) (support set of \(support))")
        }
        return [MetaTaskDraws(labels: labels, queryClass: queryClass, lambda: lambda, mixIndices: mix)]
    }
}
