import Foundation
import TensorIO
import Training

/// `metaprompt report`: the base/new/HM table of several methods over seeds.
enum ReportCommand: Command {
    static let name = "report"
    static let summary = "base/new/HM table, chart and curves of runs over methods and seeds"
    static let usage = """
        usage: metaprompt report --runs DIR [--order m1,m2,...] [--output DIR]

        Reads DIR/<method>/seed<S>/results.json (and metrics.jsonl) as 'metaprompt train' writes
        them, prints base / new / HM accuracy as mean ± sample standard deviation over seeds, and
        with --output writes summary.json, chart.svg (bars per method) and curves.svg (the first
        seed's losses per method).
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["runs", "order", "output"])
        if args.wantsHelp { print(usage); return }
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        let report = try RunReport(root: try args.required("runs"), order: (args.string("order") ?? "").split(separator: ",").map(String.init))
        print(report.table)
        if let output = args.string("output") {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try AtomicFile.write(report.json.serialized(pretty: true) + "\n", to: (output as NSString).appendingPathComponent("summary.json"))
            try AtomicFile.write(report.chartSVG, to: (output as NSString).appendingPathComponent("chart.svg"))
            try AtomicFile.write(report.curvesSVG, to: (output as NSString).appendingPathComponent("curves.svg"))
        }
    }
}
