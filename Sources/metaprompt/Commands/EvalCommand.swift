import AutoDiff
import CLIPAdapter
import Datasets
import Distributed
import Evaluation
import Foundation
import TensorIO
import Training

/// `metaprompt eval`: accuracy of zero-shot CLIP or learned prompts on a dataset split, with
/// Dassl's result lines, results.json and optionally the logits; or the base-to-new summary.
struct EvalCommand: Command {
    static let configuration = CommandConfiguration(
        name: "eval",
        summary: "evaluate zero-shot CLIP or learned prompts on a dataset split",
        discussion: """
            Classifies every image of the split by exp(logit_scale)·cos(image, class) and prints
            Dassl's result block, which CoOp's parse_test_res.py reads:
                Evaluate on the *test* set
                => result
                * total: 1,000
                * correct: 923
                * accuracy: 92.30%
                * error: 7.70%
                * macro_f1: 91.02%
            (macro-F1 over the classes present in the labels, as Dassl's evaluator). Images go
            through the model directory's preprocessor_config.json (PIL-exact CLIP preprocessing).
            Class prompts: zero-shot with one template (--template, the default) or the 60
            ImageNet templates (--ensemble), or learned prompts (--prompts).

            The ImageNet variants (--dataset imagenetv2, imagenet_sketch, imagenet_a, imagenet_r)
            are test-only: their test split with all their classes, as CoOp's xd_test.sh
            evaluates ImageNet's prompts on them (its directories), e.g.
                metaprompt eval --model clip --root $DATA --dataset imagenet_a \\
                    --prompts output/imagenet/coop/vit_b16_ep50_16shots/seed1/prompts.safetensors \\
                    --output output/evaluation/coop/vit_b16_ep50_16shots/imagenet_a/seed1

            Under mpirun the test images are split over the ranks in whole batches of
            --batch-size (each rank a contiguous block of the batches, decoding only its own
            images); rank 0 prints and writes everything, byte-identical to one process. The
            closing line on stderr gives the images/s.

            With --summary BASE NEW, instead: the base-to-new harmonic mean 2·b·n/(b+n) of two
            results.json files (or directories holding one), evaluated with --subsample base and
            new; prints * base, * new, * HM (and appends them to DIR/log.txt, writes
            DIR/summary.json with --output).

            Output layout: 'metaprompt train --output DIR' writes log.txt, prompts.safetensors and
            checkpoints to DIR; CoOp's convention for DIR is
                output/base2new/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/
            and its base-to-new test runs write
                output/base2new/test_new/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/
            e.g. metaprompt eval --model clip --root $DATA --dataset oxford_pets --subsample new \\
                     --prompts output/base2new/train_base/oxford_pets/shots_16/prometar/vit_b16/seed1/prompts.safetensors \\
                     --output output/base2new/test_new/oxford_pets/shots_16/prometar/vit_b16/seed1
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory (required unless --summary)") var model: String?
    @OptionGroup var data: DatasetSourceOptions
    @Option(help: "all classes, base (the first half of the labels) or new (the rest, relabelled from 0): CoOp's base-to-new protocol")
    var subsample: ClassSubset = .all
    @Option(help: "the list evaluated") var splitName: EvaluationSet.Split = .test
    @Option(valueName: "FILE.safetensors",
            help: "learned prompts (train's prompts.safetensors or a checkpoint): text.ctx [n, text width], text.deep.<l>, vision.ctx [m, vision width], vision.deep.<l>; class prompts \"X … X {name}.\" (n X's), or \"a photo of a {name}.\" when the file has vision prompts only")
    var prompts: String?
    @Option(valueName: "T", help: "zero-shot with one template, '{}' for the class name") var template: String = EvaluationPrompts.defaultTemplate
    @Flag(help: "zero-shot with the 60 ImageNet templates") var ensemble = false
    @Option(help: "how --ensemble averages: normalized (each template's features normalised, averaged, normalised again, as CLIP and CoOp's ZeroshotCLIP2) or raw (unnormalised features averaged, as PromptSRC/ProMetaR's regulariser target)")
    var ensembleMean: EvaluationPrompts.Averaging = .normalized
    @Option(valueName: "DIR",
            help: "append the result lines to DIR/log.txt and write DIR/results.json (accuracy, error, macro_f1, per_class_accuracy, total, correct, split, subsample, method, template, ...). Without it nothing is written.")
    var output: String?
    @Option(valueName: "FILE", help: "safetensors with logits F32 [N, C] and labels I64 [N] in split order (written atomically)")
    var saveLogits: String?
    @Option(help: "images per forward pass", in: 1...65_536) var batchSize: Int = 32
    @OptionGroup var threading = ThreadOptions.environment
    @OptionGroup var communication: CommunicationOptions
    @Flag(help: "also print Dassl's per-class block (* class: …, * average: …)") var perClass = false
    @Flag(help: "the base-to-new summary of two results.json files (see above)") var summary = false
    @Argument(valueName: "RESULTS", help: "with --summary: BASE then NEW, results.json files or directories holding one")
    var results: [String]

    func validate() throws {
        if summary {
            guard results.count == 2 else {
                throw UsageError("--summary needs two results.json files (or directories), base then new; got \(results.count)")
            }
            if let option = givenOptions().first(where: { $0 != "--summary" && $0 != "--output" }) {
                throw UsageError("\(option) does not go with --summary")
            }
            return
        }
        if let first = results.first { throw UsageError("unexpected argument '\(first)'") }
        guard model != nil else { throw UsageError("missing --model") }
        if case .standard(let dataset, _) = try data.source(), dataset.isTestOnly, subsample != .all {
            throw UsageError(DatasetError.testOnly(dataset: dataset, refused: "'\(subsample.rawValue)' class subset").description)
        }
        let choices = [prompts != nil, $template.isGiven, ensemble].filter { $0 }.count
        guard choices <= 1 else { throw UsageError("give at most one of --prompts, --template and --ensemble") }
        if $ensembleMean.isGiven && !ensemble { throw UsageError("--ensemble-mean goes with --ensemble") }
        guard template.contains("{}") else { throw UsageError("--template needs '{}' for the class name, got '\(template)'") }
    }

    func run() throws {
        if summary { return try runSummary() }

        let directory = model!  // validate() requires it without --summary
        try launch(communication) { communicator in try evaluate(modelDirectory: directory, communicator: communicator) }
    }

    /// The evaluation on every rank of the job, each its block of the test batches
    /// (``Evaluator``); rank 0 prints, reports progress and writes every file.
    func evaluate(modelDirectory directory: String, communicator: any Communicator) throws {
        let isRoot = communicator.rank == 0
        // The inputs first (exit 1), then the model.
        let source = try data.source()
        let subset = subsample, split = splitName
        let output = isRoot ? self.output : nil, logitsPath = saveLogits
        if isRoot, let logitsPath { try Self.requireDirectory(of: logitsPath, for: "--save-logits") }

        let set = try EvaluationSet.load(source, split: split, subset: subset)
        threading.apply()
        let evaluation = try Evaluator(modelDirectory: directory, batchSize: batchSize)
        let prompts: EvaluationPrompts
        if let path = self.prompts {
            prompts = try EvaluationPrompts.load(contentsOf: path, configuration: evaluation.model.configuration)
        } else if ensemble {
            prompts = .ensemble(templates: ImageNetTemplates.all, averaging: ensembleMean)
        } else {
            prompts = .template(template)
        }
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }

        let clock = ContinuousClock(), started = clock.now
        var lastReport = started
        let ranks = communicator.size
        let result = try evaluation.run(set, prompts: prompts, keepLogits: logitsPath != nil, communicator: communicator) { done, all in
            // Long runs (ImageNet on CPUs) report on stderr every 10 s; stdout stays the result.
            // Rank 0 reports its own block; the others run at about its pace.
            let now = clock.now
            guard isRoot, now - lastReport >= .seconds(10), done < all else { return }
            lastReport = now
            let seconds = (now - started).seconds
            let rate = Double(done) / max(seconds, 1e-9)
            let share = ranks > 1 ? " of rank 0's block (\(set.items.count) on \(ranks) ranks)" : ""
            writeToStandardError("eval: \(done)/\(all) images\(share), \(String(format: "%.1f", rate * Double(ranks))) images/s, ETA \(Int(Double(all - done) / rate)) s\n")
        }
        guard isRoot else { return }
        let seconds = (clock.now - started).seconds
        writeToStandardError(String(format: "eval: %d images in %.2f s on %d rank%@: %.1f images/s\n", set.items.count, seconds, ranks,
                                    ranks == 1 ? "" : "s", Double(set.items.count) / max(seconds, 1e-9)))

        try Self.emit(EvaluationRecord.lines(result, split: split, perClass: perClass), output: output)

        if let logitsPath, let logits = result.logits {
            let n = result.labels.count
            let names = JSONValue.array(set.classNames.map { .string($0) }).serialized()
            try SafeTensorsWriter.write([
                "logits": .f32(logits, shape: [n, result.classCount]),
                "labels": .i64(result.labels.map(Int64.init), shape: [n]),
            ], metadata: ["split": split.rawValue, "subsample": subset.rawValue, "classnames": names, "method": prompts.method], to: logitsPath)
        }
        if let output {
            var fields: [(String, JSONValue)] = [("method", .string(prompts.method)),
                                                 ("template", prompts.classTemplate.map { .string($0) } ?? .null)]
            if case .ensemble(let templates, let averaging) = prompts {
                fields += [("templates", .int(Int64(templates.count))), ("ensemble_mean", .string(averaging.rawValue))]
            }
            fields += [("prompts", self.prompts.map { .string($0) } ?? .null), ("model", .string(directory)),
                       ("logits", logitsPath.map { .string($0) } ?? .null)]
            let json = EvaluationRecord.json(result, set: set, dataset: EvaluationRecord.datasetName(source), fields: fields)
            try AtomicFile.write(json.serialized(pretty: true) + "\n", to: (output as NSString).appendingPathComponent("results.json"))
        }
    }

    // MARK: Base-to-new summary

    /// `--summary BASE NEW`: the harmonic mean of two results.json files.
    func runSummary() throws {
        let base = try Self.accuracy(results[0], expecting: .base)
        let new = try Self.accuracy(results[1], expecting: .new)
        let summary = EvaluationSummary(base: base.accuracy, new: new.accuracy)
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        try Self.emit(["=> base-to-new"] + summary.report, output: output)
        if let output {
            let json: JSONValue = [
                "base": .double(summary.base), "new": .double(summary.new), "harmonic_mean": .double(summary.harmonicMean),
                "base_results": .string(base.path), "new_results": .string(new.path),
            ]
            try AtomicFile.write(json.serialized(pretty: true) + "\n", to: (output as NSString).appendingPathComponent("summary.json"))
        }
    }

    /// The accuracy of a results.json (or DIR/results.json) for `expected`: `eval`'s file, whose
    /// subsample must be `expected`, or `train`'s.
    static func accuracy(_ path: String, expecting expected: ClassSubset) throws -> (accuracy: Double, path: String) {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? (path as NSString).appendingPathComponent("results.json") : path
        return (try EvaluationRecord.accuracy(inFile: file, subset: expected), file)
    }

    // MARK: Output

    /// Prints `lines` and, with an output directory, appends them to its log.txt.
    static func emit(_ lines: [String], output: String?) throws {
        let text = lines.joined(separator: "\n") + "\n"
        print(text, terminator: "")
        guard let output else { return }
        let log = (output as NSString).appendingPathComponent("log.txt")
        if !FileManager.default.fileExists(atPath: log) && !FileManager.default.createFile(atPath: log, contents: nil) {
            throw InputError(description: "\(log): cannot create the log file")
        }
        guard let handle = FileHandle(forWritingAtPath: log) else { throw InputError(description: "\(log): cannot open the log file for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw InputError(description: "\(log): cannot append: \(error.localizedDescription)")
        }
    }

    /// Fails early when a file's directory does not exist (before the evaluation runs).
    static func requireDirectory(of path: String, for option: String) throws {
        let directory = parentDirectory(of: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue else {
            throw InputError(description: "\(path) (\(option)): directory \(directory) does not exist")
        }
    }
}
