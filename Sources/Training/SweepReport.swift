import Evaluation
import Foundation
import TensorIO

/// A sweep's results as the papers tabulate them: per data set and method the mean over seeds,
/// and the average over data sets.
///
/// - Base-to-new (ProMetaR's Table 1, CoCoOp's Table 1): base and new accuracy, each the mean
///   over seeds, and HM, the harmonic mean of those two means; the average row holds the mean
///   over data sets of base and of new, and the HM of those.
/// - Few-shot, cross-dataset, domain generalisation: the accuracy on all classes, mean over
///   seeds. The average is over the test data sets: every data set for few-shot, the targets
///   (not the ImageNet source) for cross-dataset and domain generalisation, as the papers'
///   "Average" columns.
///
/// The spread is the sample standard deviation over seeds (n − 1; 0 for one seed) of the
/// per-seed values (for HM, of each seed's own HM).
public struct SweepReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var dataset: String
        public var method: String
        /// Whether the data set is a training source, outside the average (cross-dataset, DG).
        public var isSource: Bool
        /// By seed, in the sweep's seed order: base-to-new accuracies (%), or `all`'s in
        /// `base` with `new` empty.
        public var base: [Double]
        public var new: [Double]

        public var seeds: Int { base.count }
        public var perSeedHarmonicMean: [Double] { zip(base, new).map { EvaluationSummary.harmonicMean(base: $0, new: $1) } }
    }

    public var setting: SweepSetting
    public var rows: [Row]
    /// Methods and data sets in sweep order.
    public var methods: [String]
    public var datasets: [String]

    /// Reads every run's results.json (and its new-class and target twins). A run whose files
    /// are not all there is left out of its row.
    /// - Throws: ``EvaluationError/badResults(path:message:)`` for a results file without the
    ///   accuracy it should hold.
    public init(_ sweep: Sweep) throws {
        setting = sweep.setting
        var methods: [String] = [], datasets: [String] = []
        var rows: [Row] = []
        func add(_ dataset: String, _ method: String, isSource: Bool, base: Double, new: Double?) {
            if !methods.contains(method) { methods.append(method) }
            if !datasets.contains(dataset) { datasets.append(dataset) }
            if let i = rows.firstIndex(where: { $0.dataset == dataset && $0.method == method }) {
                rows[i].base.append(base)
                if let new { rows[i].new.append(new) }
            } else {
                rows.append(Row(dataset: dataset, method: method, isSource: isSource, base: [base], new: new.map { [$0] } ?? []))
            }
        }
        let fm = FileManager.default
        for run in sweep.runs {
            let file = sweep.directory(of: run) + "/results.json"
            switch sweep.setting {
            case .base2new:
                let newFile = sweep.newClassDirectory(of: run)! + "/results.json"
                guard fm.fileExists(atPath: file), fm.fileExists(atPath: newFile) else { continue }
                add(run.dataset.name, run.name, isSource: false, base: try EvaluationRecord.accuracy(inFile: file, subset: .base),
                    new: try EvaluationRecord.accuracy(inFile: newFile, subset: .new))
            case .fewShot, .crossDataset, .domainGeneralisation:
                guard fm.fileExists(atPath: file) else { continue }
                add(run.dataset.name, run.name, isSource: !run.targets.isEmpty, base: try EvaluationRecord.accuracy(inFile: file, subset: .all), new: nil)
                for target in run.targets {
                    let targetFile = sweep.directory(of: run, on: target) + "/results.json"
                    guard fm.fileExists(atPath: targetFile) else { continue }
                    add(target.name, run.name, isSource: false, base: try EvaluationRecord.accuracy(inFile: targetFile, subset: .all), new: nil)
                }
            }
        }
        self.rows = rows
        self.methods = methods
        self.datasets = datasets
    }

    /// A method's average over the data sets outside the sources, from each data set's means:
    /// (base or accuracy, new, HM of the two means, data sets). Nil when it has none.
    public func average(of method: String) -> (base: Double, new: Double?, harmonicMean: Double?, datasets: Int)? {
        let counted = rows.filter { $0.method == method && !$0.isSource }
        guard !counted.isEmpty else { return nil }
        let base = RunReport.Row.mean(counted.map { RunReport.Row.mean($0.base) })
        guard setting == .base2new else { return (base, nil, nil, counted.count) }
        let new = RunReport.Row.mean(counted.map { RunReport.Row.mean($0.new) })
        return (base, new, EvaluationSummary.harmonicMean(base: base, new: new), counted.count)
    }

    func row(_ dataset: String, _ method: String) -> Row? { rows.first { $0.dataset == dataset && $0.method == method } }

    /// The table: the average first, then each data set; per method a line (base-to-new: base,
    /// new, HM) or a column (accuracy ± std).
    public var table: String {
        let name = max(16, (datasets + ["average (10)"]).map(\.count).max()! + 2)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
        var lines: [String] = []
        if setting == .base2new {
            let width = max(12, methods.map(\.count).max()! + 2)
            lines.append("base-to-new, accuracy (%): base and new are means over seeds (± sample std), HM is the harmonic mean of the two means; average: over data sets")
            lines.append(pad("dataset", name) + pad("method", width) + "seeds  base            new             HM")
            for method in methods {
                guard let a = average(of: method) else { continue }
                lines.append(pad("average (\(a.datasets))", name) + pad(method, width) + "       " + String(format: "%6.2f          %6.2f          %6.2f", a.base, a.new!, a.harmonicMean!))
            }
            for dataset in datasets {
                for method in methods {
                    guard let r = row(dataset, method) else { continue }
                    let b = RunReport.Row.mean(r.base), n = RunReport.Row.mean(r.new)
                    lines.append(pad(dataset, name) + pad(method, width) + String(format: "%5d  %6.2f ± %5.2f  %6.2f ± %5.2f  %6.2f", r.seeds, b, RunReport.Spread.sampleStd.of(r.base),
                                                                                       n, RunReport.Spread.sampleStd.of(r.new), EvaluationSummary.harmonicMean(base: b, new: n)))
                }
            }
            return lines.joined(separator: "\n")
        }
        let width = max(18, methods.map(\.count).max()! + 2)
        let what = setting == .fewShot ? "few-shot" : setting == .crossDataset ? "cross-dataset" : "domain generalisation"
        lines.append("\(what), accuracy (%) on all classes: mean ± sample std over seeds (n); average: over the \(setting == .fewShot ? "data sets" : "targets, not the source")")
        lines.append(pad("dataset", name) + methods.map { pad($0, width) }.joined())
        func cells(_ dataset: String) -> String {
            methods.map { m in pad(row(dataset, m).map { String(format: "%6.2f ± %5.2f (%d)", RunReport.Row.mean($0.base), RunReport.Spread.sampleStd.of($0.base), $0.seeds) } ?? "-", width) }.joined()
        }
        for dataset in datasets where rows.contains(where: { $0.dataset == dataset && $0.isSource }) { lines.append(pad("\(dataset) (source)", name) + cells(dataset)) }
        let averaged = methods.compactMap { average(of: $0)?.datasets }.max() ?? 0
        lines.append(pad("average (\(averaged))", name) + methods.map { m in pad(average(of: m).map { String(format: "%6.2f", $0.base) } ?? "-", width) }.joined())
        for dataset in datasets where !rows.contains(where: { $0.dataset == dataset && $0.isSource }) { lines.append(pad(dataset, name) + cells(dataset)) }
        return lines.joined(separator: "\n")
    }

    /// One line per (data set, method) with the per-seed values, the means and spreads, then
    /// each method's average (data set `average`).
    public var csv: String {
        var lines: [String] = []
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        if setting == .base2new {
            lines.append("dataset,method,seeds,base,base_std,new,new_std,hm")
            for r in rows {
                let b = RunReport.Row.mean(r.base), n = RunReport.Row.mean(r.new)
                lines.append([r.dataset, r.method, String(r.seeds), f(b), f(RunReport.Spread.sampleStd.of(r.base)), f(n), f(RunReport.Spread.sampleStd.of(r.new)),
                              f(EvaluationSummary.harmonicMean(base: b, new: n))].joined(separator: ","))
            }
            for m in methods { if let a = average(of: m) { lines.append(["average", m, "", f(a.base), "", f(a.new!), "", f(a.harmonicMean!)].joined(separator: ",")) } }
        } else {
            lines.append("dataset,method,seeds,accuracy,accuracy_std,source")
            for r in rows { lines.append([r.dataset, r.method, String(r.seeds), f(RunReport.Row.mean(r.base)), f(RunReport.Spread.sampleStd.of(r.base)), r.isSource ? "1" : "0"].joined(separator: ",")) }
            for m in methods { if let a = average(of: m) { lines.append(["average", m, "", f(a.base), "", "0"].joined(separator: ",")) } }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same numbers as ``csv``, with the per-seed values.
    public var json: JSONValue {
        func entry(_ v: [Double]) -> JSONValue {
            .object(JSONObject([("mean", .double(RunReport.Row.mean(v))), ("sample_std", .double(RunReport.Spread.sampleStd.of(v))), ("values", .array(v.map { .double($0) }))]))
        }
        let rowValues: [JSONValue] = rows.map { r in
            var fields: [(String, JSONValue)] = [("dataset", .string(r.dataset)), ("method", .string(r.method)), ("seeds", .int(Int64(r.seeds)))]
            if setting == .base2new {
                fields += [("base", entry(r.base)), ("new", entry(r.new)),
                           ("harmonic_mean", .double(EvaluationSummary.harmonicMean(base: RunReport.Row.mean(r.base), new: RunReport.Row.mean(r.new))))]
            } else {
                fields += [("accuracy", entry(r.base)), ("source", .bool(r.isSource))]
            }
            return .object(JSONObject(fields))
        }
        let averages: [(String, JSONValue)] = methods.compactMap { m in
            guard let a = average(of: m) else { return nil }
            var fields: [(String, JSONValue)] = [("datasets", .int(Int64(a.datasets)))]
            if let n = a.new, let hm = a.harmonicMean {
                fields += [("base", .double(a.base)), ("new", .double(n)), ("harmonic_mean", .double(hm))]
            } else {
                fields.append(("accuracy", .double(a.base)))
            }
            return (m, .object(JSONObject(fields)))
        }
        return .object(JSONObject([("setting", .string(setting.rawValue)), ("rows", .array(rowValues)), ("average", .object(JSONObject(averages)))]))
    }

    /// Grouped bars: per data set (the average first) a bar per method of HM (base-to-new) or
    /// accuracy, with ± sample std whiskers over seeds; title, axis label and legend.
    public var chartSVG: String {
        let groups = ["average"] + datasets
        let barWidth = 18, groupWidth = max(100, barWidth * max(methods.count, 1) + 24)
        let left = 60, top = 50, bottom = 330, height = 420
        let width = max(left + groupWidth * groups.count + 20, left + 130 * methods.count + 20, 640)
        let palette = RunReport.methodColours
        let metric = setting == .base2new ? "HM of base and new accuracy (%)" : "accuracy on all classes (%)"
        func y(_ v: Double) -> Double { Double(bottom) - Double(bottom - top) * min(max(v, 0), 100) / 100 }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(RunReport.escaped(setting.rawValue)): \(RunReport.escaped(metric)) per data set</text>",
                   "<text transform=\"translate(16,\((top + bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(RunReport.escaped(metric))</text>"]
        for tick in stride(from: 0, through: 100, by: 20) {
            svg.append("<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(Double(tick)))\" y2=\"\(y(Double(tick)))\" stroke=\"#ddd\"/>")
            svg.append("<text x=\"\(left - 5)\" y=\"\(y(Double(tick)) + 4)\" text-anchor=\"end\">\(tick)</text>")
        }
        for (g, dataset) in groups.enumerated() {
            let x0 = left + 12 + groupWidth * g
            for (k, method) in methods.enumerated() {
                let value: Double?, spread: Double
                if dataset == "average" {
                    let a = average(of: method)
                    value = setting == .base2new ? a?.harmonicMean : a?.base
                    spread = 0
                } else if let r = row(dataset, method) {
                    value = setting == .base2new ? EvaluationSummary.harmonicMean(base: RunReport.Row.mean(r.base), new: RunReport.Row.mean(r.new)) : RunReport.Row.mean(r.base)
                    spread = RunReport.Spread.sampleStd.of(setting == .base2new ? r.perSeedHarmonicMean : r.base)
                } else {
                    (value, spread) = (nil, 0)
                }
                guard let value else { continue }
                let x = x0 + barWidth * k
                svg.append(String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%@\"/>", x, y(value), barWidth - 2,
                                  Double(bottom) - y(value), palette[k % palette.count]))
                if spread > 0 {
                    svg.append(String(format: "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>", x + barWidth / 2 - 1, x + barWidth / 2 - 1,
                                      y(value + spread), y(value - spread)))
                }
            }
            svg.append("<text x=\"\(x0 + groupWidth / 2 - 12)\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(RunReport.escaped(dataset))</text>")
        }
        for (k, method) in methods.enumerated() {
            svg.append("<rect x=\"\(left + 130 * k)\" y=\"\(height - 52)\" width=\"12\" height=\"12\" fill=\"\(palette[k % palette.count])\"/><text x=\"\(left + 16 + 130 * k)\" y=\"\(height - 42)\">\(RunReport.escaped(method))</text>")
        }
        svg.append("<text x=\"\(left)\" y=\"\(height - 16)\">whiskers: ± sample std over seeds\(setting == .base2new ? " of each seed's HM" : ""); average: no whiskers</text>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }
}
