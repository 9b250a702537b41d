import AutoDiff
import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt eval` through the binary: zero-shot tiny CLIP on tinyshapes against the PyTorch
/// fixture (`preprocess.*`), Dassl's exact result lines in stdout and log.txt, results.json,
/// the saved logits, the base-to-new summary, and exit codes with messages.
@Suite struct EvalCommandTests {
    let binary = metapromptExecutable()
    static let split = fixture("tinyshapes/split_zhou_TinyShapes.json")
    static let reference = Result { try SafeTensorsFile(path: fixture("preprocess.safetensors")) }

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "metaprompt-eval-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func eval(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--split", Self.split] + arguments)
    }

    func readJSON(_ path: String) throws -> JSONValue {
        try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Dassl's lines for the fixture: 3 of 18 correct. The macro-F1 line is computed here from
    /// the reference logits with sklearn's precision/recall formula over the labelled classes.
    func expectedLines() throws -> String {
        let ref = try Self.reference.get()
        let labels = try ref.int64s("labels").map(Int.init)
        let predictions = Tensor(shape: [18, 6], values: try ref.floats("zero_shot_logits")).argmaxLastAxis()
        let f1 = Set(labels).sorted().map { c -> Double in
            let tp = Double(zip(labels, predictions).filter { $0 == c && $1 == c }.count)
            let p = tp / Double(max(predictions.filter { $0 == c }.count, 1)), r = tp / Double(labels.filter { $0 == c }.count)
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
        let macro = String(format: "%.2f", 100 * f1.reduce(0, +) / Double(f1.count))
        #expect(zip(labels, predictions).filter { $0 == $1 }.count == 3)
        return "Evaluate on the *test* set\n=> result\n* total: 18\n* correct: 3\n* accuracy: 16.67%\n* error: 83.33%\n* macro_f1: \(macro)%\n"
    }

    @Test func zeroShotPrintsDasslLinesAndWritesResultsAndLogits() throws {
        let dir = try temporaryDirectory()
        let r = try eval(["--template", "a photo of a {}.", "--output", dir + "/out", "--save-logits", dir + "/logits.safetensors",
                          "--batch-size", "5"])
        #expect(r.status == 0, "\(r)")
        let expected = try expectedLines()
        #expect(r.stdout == expected)
        #expect(try String(contentsOfFile: dir + "/out/log.txt", encoding: .utf8) == expected)

        let results = try readJSON(dir + "/out/results.json")
        let accuracy: Double = 100.0 * 3 / 18, error: Double = 100 - accuracy
        #expect(results["accuracy"]?.doubleValue == accuracy)
        #expect(results["error"]?.doubleValue == error)
        #expect(results["total"]?.intValue == 18 && results["correct"]?.intValue == 3)
        #expect(results["split"]?.stringValue == "test" && results["subsample"]?.stringValue == "all")
        #expect(results["method"]?.stringValue == "zeroshot" && results["template"]?.stringValue == "a photo of a {}.")
        let macro = try #require(results["macro_f1"]?.doubleValue)
        #expect(expected.contains("* macro_f1: \(String(format: "%.2f", macro))%"))
        let perClass = try #require(results["per_class_accuracy"]?.objectValue)
        #expect(perClass.keys == ["purple circle", "purple square", "purple triangle", "blue circle", "blue square", "blue triangle"])
        let perClassAccuracies: [Double] = perClass.values.compactMap(\.doubleValue)
        #expect(perClassAccuracies.count == 6)
        #expect(abs(perClassAccuracies.reduce(0, +) / 6 - accuracy) < 1e-12)

        // Logits in split order: preprocessing is bit-exact with PIL and the towers agree
        // with PyTorch to ~1e-6 relative, so 1e-4 of the largest logit is a wide margin.
        let ref = try Self.reference.get(), out = try SafeTensorsFile(path: dir + "/logits.safetensors")
        #expect(out.names == ["labels", "logits"])
        #expect(try out.entry("logits").shape == [18, 6] && out.entry("logits").dtype == .F32)
        #expect(try out.entry("labels").shape == [18] && out.entry("labels").dtype == .I64)
        #expect(try out.int64s("labels") == ref.int64s("labels"))
        let expectedLogits = try ref.floats("zero_shot_logits")
        let worst = compare(try out.floats("logits"), expectedLogits, Tolerance(atol: 1e-4 * maxMagnitude(expectedLogits), rtol: 0))
        #expect(worst.passes, "logits: \(worst)")
        #expect(out.metadata["split"] == "test" && out.metadata["subsample"] == "all")
    }

    /// parse_test_res.py --test-log: after a line equal to "=> result", the last match of
    /// `\* accuracy: ([\.\deE+-]+)%` and `\* error: …%` wins. A second run appends.
    @Test func logAppendsAndParsesAsParseTestResDoes() throws {
        let dir = try temporaryDirectory()
        try "training log line\n".write(toFile: dir + "/log.txt", atomically: true, encoding: .utf8)
        let first = try eval(["--output", dir])
        let second = try eval(["--output", dir, "--subsample", "base"])
        #expect(first.status == 0 && second.status == 0, "\(first)\n\(second)")
        let log = try String(contentsOfFile: dir + "/log.txt", encoding: .utf8)
        #expect(log == "training log line\n" + first.stdout + second.stdout)
        var started = false, parsed: [String: Double] = [:]
        for line in log.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line == "=> result" { started = true }
            for metric in ["accuracy", "error"] where started {
                let regex = try NSRegularExpression(pattern: #"\* \#(metric): ([\.\deE+-]+)%"#)
                if let m = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                   let range = Range(m.range(at: 1), in: line) { parsed[metric] = Double(line[range]) }
            }
        }
        let base = try readJSON(dir + "/results.json")  // the second run's
        #expect(base["subsample"]?.stringValue == "base" && base["total"]?.intValue == 9)
        let accuracy = try #require(base["accuracy"]?.doubleValue)
        #expect(parsed["accuracy"] == Double(String(format: "%.2f", accuracy)))
        #expect(parsed["error"] == Double(String(format: "%.2f", 100 - accuracy)))
    }

    @Test func baseToNewSummaryIsTheHarmonicMean() throws {
        let dir = try temporaryDirectory()
        for part in ["base", "new"] {
            let r = try eval(["--subsample", part, "--output", dir + "/" + part])
            #expect(r.status == 0, "\(r)")
        }
        let b = try #require(try readJSON(dir + "/base/results.json")["accuracy"]?.doubleValue)
        let n = try #require(try readJSON(dir + "/new/results.json")["accuracy"]?.doubleValue)
        let r = try runProcess(binary, ["eval", "--summary", dir + "/base", dir + "/new/results.json", "--output", dir + "/summary"])
        #expect(r.status == 0, "\(r)")
        let hm = b + n == 0 ? 0 : 2 * b * n / (b + n)
        let expected = "=> base-to-new\n* base: \(String(format: "%.2f", b))%\n* new: \(String(format: "%.2f", n))%\n* HM: \(String(format: "%.2f", hm))%\n"
        #expect(r.stdout == expected)
        #expect(try String(contentsOfFile: dir + "/summary/log.txt", encoding: .utf8) == expected)
        #expect(try readJSON(dir + "/summary/summary.json")["harmonic_mean"]?.doubleValue == hm)
        // Swapped arguments are caught by the subsample recorded in results.json.
        let swapped = try runProcess(binary, ["eval", "--summary", dir + "/new", dir + "/base"])
        #expect(swapped.status == 1, "\(swapped)")
        #expect(swapped.stderr.contains("\(dir)/new/results.json: subsample is 'new'"), "\(swapped)")
    }

    @Test func learnedPromptsAndEnsembleRun() throws {
        let dir = try temporaryDirectory()
        let ivlp = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
        var prompts: [String: Tensor] = [:]
        for name in ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"] { prompts[name] = try Tensor(ivlp, name) }
        try Tensor.save(prompts, to: dir + "/prompts.safetensors")
        let r = try eval(["--prompts", dir + "/prompts.safetensors", "--output", dir + "/prompts", "--save-logits", dir + "/p.safetensors"])
        #expect(r.status == 0, "\(r)")
        let results = try readJSON(dir + "/prompts/results.json")
        #expect(results["method"]?.stringValue == "prompts" && results["template"]?.stringValue == "X X {}.")
        #expect(results["prompts"]?.stringValue == dir + "/prompts.safetensors")
        #expect(try SafeTensorsFile(path: dir + "/p.safetensors").entry("logits").shape == [18, 6])

        let e = try eval(["--ensemble", "--output", dir + "/ensemble"])
        #expect(e.status == 0, "\(e)")
        let ensemble = try readJSON(dir + "/ensemble/results.json")
        #expect(ensemble["method"]?.stringValue == "zeroshot-ensemble" && ensemble["templates"]?.intValue == 60)
        #expect(ensemble["ensemble_mean"]?.stringValue == "normalized" && ensemble["template"]?.isNull == true)
        #expect(e.stdout.hasPrefix("Evaluate on the *test* set\n=> result\n* total: 18\n"))
    }

    @Test func withoutOutputOnlyPrints() throws {
        let listing = { try FileManager.default.subpathsOfDirectory(atPath: fixture("tinyshapes")).sorted() }
        let before = try listing()
        let r = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--split", Self.split, "--split-name", "val"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("Evaluate on the *val* set\n=> result\n* total: 6\n"), "\(r)")
        #expect(try listing() == before, "eval wrote into the dataset directory")
    }

    // MARK: Errors

    @Test func inputErrorsExit1NamingTheFileTensorOrImage() throws {
        let dir = try temporaryDirectory()
        // A missing split file.
        var r = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--split", dir + "/none.json"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "metaprompt eval: cannot read \(dir)/none.json: split file not found\n", "\(r)")
        // A missing image of the test split.
        try #"{"train": [["x.jpg", 0, "cat"]], "val": [], "test": [["cats/404.jpg", 0, "cat"]]}"#
            .write(toFile: dir + "/split.json", atomically: true, encoding: .utf8)
        r = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--split", dir + "/split.json"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "metaprompt eval: image \(dir)/cats/404.jpg (listed in \(dir)/split.json) does not exist\n", "\(r)")
        // Prompts of the wrong width, and deep prompts without their context.
        try Tensor.save(["text.ctx": Tensor.zeros([4, 32])], to: dir + "/narrow.safetensors")
        r = try eval(["--prompts", dir + "/narrow.safetensors", "--output", dir + "/out"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt eval: \(dir)/narrow.safetensors: tensor 'text.ctx' has shape [4, 32], expected [n, 64]"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        try Tensor.save(["text.deep.1": Tensor.zeros([4, 64]), "vision.ctx": Tensor.zeros([2, 64])], to: dir + "/nocontext.safetensors")
        r = try eval(["--prompts", dir + "/nocontext.safetensors"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt eval: \(dir)/nocontext.safetensors: tensor 'text.ctx' is missing (the file has 'text.deep.1' [4, 64]"), "\(r)")
        // Not a safetensors file at all.
        try "hello".write(toFile: dir + "/text.safetensors", atomically: true, encoding: .utf8)
        r = try eval(["--prompts", dir + "/text.safetensors"])
        #expect(r.status == 1 && r.stderr.hasPrefix("metaprompt eval: \(dir)/text.safetensors: "), "\(r)")
        // --save-logits into a directory that does not exist fails before evaluating.
        r = try eval(["--save-logits", dir + "/no/such/dir/l.safetensors"])
        #expect(r.status == 1 && r.stderr.contains("directory \(dir)/no/such/dir does not exist"), "\(r)")
    }

    @Test(arguments: [
        (["eval", "--model", "m"], "metaprompt eval: give exactly one of --dataset NAME or --split FILE"),
        (["eval", "--model", "m", "--dataset", "pets"], "metaprompt eval: missing --root"),
        (["eval", "--model", "m", "--root", "r", "--dataset", "mnist"], "metaprompt eval: unknown dataset 'mnist'; expected one of ImageNet, Caltech101, OxfordPets, StanfordCars, OxfordFlowers, Food101, FGVCAircraft, SUN397, DescribableTextures, EuroSAT, UCF101, ImageNetV2, ImageNetSketch, ImageNetA, ImageNetR, or a custom split file with an image root"),
        (["eval", "--model", "m", "--split", "s.json", "--subsample", "half"], "metaprompt eval: --subsample must be all, base or new, got 'half'"),
        (["eval", "--model", "m", "--split", "s.json", "--split-name", "train"], "metaprompt eval: --split-name must be test or val, got 'train'"),
        (["eval", "--model", "m", "--split", "s.json", "--ensemble", "--template", "a {}"], "metaprompt eval: give at most one of --prompts, --template and --ensemble"),
        (["eval", "--model", "m", "--split", "s.json", "--template", "a photo"], "metaprompt eval: --template needs '{}' for the class name, got 'a photo'"),
        (["eval", "--model", "m", "--split", "s.json", "--ensemble-mean", "raw"], "metaprompt eval: --ensemble-mean goes with --ensemble"),
        (["eval", "--model", "m", "--split", "s.json", "--batch-size", "0"], "metaprompt eval: --batch-size must be an integer in 1...65536, got '0'"),
        (["eval", "--split", "s.json"], "metaprompt eval: missing --model"),
        (["eval", "--summary", "a.json"], "metaprompt eval: --summary needs two results.json files (or directories), base then new; got 1"),
        (["eval", "--summary", "a.json", "b.json", "--model", "m"], "metaprompt eval: --model does not go with --summary"),
    ])
    func usageErrorsExit64WithMessage(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
        #expect(r.stderr.contains("usage: metaprompt eval"), "\(r)")
    }

    @Test func helpDocumentsTheOutputConvention() throws {
        let r = try runProcess(binary, ["eval", "--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("usage: metaprompt eval"))
        #expect(r.stdout.contains("output/base2new/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/"))
        let top = try runProcess(binary, ["--help"])
        #expect(top.stdout.contains("\n  eval "), "\(top)")
    }
}
