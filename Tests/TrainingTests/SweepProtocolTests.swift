import AutoDiff
import Datasets
import Distributed
import Evaluation
import Foundation
import TensorIO
import TestSupport
import Testing
import Training

/// Sweeps over data sets in CoOp's layout under a data root (``StandardLayout``: two data sets
/// from tinyshapes, and ImageNet's folders), on the tiny CLIP.
@Suite struct SweepProtocolTests {
    static let coop: JSONValue = .object(JSONObject([("n_ctx_text", .int(4)), ("prompt_optim", .object(JSONObject([("lr", .double(0.01))])))]))

    static func runs(_ datasets: [SweepDataset], targets: [SweepDataset] = [], zeroShot: Bool = true, seeds: [Int] = [1, 2]) -> [SweepRun] {
        var runs: [SweepRun] = []
        for d in datasets {
            if zeroShot { runs += seeds.map { SweepRun(name: "ZeroshotCLIP", seed: $0, kind: .zeroShot(template: "a photo of a {}."), cost: 1, dataset: d, config: "vit_b16", targets: targets) } }
            runs += seeds.map { SweepRun(name: "CoOp", seed: $0, kind: .train(method: "coop", config: coop), cost: 5, dataset: d, config: "tiny", targets: targets) }
        }
        return runs
    }

    static func dataset(_ d: StandardDataset, _ root: String) -> SweepDataset { SweepDataset(name: d.configName, source: .standard(d, root: root)) }

    static func temporary(_ what: String) -> String { NSTemporaryDirectory() + "sweep-\(what)-\(UUID().uuidString)" }

    static func small(_ sweep: Sweep) -> Sweep {
        var s = sweep
        s.shots = 2
        s.batchSize = 2
        s.epochs = 1
        return s
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The log shows two decimals: parse_test_res.py's number is the rounded accuracy.
    static func shown(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    @Test func baseToNewOverTwoDataSetsWritesTheOfficialTreeTheTableAndKeepsFinishedRuns() throws {
        BLAS.setThreadCount(1)
        let data = try StandardLayout.make(at: Self.temporary("data")), out = Self.temporary("out")
        defer { for d in [data, out] { try? FileManager.default.removeItem(atPath: d) } }
        let datasets = [Self.dataset(.caltech101, data), Self.dataset(.oxfordPets, data)]
        let sweep = Self.small(Sweep(modelDirectory: fixture("tiny-clip"), pairsFile: nil, root: out + "/base2new", setting: .base2new,
                                     runs: Self.runs(datasets)))
        var lines: [String] = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.count == 8 && lines.allSatisfy { $0.contains(" done: ") }, "\(lines)")
        #expect(lines[0].contains("caltech101 ZeroshotCLIP seed 1 done: base "), "\(lines[0])")

        // The directories of PromptSRC's base2new_train.sh / base2new_test.sh.
        for d in ["caltech101", "oxford_pets"] {
            for (method, cfg) in [("ZeroshotCLIP", "vit_b16"), ("CoOp", "tiny")] {
                for seed in [1, 2] {
                    let common = "\(d)/shots_2/\(method)/\(cfg)/seed\(seed)"
                    let base = "\(out)/base2new/train_base/\(common)", new = "\(out)/base2new/test_new/\(common)"
                    let results = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: base + "/results.json")))
                    let b = try #require(results["base"]?["accuracy"]?.doubleValue), n = try #require(results["new"]?["accuracy"]?.doubleValue)
                    // parse_test_res.py on the cfg folder reads every seed's log.txt.
                    let signal = method == "ZeroshotCLIP" ? ParseTestRes.testLogEndSignal : ParseTestRes.proMetaREndSignal
                    #expect(ParseTestRes.accuracy(log: try Self.text(base + "/log.txt"), endSignal: signal) == Self.shown(b), "\(common)")
                    #expect(ParseTestRes.accuracy(log: try Self.text(new + "/log.txt"), endSignal: ParseTestRes.testLogEndSignal) == Self.shown(n), "\(common)")
                }
            }
        }

        // The table's numbers are the results' means; the average is over the two data sets.
        let report = try SweepReport(sweep)
        #expect(report.datasets == ["caltech101", "oxford_pets"] && report.methods == ["ZeroshotCLIP", "CoOp"])
        #expect(report.rows.count == 4 && report.rows.allSatisfy { $0.seeds == 2 })
        for row in report.rows {
            for (seed, (b, n)) in zip([1, 2], zip(row.base, row.new)) {
                let run = sweep.runs.first { $0.dataset.name == row.dataset && $0.name == row.method && $0.seed == seed }!
                #expect(b == (try EvaluationRecord.accuracy(inFile: sweep.directory(of: run) + "/results.json", subset: .base)))
                #expect(n == (try EvaluationRecord.accuracy(inFile: sweep.newClassDirectory(of: run)! + "/results.json", subset: .new)))
            }
        }
        #expect(report.csv.split(separator: "\n").count == 1 + 4 + 2)
        #expect(report.chartSVG.contains("HM of base and new accuracy (%)"))

        // A resubmitted sweep keeps every run; a changed data set redoes only its runs.
        lines = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.count == 8 && lines.allSatisfy { $0.contains(" kept ") }, "\(lines)")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: data + "/oxford_pets/split_zhou_OxfordPets.json")
        lines = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.filter { $0.contains(" kept ") }.count == 4 && lines.filter { $0.contains("oxford_pets") && $0.contains(" done: ") }.count == 4, "\(lines)")
    }

    /// The report's arithmetic on results written by hand (the tiny model's accuracies are all
    /// alike): per data set the mean over seeds, HM of the means; the average over data sets of
    /// base and of new, HM of those; sample std over seeds.
    @Test func theTableAveragesDataSetMeansAndTakesTheHarmonicMeanOfTheAverages() throws {
        let out = Self.temporary("report")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let datasets = [SweepDataset(name: "caltech101", source: .custom(splitFile: "/none", imageRoot: "/none")),
                        SweepDataset(name: "dtd", source: .custom(splitFile: "/none", imageRoot: "/none"))]
        let sweep = Self.small(Sweep(modelDirectory: fixture("tiny-clip"), pairsFile: nil, root: out, setting: .base2new,
                                     runs: Self.runs(datasets, zeroShot: false)))
        // (base, new) by data set and seed.
        let values: [String: [(Double, Double)]] = ["caltech101": [(90, 80), (94, 84)], "dtd": [(70, 50), (74, 60)]]
        for run in sweep.runs {
            let (b, n) = values[run.dataset.name]![run.seed - 1]
            for (dir, json) in [(sweep.directory(of: run), "{\"base\": {\"accuracy\": \(b)}}"), (sweep.newClassDirectory(of: run)!, "{\"accuracy\": \(n), \"subsample\": \"new\"}")] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try json.write(toFile: dir + "/results.json", atomically: true, encoding: .utf8)
            }
        }
        let report = try SweepReport(sweep)
        // caltech101: base 92, new 82, HM 2·92·82/174; dtd: 72, 55; average: base 82, new 68.5.
        let average = try #require(report.average(of: "CoOp"))
        #expect(average.base == 82 && average.new == 68.5 && average.datasets == 2)
        #expect(abs(average.harmonicMean! - 2 * 82 * 68.5 / 150.5) < 1e-12)
        let lines = report.table.split(separator: "\n").map(String.init)
        #expect(lines[2] == "average (2)     CoOp                82.00           68.50           74.64", "\(report.table)")
        // std over seeds: |94 − 90| / √2 = 2.83; HM of 92 and 82 = 86.71.
        #expect(lines[3] == "caltech101      CoOp            2   92.00 ±  2.83   82.00 ±  2.83   86.71", "\(report.table)")
        #expect(lines[4] == "dtd             CoOp            2   72.00 ±  2.83   55.00 ±  7.07   62.36", "\(report.table)")
        #expect(report.csv.contains("\naverage,CoOp,,82.0000,,68.5000,,74.6445\n"), "\(report.csv)")
    }

    @Test func crossDatasetTrainsOnImageNetOnceAndTestsItsPromptsOnEveryTarget() throws {
        BLAS.setThreadCount(1)
        let data = try StandardLayout.make(at: Self.temporary("data"), imageNet: true), out = Self.temporary("out")
        defer { for d in [data, out] { try? FileManager.default.removeItem(atPath: d) } }
        let imagenet = Self.dataset(.imageNet, data), caltech = Self.dataset(.caltech101, data), pets = Self.dataset(.oxfordPets, data)
        var sweep = Self.small(Sweep(modelDirectory: fixture("tiny-clip"), pairsFile: nil, root: out, setting: .crossDataset,
                                     runs: Self.runs([imagenet], targets: [caltech], zeroShot: false, seeds: [1])))
        try sweep.run(communicator: LocalCommunicator()) { _ in }
        let trained = "\(out)/imagenet/CoOp/tiny_2shots/seed1"
        #expect(FileManager.default.fileExists(atPath: trained + "/prompts.safetensors"))
        let trainedLog = try Self.text(trained + "/log.txt")

        // Adding a target keeps the ImageNet training and the first target's evaluation.
        sweep.runs = Self.runs([imagenet], targets: [caltech, pets], zeroShot: false, seeds: [1])
        var lines: [String] = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(try Self.text(trained + "/log.txt") == trainedLog, "the ImageNet run was redone")
        #expect(lines.count == 1 && lines[0].contains(" done: imagenet ") && lines[0].contains("caltech101 ") && lines[0].contains("oxford_pets "), "\(lines)")

        let report = try SweepReport(sweep)
        for target in ["caltech101", "oxford_pets"] {
            let dir = "\(out)/evaluation/CoOp/tiny_2shots/\(target)/seed1"
            let accuracy = try EvaluationRecord.accuracy(inFile: dir + "/results.json", subset: .all)
            // xd_test.sh's logs: parse_test_res.py --test-log.
            #expect(ParseTestRes.accuracy(log: try Self.text(dir + "/log.txt"), endSignal: ParseTestRes.testLogEndSignal) == Self.shown(accuracy))
            #expect(report.rows.first { $0.dataset == target }?.base == [accuracy])
            // The prompts tested are the ImageNet run's, on the target's own 6 classes.
            let results = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json")))
            #expect(results["prompts"]?.stringValue == trained + "/prompts.safetensors" && results["all"]?["classes"]?.intValue == 6)
        }
        // The average is over the targets, not the ImageNet source.
        let targets = report.rows.filter { !$0.isSource }.map { $0.base[0] }
        #expect(report.rows.filter(\.isSource).map(\.dataset) == ["imagenet"] && targets.count == 2)
        #expect(abs(report.average(of: "CoOp")!.base - targets.reduce(0, +) / 2) < 1e-9)
        #expect(report.table.contains("imagenet (source)") && report.table.contains("average (2)"), "\(report.table)")
    }

    @Test func aDataSetMissingFromTheRootIsNamedBeforeAnyRun() throws {
        let data = try StandardLayout.make(at: Self.temporary("data")), out = Self.temporary("out")
        defer { for d in [data, out] { try? FileManager.default.removeItem(atPath: d) } }
        let sweep = Self.small(Sweep(modelDirectory: fixture("tiny-clip"), pairsFile: nil, root: out, setting: .fewShot,
                                     runs: Self.runs([Self.dataset(.caltech101, data), Self.dataset(.describableTextures, data)])))
        #expect { _ = try SweepCost.seconds(of: sweep.runs, in: sweep, scale: 1) } throws: { error in
            "\(error)".contains("\(data)/dtd/split_zhou_DescribableTextures.json") && "\(error)".contains("not found")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

/// GRAM rows: the meta-trainings first (one per variant and seed, on the pairs' features
/// computed once), then every data set's run from them.
@Suite struct SweepGRAMTests {
    @Test func gramMetaTrainsOncePerSeedAndEveryDataSetStartsFromIt() throws {
        BLAS.setThreadCount(1)
        let data = try StandardLayout.make(at: SweepProtocolTests.temporary("data")), out = SweepProtocolTests.temporary("out")
        defer { for d in [data, out] { try? FileManager.default.removeItem(atPath: d) } }
        let split = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("tinyshapes/split_zhou_TinyShapes.json")))) as! [String: [[Any]]]
        let pairs = (split["train"]! + split["test"]!).map { "\(fixture("tinyshapes"))/\($0[0] as! String)\ta photo of a \($0[2] as! String)" }
        try (pairs.joined(separator: "\n") + "\n").write(toFile: out + "-pairs.tsv", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: out + "-pairs.tsv") }
        let coop: JSONValue = .object(JSONObject([("n_ctx_text", .int(4)), ("n_ctx_vision", .int(0)), ("depth_text", .int(1)), ("depth_vision", .int(0))]))
        let datasets = [SweepProtocolTests.dataset(.caltech101, data), SweepProtocolTests.dataset(.oxfordPets, data)]
        var sweep = SweepProtocolTests.small(Sweep(
            modelDirectory: fixture("tiny-clip"), pairsFile: out + "-pairs.tsv", root: out + "/base2new", setting: .base2new,
            runs: datasets.map { SweepRun(name: "GRAM_CoOp", seed: 1, kind: .trainFromGRAM(gram: "GRAM_CoOp", method: "coop", config: coop), cost: 1,
                                          dataset: $0, config: "tiny") }))
        sweep.gramRuns = [GRAMRun(name: "GRAM_CoOp", seed: 1, config: coop, cost: 1)]
        sweep.gramRoot = out + "/gram"
        sweep.gramSteps = 3
        (sweep.gramDomains, sweep.gramClassesPerDomain, sweep.gramWays) = (2, 3, 2)
        var lines: [String] = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        let start = out + "/gram/GRAM_CoOp/seed1/prompts.safetensors"
        #expect(FileManager.default.fileExists(atPath: start) && FileManager.default.fileExists(atPath: out + "/gram/features.safetensors"))
        #expect(lines.contains { $0.contains("GRAM_CoOp seed 1 meta-trained") }, "\(lines)")
        for d in ["caltech101", "oxford_pets"] {
            let config = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: "\(out)/base2new/train_base/\(d)/shots_2/GRAM_CoOp/tiny/seed1/config.json")))
            #expect(config["init"]?.stringValue == start, "\(d)")
        }
        #expect(try SweepReport(sweep).rows.count == 2)
        // Resubmitted: the meta-training and both runs are kept.
        lines = []
        try sweep.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.contains { $0.contains("GRAM_CoOp seed 1 kept") } && lines.filter { $0.contains(" kept ") }.count == 3, "\(lines)")
    }
}
