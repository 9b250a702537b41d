import AutoDiff
import CLIPAdapter
import Distributed
import Evaluation
import Foundation
import Synchronization
import TensorIO
import TestSupport
import Testing
import Training

@Suite struct SweepAssignmentTests {
    /// Costs like the demo's (one zero-shot, cheap trainings, two ProMetaR) over three seeds.
    static let costs: [Double] = (0..<3).flatMap { _ in [1, 10, 10, 12, 40, 40, 12, 12] }

    @Test(arguments: [1, 2, 3, 4, 7])
    func everyRunGoesToExactlyOneRankInSweepOrder(ranks: Int) {
        let lists = Sweep.assignment(costs: Self.costs, ranks: ranks)
        #expect(lists.count == ranks)
        #expect(lists.flatMap { $0 }.sorted() == Array(Self.costs.indices))
        for list in lists { #expect(list == list.sorted(), "a rank's runs keep the sweep's order") }
    }

    @Test func longestFirstBalancesTwoRanksWithinTheLargestRun() {
        let lists = Sweep.assignment(costs: Self.costs, ranks: 2)
        let loads = lists.map { $0.reduce(0) { $0 + Self.costs[$1] } }
        // Greedy longest-first leaves the two loads at most one run's cost apart.
        #expect(abs(loads[0] - loads[1]) <= Self.costs.max()!, "loads \(loads)")
        #expect(loads[0] + loads[1] == Self.costs.reduce(0, +))
    }

    @Test func assignmentDependsOnlyOnCostsAndRanks() {
        #expect(Sweep.assignment(costs: Self.costs, ranks: 3) == Sweep.assignment(costs: Self.costs, ranks: 3))
        #expect(Sweep.assignment(costs: [5, 5, 5], ranks: 2) == [[0, 2], [1]])
    }
}

/// A real sweep on the shipped fixtures (tiny CLIP, tinyshapes: 3 base and 3 new classes).
@Suite struct SweepRunTests {
    static func sweep(root: String, data: String) -> Sweep {
        let coop: JSONValue = .object(JSONObject([("n_ctx_text", .int(4)), ("prompt_optim", .object(JSONObject([("lr", .double(0.01))])))]))
        let tinyshapes = SweepDataset(name: "tinyshapes", source: .custom(splitFile: data + "/split_zhou_TinyShapes.json", imageRoot: data))
        var sweep = Sweep(
            modelDirectory: fixture("tiny-clip"), pairsFile: nil, root: root, setting: .base2new,
            runs: [SweepRun(name: "zeroshot", seed: 1, kind: .zeroShot(template: "a photo of a {}."), cost: 1, dataset: tinyshapes, config: "ep1_batch2"),
                   SweepRun(name: "coop", seed: 1, kind: .train(method: "coop", config: coop), cost: 5, dataset: tinyshapes, config: "ep1_batch2"),
                   SweepRun(name: "coop", seed: 2, kind: .train(method: "coop", config: coop), cost: 5, dataset: tinyshapes, config: "ep1_batch2")])
        sweep.shots = 2
        sweep.batchSize = 2
        sweep.epochs = 1
        return sweep
    }

    /// Copies the fixture dataset, since training writes its few-shot cache beside the split.
    static func dataset() throws -> String {
        let data = NSTemporaryDirectory() + "sweep-data-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: data)
        return data
    }

    /// Every run's results, prompts and logs (both halves), by path under the root.
    static func files(_ root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let base = "train_base/tinyshapes/shots_2", new = "test_new/tinyshapes/shots_2"
        for run in ["zeroshot/ep1_batch2/seed1", "coop/ep1_batch2/seed1", "coop/ep1_batch2/seed2"] {
            var files = ["\(base)/\(run)/results.json", "\(new)/\(run)/results.json", "\(new)/\(run)/log.txt"]
            if !run.hasPrefix("zeroshot") { files.append("\(base)/\(run)/prompts.safetensors") }
            for file in files { out[file] = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(file)")) }
        }
        return out
    }

    /// Both copies of parse_test_res.py, as the READMEs run them, read the base accuracy from
    /// every train_base log and the new accuracy from every test_new log.
    @Test func parseTestResReadsBaseFromTrainBaseAndNewFromTestNew() throws {
        BLAS.setThreadCount(1)
        let data = try Self.dataset(), root = NSTemporaryDirectory() + "sweep-parse-\(UUID().uuidString)"
        defer { for d in [data, root] { try? FileManager.default.removeItem(atPath: d) } }
        let sweep = Self.sweep(root: root, data: data)
        try sweep.run(communicator: LocalCommunicator()) { _ in }
        for run in sweep.runs {
            let dir = sweep.directory(of: run), newDir = sweep.newClassDirectory(of: run)!
            let log = try String(contentsOfFile: dir + "/log.txt", encoding: .utf8)
            let newLog = try String(contentsOfFile: newDir + "/log.txt", encoding: .utf8)
            let results = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json")))
            // The log prints two decimals: the parser's number is the rounded accuracy.
            func shown(_ x: Double?) -> Double? { x.map { (($0 * 100).rounded()) / 100 } }
            let base = shown(results["base"]?["accuracy"]?.doubleValue), new = shown(results["new"]?["accuracy"]?.doubleValue)
            #expect(base != nil && new != nil)
            // Zero-shot runs are evaluation-only (CoOp's ZeroshotCLIP): read with --test-log.
            let signals = run.name == "zeroshot" ? [ParseTestRes.testLogEndSignal]
                : [ParseTestRes.coopEndSignal, ParseTestRes.proMetaREndSignal, ParseTestRes.testLogEndSignal]
            for signal in signals { #expect(ParseTestRes.accuracy(log: log, endSignal: signal) == base, "\(run.name) seed \(run.seed), '\(signal)': \(log)") }
            #expect(ParseTestRes.accuracy(log: newLog, endSignal: ParseTestRes.testLogEndSignal) == new, "\(newLog)")
        }
    }

    /// The files of `one` and `two` that must match, compared (results.json names its
    /// prompts file, whose path holds the root: the rest of it is compared).
    static func expectSameRuns(_ one: String, _ two: String, _ what: String) throws {
        let a = try files(one), b = try files(two)
        for (name, bytes) in a {
            if name.hasSuffix("results.json") {
                let strip = { (d: Data, root: String) in String(decoding: d, as: UTF8.self).replacingOccurrences(of: root, with: "ROOT") }
                #expect(strip(bytes, one) == strip(b[name]!, two), "\(name) differs: \(what)")
            } else {
                #expect(bytes == b[name]!, "\(name) differs: \(what)")
            }
        }
    }

    /// Two ranks as one run group (`ranksPerRun` 2) run every run together and write what
    /// one rank writes; only the group's rank 0 reports.
    @Test func aRunGroupWritesTheSameRunsAsOneRank() throws {
        BLAS.setThreadCount(1)
        let data = try Self.dataset()
        let one = NSTemporaryDirectory() + "sweep-one-\(UUID().uuidString)", group = NSTemporaryDirectory() + "sweep-group-\(UUID().uuidString)"
        defer { for d in [data, one, group] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.sweep(root: one, data: data).run(communicator: LocalCommunicator()) { _ in }
        let job = { @Sendable in
            try inProcessJob(ranks: 2) { communicator in
                var sweep = Self.sweep(root: group, data: data)
                sweep.ranksPerRun = 2
                var lines: [String] = []
                try sweep.run(communicator: communicator) { lines.append($0) }
                return lines
            }
        }
        var lines = try job()
        #expect(lines[0].count == 3 && lines[0].allSatisfy { $0.hasPrefix("[ranks 0-1: ") && $0.contains(" done: ") } && lines[1].isEmpty, "\(lines)")
        try Self.expectSameRuns(one, group, "one rank, and a group of two")
        // The group's rank 0 decides what is kept, for the whole group.
        lines = try job()
        #expect(lines[0].count == 3 && lines[0].allSatisfy { $0.contains(" kept ") } && lines[1].isEmpty, "\(lines)")
    }

    @Test func twoRanksWriteTheSameRunsAsOneAndARerunKeepsThem() throws {
        BLAS.setThreadCount(1)
        let data = try Self.dataset()
        let one = NSTemporaryDirectory() + "sweep-one-\(UUID().uuidString)", two = NSTemporaryDirectory() + "sweep-two-\(UUID().uuidString)"
        defer { for d in [data, one, two] { try? FileManager.default.removeItem(atPath: d) } }

        try Self.sweep(root: one, data: data).run(communicator: LocalCommunicator()) { _ in }
        let report = try RunReport(root: one, order: ["zeroshot", "coop"])
        #expect(report.rows.map(\.method) == ["zeroshot", "coop"])
        #expect(report.rows.map(\.seeds) == [1, 2])

        let group = InProcessGroup(size: 2)
        let failures = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        for rank in 0..<2 {
            Thread {
                do { try Self.sweep(root: two, data: data).run(communicator: InProcessCommunicator(group: group, rank: rank)) { _ in } } catch {
                    failures.withLock { $0.append("rank \(rank): \(error)") }
                }
                done.signal()
            }.start()
        }
        for _ in 0..<2 { done.wait() }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        try Self.expectSameRuns(one, two, "one rank, and two")

        // A rerun with the same settings keeps every run; other settings redo them.
        var lines: [String] = []
        try Self.sweep(root: one, data: data).run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.count == 3 && lines.allSatisfy { $0.contains(" kept ") }, "\(lines)")
        var changed = Self.sweep(root: one, data: data)
        changed.epochs = 2
        changed.runs = [changed.runs[1]]
        lines = []
        try changed.run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.count == 1 && lines[0].contains(" done: "), "\(lines)")

        // A regenerated data set (the split list rewritten: a new modification time) redoes them too.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)],
                                              ofItemAtPath: data + "/split_zhou_TinyShapes.json")
        lines = []
        try Self.sweep(root: one, data: data).run(communicator: LocalCommunicator()) { lines.append($0) }
        #expect(lines.count == 3 && lines.allSatisfy { $0.contains(" done: ") }, "\(lines)")
    }
}
