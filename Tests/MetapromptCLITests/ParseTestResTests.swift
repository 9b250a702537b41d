import Foundation
import TensorIO
import Testing
import TestSupport

/// `train` followed by `eval`, as CoOp's / ProMetaR's `base2new_train.sh` and
/// `base2new_test.sh` pair runs, leaves logs that both copies of `parse_test_res.py` read as
/// the READMEs run them: base from train_base, new from test_new (`--test-log`).
@Suite struct ParseTestResTests {
    let binary = metapromptExecutable()

    @Test func trainThenEvalLogsGiveBaseAndNewToBothParsers() throws {
        let root = NSTemporaryDirectory() + "metaprompt-parse-\(UUID().uuidString)"
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: data)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = "tinyshapes/shots_4/prometar/tiny_2+2ctx/seed1"
        let trainBase = "\(root)/output/base2new/train_base/\(common)", testNew = "\(root)/output/base2new/test_new/\(common)"
        let train = try runProcess(binary, ["train", "--model", fixture("tiny-clip"), "--split", data + "/split_zhou_TinyShapes.json",
                                            "--method", "prometar", "--output", trainBase, "--shots", "4", "--batch-size", "4", "--max-steps", "2",
                                            "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2", "--set", "depth_vision=2"])
        #expect(train.status == 0, "\(train)")
        let results = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: trainBase + "/results.json")))
        func shown(_ x: Double?) -> Double? { x.map { (($0 * 100).rounded()) / 100 } }
        let base = try #require(shown(results["base"]?["accuracy"]?.doubleValue))
        let log = try String(contentsOfFile: trainBase + "/log.txt", encoding: .utf8)
        for signal in [ParseTestRes.coopEndSignal, ParseTestRes.proMetaREndSignal, ParseTestRes.testLogEndSignal] {
            #expect(ParseTestRes.accuracy(log: log, endSignal: signal) == base, "'\(signal)': \(log)")
        }
        // The train_base path's test_new twin was written by train itself ...
        let newLog = try String(contentsOfFile: testNew + "/log.txt", encoding: .utf8)
        let new = try #require(shown(results["new"]?["accuracy"]?.doubleValue))
        #expect(ParseTestRes.accuracy(log: newLog, endSignal: ParseTestRes.testLogEndSignal) == new, "\(newLog)")
        // ... and `eval`, as base2new_test.sh runs it, writes the same lines into a fresh one.
        let evalDir = "\(root)/output/base2new/test_new_eval/\(common)"
        let eval = try runProcess(binary, ["eval", "--model", fixture("tiny-clip"), "--split", data + "/split_zhou_TinyShapes.json",
                                           "--subsample", "new", "--prompts", trainBase + "/prompts.safetensors", "--output", evalDir])
        #expect(eval.status == 0, "\(eval)")
        let evalLog = try String(contentsOfFile: evalDir + "/log.txt", encoding: .utf8)
        #expect(evalLog == newLog)
        #expect(ParseTestRes.accuracy(log: evalLog, endSignal: ParseTestRes.testLogEndSignal) == new)
        // The summary reads train's results.json for base and eval's for new.
        let summary = try runProcess(binary, ["eval", "--summary", trainBase, evalDir])
        #expect(summary.status == 0 && summary.stdout.contains("* new: \(String(format: "%.2f", new))%"), "\(summary)")
    }

    /// The rule itself, on the logs the parser met before: no end signal finds nothing, and
    /// a new-class block after the base block would be the one reported.
    @Test func parserRuleKeepsTheLastAccuracyAfterTheFirstEndSignal() {
        let log = "step 1\n=> result\n* accuracy: 50.00%\n=> result\n  * accuracy: 40.00%  \nElapsed: 0:00:01\n"
        #expect(ParseTestRes.accuracy(log: log, endSignal: ParseTestRes.coopEndSignal) == nil)
        #expect(ParseTestRes.accuracy(log: log, endSignal: ParseTestRes.testLogEndSignal) == 40)
        #expect(ParseTestRes.accuracy(log: "Finish training\n* accuracy: 1e1%", endSignal: ParseTestRes.coopEndSignal) == 10)
    }
}
