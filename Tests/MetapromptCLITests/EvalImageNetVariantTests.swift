import AutoDiff
import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt eval --dataset imagenet_a` with learned prompts on a generated ImageNet-A
/// layout (tinyshapes JPEGs in wnid folders, CoOp's names), as CoOp's `xd_test.sh` evaluates
/// ImageNet's prompts; and `train` / subsets refused on the test-only sets.
@Suite struct EvalImageNetVariantTests {
    let binary = metapromptExecutable()

    /// `$DATA/imagenet-adversarial/imagenet-a/` (or another variant's folders) with three wnid
    /// folders (two, two and one images), `README.txt` and hidden files, and the lines of
    /// ImageNet's `classnames.txt` around them. Returns the image folder.
    static func writeImageNetA(under root: String, directory name: String = "imagenet-adversarial", images imageFolder: String = "imagenet-a") throws -> String {
        let directory = root + "/" + name, images = directory + "/" + imageFolder
        let files = FileManager.default
        for (wnid, sources) in [("n01534433", ["purple_triangle/000.jpg"]),
                                ("n01498041", ["blue_circle/000.jpg", "blue_circle/001.jpg"]),
                                ("n01531178", ["blue_square/000.jpg", "blue_square/001.jpg"])] {
            try files.createDirectory(atPath: images + "/" + wnid, withIntermediateDirectories: true)
            for (index, source) in sources.enumerated() {
                try files.copyItem(atPath: fixture("tinyshapes/images/" + source), toPath: "\(images)/\(wnid)/0.00\(index).jpg")
            }
            try "x".write(toFile: "\(images)/\(wnid)/.hidden", atomically: false, encoding: .utf8)
        }
        try "ImageNet-A README\n".write(toFile: images + "/README.txt", atomically: false, encoding: .utf8)
        try "x".write(toFile: images + "/.DS_Store", atomically: false, encoding: .utf8)
        try "n01440764 tench\nn01498041 stingray\nn01531178 goldfinch\nn01534433 junco\n"
            .write(toFile: directory + "/classnames.txt", atomically: false, encoding: .utf8)
        return images
    }

    func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "metaprompt-eval-dg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    @Test func learnedPromptsEvaluateOnImageNetAWithItsOwnClasses() throws {
        try withTemporaryDirectory { dir in
            let images = try Self.writeImageNetA(under: dir + "/data")
            let ivlp = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
            var prompts: [String: Tensor] = [:]
            for name in ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"] { prompts[name] = try Tensor(ivlp, name) }
            try Tensor.save(prompts, to: dir + "/prompts.safetensors")

            let output = dir + "/output/evaluation/ivlp/imagenet_a/seed1"
            let r = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--root", dir + "/data", "--dataset", "imagenet_a",
                                            "--prompts", dir + "/prompts.safetensors", "--output", output,
                                            "--save-logits", dir + "/logits.safetensors", "--batch-size", "2"])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.hasPrefix("Evaluate on the *test* set\n=> result\n* total: 5\n"), "\(r)")
            #expect(try String(contentsOfFile: output + "/log.txt", encoding: .utf8) == r.stdout)

            let results = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: output + "/results.json")))
            #expect(results["dataset"]?.stringValue == "ImageNetA" && results["classes"]?.intValue == 3)
            #expect(results["split"]?.stringValue == "test" && results["subsample"]?.stringValue == "all")
            #expect(results["total"]?.intValue == 5 && results["method"]?.stringValue == "prompts")
            // Labels over the sorted wnids, names from classnames.txt.
            #expect(results["per_class_accuracy"]?.objectValue?.keys == ["stingray", "goldfinch", "junco"])
            let logits = try SafeTensorsFile(path: dir + "/logits.safetensors")
            #expect(try logits.entry("logits").shape == [5, 3])
            #expect(try logits.int64s("labels") == [0, 0, 1, 1, 2])
            #expect(logits.metadata["classnames"] == #"["stingray","goldfinch","junco"]"#)

            // CoOp's variants have no val list.
            let val = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--root", dir + "/data", "--dataset", "ImageNetA",
                                              "--split-name", "val"])
            #expect(val.status == 1 && val.stderr == "metaprompt eval: \(images): the val split holds no images\n", "\(val)")
        }
    }

    @Test func aWnidWithoutAClassNameIsNamed() throws {
        try withTemporaryDirectory { dir in
            let images = try Self.writeImageNetA(under: dir)
            try FileManager.default.createDirectory(atPath: images + "/n09999999", withIntermediateDirectories: false)
            let r = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--root", dir, "--dataset", "imagenet-a"])
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr == "metaprompt eval: \(dir)/imagenet-adversarial/classnames.txt: folder n09999999: no class name for \(images)/n09999999\n", "\(r)")
        }
    }

    static let testOnly = " is a test-only dataset (CoOp's domain-generalisation set: every image in the test list, all its classes), so it has no "

    @Test(arguments: [
        (["train", "--model", "m", "--root", "r", "--dataset", "imagenet_a", "--method", "coop", "--output", "o"],
         "metaprompt train: ImageNetA" + testOnly + "16-shot training list; learn prompts on ImageNet and evaluate them on it with all classes"),
        (["train", "--model", "m", "--root", "r", "--dataset", "imagenetv2", "--method", "prometar", "--shots", "4", "--output", "o"],
         "metaprompt train: ImageNetV2" + testOnly + "4-shot training list; learn prompts on ImageNet and evaluate them on it with all classes"),
        (["eval", "--model", "m", "--root", "r", "--dataset", "imagenet_r", "--subsample", "new"],
         "metaprompt eval: ImageNetR" + testOnly + "'new' class subset; learn prompts on ImageNet and evaluate them on it with all classes"),
    ])
    func trainAndSubsetsAreRefusedOnTestOnlySets(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
    }
}
