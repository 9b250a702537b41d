import Foundation
import TensorIO
import Testing
import TestSupport

@Suite struct ReportCommandTests {
    let binary = metapromptExecutable()

    /// A base-to-new tree as train + eval write it: base in train_base, new in test_new.
    static func tree() throws -> String {
        let root = NSTemporaryDirectory() + "metaprompt-report-\(UUID().uuidString)"
        let runs: [(String, Int, Double, Double)] = [("coop", 1, 80, 60), ("coop", 2, 82, 62), ("ivlp", 1, 70, 70)]
        for (method, seed, base, new) in runs {
            let dir = "\(root)/runs/train_base/tinyshapes/shots_16/\(method)/cfg/seed\(seed)"
            let newDir = "\(root)/runs/test_new/tinyshapes/shots_16/\(method)/cfg/seed\(seed)"
            for d in [dir, newDir] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
            try "{\"base\": {\"accuracy\": \(base)}}".write(toFile: dir + "/results.json", atomically: true, encoding: .utf8)
            try "{\"accuracy\": \(new), \"subsample\": \"new\"}".write(toFile: newDir + "/results.json", atomically: true, encoding: .utf8)
            try "{\"step\": 1, \"loss.ce\": 2.0}\n{\"step\": 2, \"loss.ce\": 1.5}\n".write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        }
        // A seed whose new-class run is missing is left out.
        let lone = "\(root)/runs/train_base/tinyshapes/shots_16/ivlp/cfg/seed2"
        try FileManager.default.createDirectory(atPath: lone, withIntermediateDirectories: true)
        try "{\"base\": {\"accuracy\": 10}}".write(toFile: lone + "/results.json", atomically: true, encoding: .utf8)
        return root
    }

    @Test func tableShowsMeanAndSampleStdOverSeedsAndWritesFiles() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try runProcess(binary, ["report", "--runs", root + "/runs", "--order", "ivlp,coop", "--output", root + "/out"])
        #expect(r.status == 0, "\(r)")
        // coop: base 81 ± 1.41 (sample std of 80, 82), new 61 ± 1.41, HM of each seed averaged.
        let hm1 = 2 * 80.0 * 60 / 140, hm2 = 2 * 82.0 * 62 / 144
        let hmStd = abs(hm1 - hm2) / 2.0.squareRoot()
        #expect(r.stdout == """
            accuracy (%), mean ± sample std over seeds
            method                 seeds   base             new              HM
            ivlp                       1    70.00 ±  0.00    70.00 ±  0.00    70.00 ±  0.00
            coop                       2    81.00 ±  1.41    61.00 ±  1.41   \(String(format: "%6.2f ± %5.2f", (hm1 + hm2) / 2, hmStd))

            """, "\(r)")
        for file in ["summary.json", "chart.svg", "curves.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/out/\(file)"), "\(file)")
        }
        let chart = try String(contentsOfFile: root + "/out/chart.svg", encoding: .utf8)
        #expect(chart.hasPrefix("<svg") && chart.contains(">coop</text>") && chart.contains(">ivlp</text>") && chart.contains("sample std"))
    }

    /// --paired: coop − ivlp over their common seed (seed 1: ivlp's seed 2 has no new-class
    /// run), so one seed and no interval; a pair with no such rows is an error naming them.
    @Test func pairedDifferencesOverCommonSeeds() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try runProcess(binary, ["report", "--runs", root + "/runs", "--paired", "coop:ivlp"])
        #expect(r.status == 0, "\(r)")
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("coop − ivlp") })
        #expect(line.contains("    1  +10.00 (1 seed)") && line.contains("-10.00 (1 seed)"), "\(r.stdout)")
        let bad = try runProcess(binary, ["report", "--runs", root + "/runs", "--paired", "coop:vpt"])
        #expect(bad.status == 1 && bad.stderr.contains("--paired coop:vpt: \(root)/runs has no rows of both with a common seed (rows: coop, ivlp)"), "\(bad)")
        let malformed = try runProcess(binary, ["report", "--runs", root + "/runs", "--paired", "coop"])
        #expect(malformed.status == 64 && malformed.stderr.contains("--paired takes METHOD:BASELINE, got 'coop'"), "\(malformed)")
    }

    /// parse_test_res.py's statistics: np.std (population) and 1.96·np.std/√n.
    @Test(arguments: [(["--std", "population"], "population std", 1.0), (["--ci95"], "95% CI (1.96·std/√n)", 1.96 / 2.0.squareRoot()),
                      (["--std", "sample"], "sample std", 2.0.squareRoot())])
    func populationStdAndCI95AreTheParserStatistics(flags: [String], header: String, coopSpread: Double) throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try runProcess(binary, ["report", "--runs", root + "/runs", "--output", root + "/out"] + flags)
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "accuracy (%), mean ± \(header) over seeds", "\(r)")
        #expect(lines.contains { $0.hasPrefix("coop ") && $0.contains(String(format: "81.00 ± %5.2f    61.00 ± %5.2f", coopSpread, coopSpread)) }, "\(r)")
        let json = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: root + "/out/summary.json")))
        func base(_ key: String) -> Double { json["coop"]?["base"]?[key]?.doubleValue ?? .nan }
        // Every spread is in the file whatever the table shows; values to Double rounding.
        #expect(abs(base("population_std") - 1) < 1e-12 && abs(base("sample_std") - 2.0.squareRoot()) < 1e-12
                && abs(base("ci95") - 1.96 / 2.0.squareRoot()) < 1e-12 && abs(base("std") - coopSpread) < 1e-12)
        #expect(json["coop"]?["base"]?["values"]?.arrayValue?.compactMap(\.doubleValue) == [80, 82] && json["spread"]?.stringValue == header)
    }

    @Test func badSpreadOptionsAreUsageErrors() throws {
        let a = try runProcess(binary, ["report", "--runs", "x", "--std", "median"])
        #expect(a.status == 64 && a.stderr.contains("--std must be sample or population, got 'median'"), "\(a)")
        let b = try runProcess(binary, ["report", "--runs", "x", "--std", "sample", "--ci95"])
        #expect(b.status == 64 && b.stderr.contains("give at most one of --std and --ci95"), "\(b)")
        let c = try runProcess(binary, ["report", "--runs", NSTemporaryDirectory()])
        #expect(c.status == 1 && c.stderr.contains("no train_base/ directory"), "\(c)")
    }
}
