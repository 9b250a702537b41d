import Evaluation
import Testing

@Suite struct PairedDifferenceTests {
    /// Student's t quantiles from scipy 1.17 (`scipy.stats.t.ppf`), computed once by hand. The
    /// bisection runs to the double's resolution and the continued fraction to 1e-15, so 1e-9
    /// relative leaves room only for the last bits of lgamma and exp.
    @Test(arguments: [(1.0, 0.975, 12.706204736174694), (2, 0.975, 4.302652729749462), (4, 0.975, 2.7764451051977934),
                      (9, 0.975, 2.262157162798205), (29, 0.975, 2.045229642132703), (100, 0.975, 1.9839715185235518),
                      (4, 0.995, 4.604094871349992)])
    func tQuantilesMatchScipy(df: Double, p: Double, expected: Double) {
        let t = PairedDifference.tQuantile(p, degreesOfFreedom: df)
        #expect(abs(t - expected) <= 1e-9 * expected, "t(\(p), \(df)) = \(t), scipy \(expected)")
    }

    /// Differences 2, 1, 3, 1, 4: mean 2.2, s = √1.7 = 1.30384, half-width 2.776445 · s / √5 =
    /// 1.618932 (by hand with Python's statistics module): [0.581, 3.819], above zero.
    @Test func fiveSeedsOfHandComputedDifferences() {
        let d = PairedDifference([70, 72, 75, 71, 74], minus: [68, 71, 72, 70, 70])
        #expect(d.seeds == 5 && abs(d.mean - 2.2) < 1e-12)
        #expect(abs(d.halfWidth! - 1.6189317847087028) < 1e-9)
        #expect(d.isDistinguishableFromZero && d.text == "+2.20 [+0.58, +3.82]")
    }

    /// Differences 1, −2, 0.5: mean −0.1667, half-width 4.302653 · 1.607275 / √3 = 3.99269:
    /// the interval holds zero.
    @Test func anIntervalAroundZeroIsNotDistinguishable() {
        let d = PairedDifference([51, 48, 50.5], minus: [50, 50, 50])
        #expect(abs(d.halfWidth! - 3.9926927558722176) < 1e-8)
        #expect(!d.isDistinguishableFromZero && d.text == "-0.17 [-4.16, +3.83]")
        let one = PairedDifference([3], minus: [1])
        #expect(one.halfWidth == nil && !one.isDistinguishableFromZero && one.text == "+2.00 (1 seed)")
    }
}

import Foundation

/// `RunReport.paired` on a tree written by hand: the pairs are by seed folder, over the seeds
/// both methods have.
@Suite struct RunReportPairedTests {
    @Test func differencesPairTheSeedsBothMethodsHave() throws {
        let root = NSTemporaryDirectory() + "paired-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        // (method, seed, base, new); b lacks seed3.
        let runs: [(String, Int, Double, Double)] = [("a", 1, 80, 70), ("a", 2, 82, 74), ("a", 3, 90, 90), ("b", 1, 78, 69), ("b", 2, 81, 70)]
        for (method, seed, base, new) in runs {
            for (part, json) in [("train_base", "{\"base\": {\"accuracy\": \(base)}}"), ("test_new", "{\"accuracy\": \(new), \"subsample\": \"new\"}")] {
                let dir = "\(root)/\(part)/d/shots_16/\(method)/cfg/seed\(seed)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try json.write(toFile: dir + "/results.json", atomically: true, encoding: .utf8)
            }
        }
        let report = try RunReport(root: root, order: ["a", "b"])
        let p = try #require(report.paired("a", minus: "b"))
        #expect(p.seeds == ["seed1", "seed2"])
        // base: 2 and 1; new: 1 and 4.
        #expect(p.base == PairedDifference([80, 82], minus: [78, 81]) && abs(p.base.mean - 1.5) < 1e-12)
        #expect(p.new == PairedDifference([70, 74], minus: [69, 70]) && abs(p.new.mean - 2.5) < 1e-12)
        let hm = { (b: Double, n: Double) in 2 * b * n / (b + n) }
        #expect(abs(p.harmonicMean.mean - ((hm(80, 70) - hm(78, 69)) + (hm(82, 74) - hm(81, 70))) / 2) < 1e-12)
        #expect(report.paired("a", minus: "c") == nil)
        let table = report.pairedTable([("a", "b"), ("a", "c")]).split(separator: "\n")
        #expect(table.count == 7 && table[2].hasPrefix("a − b") && table[2].contains("    2  +1.50 ["), "\(table)")
        // base: d = 2, 1: 1.5 ± 12.71·0.71/√2 = [−4.85, +7.85]; nothing excludes 0.
        #expect(table[3...] == ["distinguishable from 0 at 95 % (the interval excludes 0):", "  base: none", "  new: none", "  HM: none"], "\(table)")
    }
}
