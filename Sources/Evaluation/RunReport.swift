import CLIPAdapter
import Foundation
import TensorIO

/// Base-to-new results of several methods over seeds, gathered from runs laid out as CoOp's
/// base-to-new scripts lay them out (what `train` + `eval`, `world compare` and the sweeps
/// write):
///
///     <root>/train_base/<dataset>/shots_<K>/<method>/<config>/seed<S>/results.json   base
///     <root>/test_new/<dataset>/shots_<K>/<method>/<config>/seed<S>/results.json     new
///
/// summarised per (dataset, method, config) as the mean over seeds with a spread
/// (``Spread``), with an SVG bar chart and SVG training curves. A seed counts when both of its
/// results files are there.
public struct RunReport {
    /// How the table and chart state the spread over seeds.
    public enum Spread: String, Sendable, CaseIterable {
        /// Sample standard deviation (n − 1).
        case sampleStd = "sample std"
        /// Population standard deviation (n): `np.std`, what CoOp's `parse_test_res.py`
        /// prints (its line 118).
        case populationStd = "population std"
        /// 95 % interval half-width `1.96 · np.std / √n`: `parse_test_res.py --ci95`
        /// (`compute_ci95`, its lines 60-61).
        case ci95 = "95% CI (1.96·std/√n)"

        /// The spread of `values` (0 for a single value).
        public func of(_ values: [Double]) -> Double {
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            switch self {
            case .sampleStd: return values.count > 1 ? (squares / (n - 1)).squareRoot() : 0
            case .populationStd: return (squares / n).squareRoot()
            case .ci95: return 1.96 * (squares / n).squareRoot() / n.squareRoot()
            }
        }
    }

    public struct Row: Equatable {
        /// The row's name: the method folder, with the dataset and config in front where the
        /// tree holds more than one of them.
        public var method: String
        /// Accuracies (%) by seed, in seed-folder order.
        public var base: [Double]
        public var new: [Double]
        /// The seed folders (`seed1`, …) of the values, in the same order.
        public var seedFolders: [String] = []
        /// The harmonic mean of each seed's base and new.
        public var harmonicMean: [Double] { zip(base, new).map { EvaluationSummary.harmonicMean(base: $0, new: $1) } }
        public var seeds: Int { base.count }

        public static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    }

    public var rows: [Row]
    /// Per row, the metrics.jsonl of its first seed: (step, loss) series by loss name.
    public var curves: [String: [String: [(Int, Double)]]]
    /// The spread the table, JSON `std` and chart whiskers use.
    public var spread = Spread.sampleStd

    /// Reads every run under `root/train_base` with its `root/test_new` twin; methods in
    /// `order` first, then the rest alphabetically.
    /// - Throws: ``EvaluationError/badResults(path:message:)`` naming a results file without
    ///   the accuracy it should hold; an error naming `root` when it has no `train_base` tree.
    public init(root: String, order: [String] = []) throws {
        let fm = FileManager.default
        let trainBase = (root as NSString).appendingPathComponent("train_base")
        guard Self.isDirectory(trainBase) else {
            throw ConfigurationError("\(root): no train_base/ directory (expected <root>/train_base/<dataset>/shots_<K>/<method>/<config>/seed<S>)")
        }
        func folders(_ path: String) throws -> [String] {
            try fm.contentsOfDirectory(atPath: path).filter { Self.isDirectory((path as NSString).appendingPathComponent($0)) }.sorted()
        }
        // (dataset, shots, method, config) of every run group.
        var groups: [(dataset: String, shots: String, method: String, config: String)] = []
        for dataset in try folders(trainBase) {
            for shots in try folders("\(trainBase)/\(dataset)") where shots.hasPrefix("shots_") {
                for method in try folders("\(trainBase)/\(dataset)/\(shots)") {
                    for config in try folders("\(trainBase)/\(dataset)/\(shots)/\(method)") { groups.append((dataset, shots, method, config)) }
                }
            }
        }
        let manyDatasets = Set(groups.map { "\($0.dataset)/\($0.shots)" }).count > 1
        var rows: [Row] = [], curves: [String: [String: [(Int, Double)]]] = [:]
        for g in groups {
            let relative = "\(g.dataset)/\(g.shots)/\(g.method)/\(g.config)"
            let manyConfigs = groups.filter { $0.dataset == g.dataset && $0.shots == g.shots && $0.method == g.method }.count > 1
            let name = (manyDatasets ? "\(g.dataset)/\(g.shots)/" : "") + g.method + (manyConfigs ? "/\(g.config)" : "")
            var row = Row(method: name, base: [], new: [])
            for seed in try folders("\(trainBase)/\(relative)") where seed.hasPrefix("seed") {
                let basePath = "\(trainBase)/\(relative)/\(seed)/results.json", newPath = "\(root)/test_new/\(relative)/\(seed)/results.json"
                guard fm.fileExists(atPath: basePath), fm.fileExists(atPath: newPath) else { continue }
                row.base.append(try EvaluationRecord.accuracy(inFile: basePath, subset: .base))
                row.new.append(try EvaluationRecord.accuracy(inFile: newPath, subset: .new))
                row.seedFolders.append(seed)
                if curves[name] == nil, let metrics = try? String(contentsOfFile: "\(trainBase)/\(relative)/\(seed)/metrics.jsonl", encoding: .utf8) {
                    curves[name] = Self.series(metrics)
                }
            }
            if row.seeds > 0 { rows.append(row) }
        }
        var listed: [Row] = []
        for m in order { listed += rows.filter { $0.method == m && !listed.contains($0) } }  // first mention wins
        self.rows = listed + rows.filter { r in !listed.contains(r) }.sorted { $0.method < $1.method }
        self.curves = curves
    }

    static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    /// Mean and the chosen spread of `v`.
    func stats(_ v: [Double]) -> (mean: Double, std: Double) { (Row.mean(v), spread.of(v)) }

    static func series(_ jsonl: String) -> [String: [(Int, Double)]] {
        var out: [String: [(Int, Double)]] = [:]
        for line in jsonl.split(separator: "\n") {
            guard let json = try? JSONValue(parsing: String(line)), let object = json.objectValue, let step = json["step"]?.intValue else { continue }
            for (key, value) in object where key.hasPrefix("loss.") {
                if let v = value.doubleValue, v.isFinite { out[key, default: []].append((step, v)) }
            }
        }
        return out
    }

    /// The table: method, seeds, base, new, HM as mean ± spread (%), the spread named in the
    /// header.
    public var table: String {
        func cell(_ v: [Double]) -> String { let s = stats(v); return String(format: "%6.2f ± %5.2f", s.mean, s.std) }
        let width = max(22, rows.map(\.method.count).max() ?? 0)
        var lines = ["accuracy (%), mean ± \(spread.rawValue) over seeds",
                     "method".padding(toLength: width, withPad: " ", startingAt: 0) + " seeds   base             new              HM"]
        for r in rows {
            lines.append(r.method.padding(toLength: width, withPad: " ", startingAt: 0) + " " + String(format: "%5d", r.seeds)
                         + "   " + cell(r.base) + "   " + cell(r.new) + "   " + cell(r.harmonicMean))
        }
        return lines.joined(separator: "\n")
    }

    /// `method` − `baseline` paired by seed (the seed folders both have) for base, new and HM;
    /// nil when a row is missing or they share no seed.
    public func paired(_ method: String, minus baseline: String) -> (seeds: [String], base: PairedDifference, new: PairedDifference, harmonicMean: PairedDifference)? {
        guard let a = rows.first(where: { $0.method == method }), let b = rows.first(where: { $0.method == baseline }) else { return nil }
        let common = a.seedFolders.filter(b.seedFolders.contains)
        guard !common.isEmpty else { return nil }
        func values(_ r: Row, _ v: [Double]) -> [Double] { common.map { v[r.seedFolders.firstIndex(of: $0)!] } }
        return (common, PairedDifference(values(a, a.base), minus: values(b, b.base)), PairedDifference(values(a, a.new), minus: values(b, b.new)),
                PairedDifference(values(a, a.harmonicMean), minus: values(b, b.harmonicMean)))
    }

    /// The paired differences of `pairs` (method, baseline) as a table: points, the mean over
    /// common seeds and its 95 % t-interval, `*` where the interval excludes zero; pairs with a
    /// missing row are left out.
    public func pairedTable(_ pairs: [(method: String, baseline: String)]) -> String {
        let found = pairs.compactMap { p in paired(p.method, minus: p.baseline).map { (p, $0) } }
        let width = max(24, found.map { "\($0.0.method) − \($0.0.baseline)".count + 2 }.max() ?? 0)
        func cell(_ d: PairedDifference) -> String { (d.text + (d.isDistinguishableFromZero ? " *" : "")).padding(toLength: 26, withPad: " ", startingAt: 0) }
        var lines = ["paired by seed: mean difference (points) [95 % t-interval, n − 1 degrees of freedom]; * the interval excludes 0",
                     "difference".padding(toLength: width, withPad: " ", startingAt: 0) + "seeds  " + ["base", "new", "HM"].map { $0.padding(toLength: 26, withPad: " ", startingAt: 0) }.joined()]
        for (p, d) in found {
            lines.append("\(p.method) − \(p.baseline)".padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "%5d  ", d.seeds.count)
                         + cell(d.base) + cell(d.new) + cell(d.harmonicMean))
        }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    /// Per row: seeds, and for base, new and HM the per-seed values, mean, sample std,
    /// population std and 95 % half-width (`std` is the chosen spread).
    public var json: JSONValue {
        func entry(_ v: [Double]) -> JSONValue {
            .object(JSONObject([("mean", .double(Row.mean(v))), ("std", .double(spread.of(v))),
                                ("sample_std", .double(Spread.sampleStd.of(v))), ("population_std", .double(Spread.populationStd.of(v))),
                                ("ci95", .double(Spread.ci95.of(v))), ("values", .array(v.map { .double($0) }))]))
        }
        return .object(JSONObject([("spread", .string(spread.rawValue))] + rows.map { r in
            (r.method, JSONValue.object(JSONObject([
                ("seeds", .int(Int64(r.seeds))), ("base", entry(r.base)), ("new", entry(r.new)), ("harmonic_mean", entry(r.harmonicMean)),
            ])))
        }))
    }

    /// Grouped bars (base, new, HM per method) with ±1 std whiskers.
    public var chartSVG: String {
        let width = 140 * max(rows.count, 1) + 80, height = 360, top = 30, bottom = 300
        let colours = ["#4C72B0", "#DD8452", "#55A868"]
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        func y(_ v: Double) -> Double { Double(bottom) - (Double(bottom - top) * min(max(v, 0), 100) / 100) }
        for tick in stride(from: 0, through: 100, by: 20) {
            svg.append("<line x1=\"50\" x2=\"\(width - 10)\" y1=\"\(y(Double(tick)))\" y2=\"\(y(Double(tick)))\" stroke=\"#ddd\"/>")
            svg.append("<text x=\"45\" y=\"\(y(Double(tick)) + 4)\" text-anchor=\"end\">\(tick)%</text>")
        }
        for (i, r) in rows.enumerated() {
            let x0 = 60 + 140 * i
            for (j, s) in [r.base, r.new, r.harmonicMean].map(stats).enumerated() {
                let x = x0 + 10 + 38 * j
                svg.append(String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"34\" height=\"%.1f\" fill=\"%@\"/>", x, y(s.mean), Double(bottom) - y(s.mean), colours[j]))
                svg.append(String(format: "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>", x + 17, x + 17, y(s.mean + s.std), y(s.mean - s.std)))
            }
            svg.append("<text x=\"\(x0 + 67)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(Self.escaped(r.method))</text>")
        }
        for (j, name) in ["base", "new", "HM"].enumerated() {
            svg.append("<rect x=\"\(60 + 70 * j)\" y=\"\(height - 30)\" width=\"12\" height=\"12\" fill=\"\(colours[j])\"/><text x=\"\(76 + 70 * j)\" y=\"\(height - 20)\">\(name)</text>")
        }
        svg.append("<text x=\"270\" y=\"\(height - 20)\">whiskers: ± \(Self.escaped(spread.rawValue)) over seeds</text>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// One panel per method: its first seed's loss curves against the step.
    public var curvesSVG: String {
        let methods = rows.map(\.method).filter { curves[$0] != nil }
        let panelW = 320, panelH = 200, width = panelW * max(methods.count, 1) + 20, height = panelH + 60
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860"]
        for (i, method) in methods.enumerated() {
            let series = curves[method]!
            let x0 = 10 + panelW * i, y0 = 30
            let steps = series.values.flatMap { $0.map(\.0) }, values = series.values.flatMap { $0.map(\.1) }
            guard let maxStep = steps.max(), let maxValue = values.max(), maxStep > 0, maxValue > 0 else { continue }
            svg.append("<text x=\"\(x0 + 10)\" y=\"20\">\(Self.escaped(method))</text>")
            svg.append("<rect x=\"\(x0 + 10)\" y=\"\(y0)\" width=\"\(panelW - 30)\" height=\"\(panelH - 20)\" fill=\"none\" stroke=\"#ccc\"/>")
            for (k, name) in series.keys.sorted().enumerated() {
                let points = series[name]!.map { String(format: "%.1f,%.1f", Double(x0 + 10) + Double(panelW - 30) * Double($0.0) / Double(maxStep),
                                                        Double(y0 + panelH - 20) - Double(panelH - 20) * $0.1 / maxValue) }
                svg.append("<polyline fill=\"none\" stroke=\"\(palette[k % palette.count])\" points=\"\(points.joined(separator: " "))\"/>")
                svg.append("<text x=\"\(x0 + 14)\" y=\"\(y0 + panelH + 2 + 12 * (k / 3))\" dx=\"\(100 * (k % 3))\" fill=\"\(palette[k % palette.count])\">\(Self.escaped(name))</text>")
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// `s` with `&`, `<`, `>` escaped for SVG text.
    public static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
