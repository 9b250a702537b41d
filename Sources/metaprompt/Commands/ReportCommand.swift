import CLIPAdapter
import Evaluation
import Foundation
import TensorIO
import Training

/// `metaprompt report`: the base/new/HM table of several methods over seeds.
struct ReportCommand: Command {
    static let configuration = CommandConfiguration(
        name: "report",
        summary: "base/new/HM table, chart and curves of runs over methods and seeds",
        discussion: """
            Reads the base-to-new tree under DIR as CoOp's scripts lay it out and 'metaprompt train'
            (+ 'eval --subsample new'), 'world compare' and the sweeps write it:
                DIR/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/results.json  (base)
                DIR/test_new/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/results.json    (new)
            and prints base / new / HM accuracy per method as the mean over seeds ± a spread:
                --std sample       sample standard deviation, n − 1 (default)
                --std population   population standard deviation, n: numpy's np.std, what
                                   parse_test_res.py prints
                --ci95             1.96 · population std / √n, parse_test_res.py --ci95
            The table's header names the spread. --paired A:B adds A − B paired by seed (base, new,
            HM): the mean difference over the seeds both have and its 95 % t-interval. With --output it writes summary.json (every
            spread, and the per-seed values), chart.svg (bars per method, whiskers the chosen
            spread) and curves.svg (the first seed's losses per method).
            """)

    /// `--std`'s words.
    enum Deviation: String, EnumeratedOptionValue {
        case sample, population
    }

    @Option(valueName: "DIR", help: "the base-to-new tree") var runs: String
    @Option(valueName: "m1,m2,...", help: "the methods' order in the table (the others follow)") var order: CommaSeparated<String> = []
    @Option(help: "the spread over seeds: sample or population standard deviation") var std: Deviation = .sample
    @Flag(help: "the spread is the 95 % interval half-width instead") var ci95 = false
    @Option(valueName: "DIR", help: "where to write summary.json, chart.svg and curves.svg") var output: String?
    @Option(valueName: "A:B", help: "also A − B paired by seed with its 95 % t-interval (repeatable), e.g. --paired prometar:ivlp")
    var paired: [String]

    @Option(valueName: "TEXT", help: "the title of chart.svg") var title: String = "Base-to-new accuracy"

    func validate() throws {
        if $std.isGiven && ci95 { throw UsageError("give at most one of --std and --ci95") }
        for p in paired where p.split(separator: ":", omittingEmptySubsequences: false).count != 2 || p.hasPrefix(":") || p.hasSuffix(":") {
            throw UsageError("--paired takes METHOD:BASELINE, got '\(p)'")
        }
    }

    func run() throws {
        let spread: RunReport.Spread = ci95 ? .ci95 : std == .population ? .populationStd : .sampleStd
        var report = try RunReport(root: runs, order: order.elements)
        report.spread = spread
        report.title = title
        print(report.table)
        let pairs = paired.map { p in (method: String(p.split(separator: ":")[0]), baseline: String(p.split(separator: ":")[1])) }
        for p in pairs where report.paired(p.method, minus: p.baseline) == nil {
            throw InputError(description: "--paired \(p.method):\(p.baseline): \(runs) has no rows of both with a common seed (rows: \(report.rows.map(\.method).joined(separator: ", ")))")
        }
        if !pairs.isEmpty { print("\n" + report.pairedTable(pairs)) }
        if let output {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try AtomicFile.write(report.json.serialized(pretty: true) + "\n", to: (output as NSString).appendingPathComponent("summary.json"))
            try AtomicFile.write(report.chartSVG, to: (output as NSString).appendingPathComponent("chart.svg"))
            try AtomicFile.write(report.curvesSVG, to: (output as NSString).appendingPathComponent("curves.svg"))
        }
    }
}
