import Evaluation
import Foundation
import Testing

/// chart.svg and curves.svg from a hand-written tree: what they draw, computed by hand.
@Suite struct RunReportFiguresTests {
    /// Method `a` with two seeds and metrics, `zs` (as zero-shot) with two seeds and none.
    static func tree() throws -> String {
        let root = NSTemporaryDirectory() + "figures-\(UUID().uuidString)"
        let metrics = [1: [(10, 1, 2.0, 0.5), (20, 1, 4.0, 0.5), (30, 2, 1.0, 0.25)],
                       2: [(10, 1, 3.0, 0.5), (20, 1, 5.0, 0.5), (30, 2, 2.0, 0.25)]]
        for (method, seed, base, new) in [("a", 1, 50.0, 40.0), ("a", 2, 54.0, 44.0), ("zs", 1, 30.0, 35.0), ("zs", 2, 30.0, 35.0)] {
            for (part, json) in [("train_base", "{\"base\": {\"accuracy\": \(base)}}"), ("test_new", "{\"accuracy\": \(new), \"subsample\": \"new\"}")] {
                let dir = "\(root)/\(part)/d/shots_16/\(method)/cfg/seed\(seed)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try json.write(toFile: dir + "/results.json", atomically: true, encoding: .utf8)
                if method == "a" && part == "train_base" {
                    let lines = metrics[seed]!.map { step, epoch, ce, reg in
                        "{\"step\": \(step), \"epoch\": \(epoch), \"lr\": 0.01, \"loss.ce\": \(ce), \"loss.text_reg\": \(reg), \"loss.image_reg\": \(reg)}"
                    }
                    try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
                }
            }
        }
        return root
    }

    @Test func lossPerEpochIsTheMeanOverSeedsOfEachSeedsEpochMean() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let report = try RunReport(root: root, order: ["zs", "a"])
        #expect(report.logged["a"]?.map(\.count) == [3, 3] && report.logged["zs"]?.map(\.count) == [0, 0])
        let svg = report.curvesSVG
        #expect(svg.contains(">Training loss per epoch</text>") && svg.contains("every 10th step") && svg.contains("over 2 seeds"))
        #expect(svg.contains(">epoch</text>") && svg.contains(">loss</text>") && svg.contains("(a) cross-entropy"))
        // The legend names the methods with curves only.
        #expect(svg.contains(">a</text>") && !svg.contains(">zs</text>"))
        // loss.ce, epoch 1: seed means (2 + 4)/2 = 3 and (3 + 5)/2 = 4 → 3.5 ± √½ over seeds;
        // epoch 2: 1 and 2 → 1.5 ± √½. The y axis runs 0…5 (ticks of 1; the highest mean + std
        // is 4.21) over 260 px up from y = 346: 3.5 at 164.0, its whisker 127.2…200.8; 1.5 at
        // 268.0, 231.2…304.8.
        #expect(svg.contains("cy=\"164.0\"") && svg.contains("y1=\"127.2\" y2=\"200.8\""), "\(svg)")
        #expect(svg.contains("cy=\"268.0\"") && svg.contains("y1=\"231.2\" y2=\"304.8\""), "\(svg)")
    }

    @Test func chartHasItsTitleAxisLegendAndEverySeed() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var report = try RunReport(root: root, order: ["zs", "a"])
        report.title = "A <title>"
        let svg = report.chartSVG
        #expect(svg.contains(">A &lt;title&gt;</text>") && svg.contains(">accuracy on the test set (%)</text>"))
        #expect(svg.contains("mean over 2 seeds per method; whiskers: ± sample std over seeds; dots: the seeds"))
        #expect(svg.contains(">base classes</text>") && svg.contains(">new classes</text>") && svg.contains(">HM of base and new</text>"))
        // Three bars per method, each with one dot per seed.
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2 * 3 * 2)
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == 2 * 3 + 3)  // bars and legend keys
    }
}
