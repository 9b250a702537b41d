import AutoDiff
import CLIP
import Foundation
import MetaLearning
import TensorIO
import Training

/// `metaprompt step`: one training iteration on an explicit batch and state.
enum StepCommand: Command {
    static let name = "step"
    static let summary = "one training iteration on an explicit batch and state"
    static let usage = """
        usage: metaprompt step --model DIR --method prometar|promptsrc|ivlp|coop|vpt|gram --classes FILE
                               --state IN.safetensors --batch B.safetensors [--config C.json]
                               [--seed S] --out OUT.safetensors

        --classes  one class name per line; class prompts are "X … X {name}." (n_ctx_text X's),
                   or "a photo of a {name}." when the method has no text prompt
        --state    prompts text.ctx, text.deep.<l>, vision.ctx, vision.deep.<l>; the regulator
                   (prometar: vnet.<tower>.<l>.<k>.weight, gram: gram.<tower>.<l>.<k>.weight);
                   optional optimiser state momentum.<name> (absent: first step) and, for
                   promptsrc, gpa.<prompt> (the prompt aggregate; one step does not add to it)
        --batch    pixel_values F32 [B, 3, S, S] (preprocessed), labels I64 [B]; optional
                   replayed draws query_class [], lam [Q], mix_ids [Q] (index into the support
                   set) for prometar; domains I64 [B] (0 support, 1 query) for gram
        --config   JSON hyperparameters (see MethodConfiguration); missing keys take the
                   method's defaults. Learning rates are the groups' base lr (no schedule).
        --seed     seed of the random draws when the batch has none (default 1)
        --out      the updated state under the same names, momentum.*, and loss.* scalars
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["model", "method", "classes", "state", "batch", "config", "seed", "out"])
        if args.wantsHelp { print(usage); return }
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        let method = try args.required("method")
        guard MethodConfiguration.methods.contains(method), method != "zeroshot" else {
            throw UsageError("--method must be one of \(MethodConfiguration.methods.filter { $0 != "zeroshot" }.joined(separator: ", ")); got '\(method)'")
        }
        let (directory, classesPath, statePath, batchPath, out) = (try args.required("model"), try args.required("classes"),
                                                                    try args.required("state"), try args.required("batch"), try args.required("out"))
        let seed = UInt64(try args.int("seed", default: 1))

        let configuration: MethodConfiguration
        if let path = args.string("config") {
            guard let data = FileManager.default.contents(atPath: path) else { throw InputError(description: "\(path): cannot read the config file") }
            let json: JSONValue
            do { json = try JSONValue(parsing: data) } catch { throw InputError(description: "\(path): not valid JSON: \(error)") }
            configuration = try MethodConfiguration.load(method: method, json: json, source: path)
        } else {
            configuration = try MethodConfiguration.defaults(for: method)
        }
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
        let draws = try replayedDraws(batchFile, labels: labels)

        // The state: parameters and optimiser state, validated by the method.
        try MethodFactory.validate(configuration, for: model.configuration)
        var stepper = MethodFactory.make(configuration, model: model, tokenizer: tokenizer, seed: seed)
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
        let losses = stepper.step(model: classifier, batch: batch, context: context)

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
