import Foundation
import Testing
import TestSupport

@Suite struct ReportCommandTests {
    let binary = metapromptExecutable()

    @Test func tableShowsMeanAndSampleStdOverSeedsAndWritesFiles() throws {
        let root = NSTemporaryDirectory() + "metaprompt-report-\(UUID().uuidString)"
        let runs: [(String, Int, Double, Double)] = [("coop", 1, 80, 60), ("coop", 2, 82, 62), ("ivlp", 1, 70, 70)]
        for (method, seed, base, new) in runs {
            let dir = "\(root)/runs/\(method)/seed\(seed)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "{\"base\": {\"accuracy\": \(base)}, \"new\": {\"accuracy\": \(new)}}".write(toFile: dir + "/results.json", atomically: true, encoding: .utf8)
            try "{\"step\": 1, \"loss.ce\": 2.0}\n{\"step\": 2, \"loss.ce\": 1.5}\n".write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        }
        let r = try runProcess(binary, ["report", "--runs", root + "/runs", "--order", "ivlp,coop", "--output", root + "/out"])
        #expect(r.status == 0, "\(r)")
        // coop: base 81 ± 1.41 (sample std of 80, 82), new 61 ± 1.41, HM of each seed averaged.
        let hm1 = 2 * 80.0 * 60 / 140, hm2 = 2 * 82.0 * 62 / 144
        let hmStd = abs(hm1 - hm2) / 2.0.squareRoot()
        #expect(r.stdout == """
            method                 seeds   base             new              HM
            ivlp                       1    70.00 ±  0.00    70.00 ±  0.00    70.00 ±  0.00
            coop                       2    81.00 ±  1.41    61.00 ±  1.41   \(String(format: "%6.2f ± %5.2f", (hm1 + hm2) / 2, hmStd))

            """, "\(r)")
        for file in ["summary.json", "chart.svg", "curves.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/out/\(file)"), "\(file)")
        }
        let chart = try String(contentsOfFile: root + "/out/chart.svg", encoding: .utf8)
        #expect(chart.hasPrefix("<svg") && chart.contains(">coop</text>") && chart.contains(">ivlp</text>"))
    }
}
