import CLIPAdapter
import Evaluation
import Foundation
import TensorIO
import Training

/// `metaprompt report`: the base/new/HM table of several methods over seeds.
enum ReportCommand: Command {
    static let name = "report"
    static let summary = "base/new/HM table, chart and curves of runs over methods and seeds"
    static let usage = """
        usage: metaprompt report --runs DIR [--order m1,m2,...] [--std sample|population | --ci95]
                                 [--output DIR]

        Reads the base-to-new tree under DIR as CoOp's scripts lay it out and 'metaprompt train'
        (+ 'eval --subsample new'), 'world compare' and the sweeps write it:
            DIR/train_base/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/results.json  (base)
            DIR/test_new/<dataset>/shots_<K>/<method>/<cfg>/seed<S>/results.json    (new)
        and prints base / new / HM accuracy per method as the mean over seeds ± a spread:
            --std sample       sample standard deviation, n − 1 (default)
            --std population   population standard deviation, n: numpy's np.std, what
                               parse_test_res.py prints
            --ci95             1.96 · population std / √n, parse_test_res.py --ci95
        The table's header names the spread. With --output it writes summary.json (every
        spread, and the per-seed values), chart.svg (bars per method, whiskers the chosen
        spread) and curves.svg (the first seed's losses per method).
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["runs", "order", "output", "std"], flags: ["ci95"])
        if args.wantsHelp { print(usage); return }
        guard args.positional.isEmpty else { throw UsageError("unexpected argument '\(args.positional[0])'") }
        var spread = RunReport.Spread.sampleStd
        switch (args.string("std"), args.has("ci95")) {
        case (nil, false), ("sample", false): break
        case ("population", false): spread = .populationStd
        case (nil, true): spread = .ci95
        case (_?, true): throw UsageError("give at most one of --std and --ci95")
        case (let other?, false): throw UsageError("--std must be sample or population, got '\(other)'")
        }
        var report = try RunReport(root: try args.required("runs"), order: (args.string("order") ?? "").split(separator: ",").map(String.init))
        report.spread = spread
        print(report.table)
        if let output = args.string("output") {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try AtomicFile.write(report.json.serialized(pretty: true) + "\n", to: (output as NSString).appendingPathComponent("summary.json"))
            try AtomicFile.write(report.chartSVG, to: (output as NSString).appendingPathComponent("chart.svg"))
            try AtomicFile.write(report.curvesSVG, to: (output as NSString).appendingPathComponent("curves.svg"))
        }
    }
}
