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

    /// One line of a run's metrics.jsonl: its step, epoch (runs that have epochs) and the
    /// finite losses (`loss.*`).
    public struct LoggedStep: Equatable {
        public var step: Int
        public var epoch: Int?
        public var losses: [String: Double]
    }

    public var rows: [Row]
    /// Per row, the logged steps of each seed (in ``Row/seedFolders`` order; empty for a seed
    /// without metrics.jsonl).
    public var logged: [String: [[LoggedStep]]]
    /// The spread the table, JSON `std` and chart whiskers use.
    public var spread = Spread.sampleStd
    /// The chart's title.
    public var title = "Base-to-new accuracy"

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
        var rows: [Row] = [], logged: [String: [[LoggedStep]]] = [:]
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
                let metrics = try? String(contentsOfFile: "\(trainBase)/\(relative)/\(seed)/metrics.jsonl", encoding: .utf8)
                logged[name, default: []].append(metrics.map(Self.loggedSteps) ?? [])
            }
            if row.seeds > 0 { rows.append(row) }
        }
        var listed: [Row] = []
        for m in order { listed += rows.filter { $0.method == m && !listed.contains($0) } }  // first mention wins
        self.rows = listed + rows.filter { r in !listed.contains(r) }.sorted { $0.method < $1.method }
        self.logged = logged
    }

    static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    /// Mean and the chosen spread of `v`.
    func stats(_ v: [Double]) -> (mean: Double, std: Double) { (Row.mean(v), spread.of(v)) }

    static func loggedSteps(_ jsonl: String) -> [LoggedStep] {
        jsonl.split(separator: "\n").compactMap { line in
            guard let json = try? JSONValue(parsing: String(line)), let object = json.objectValue, let step = json["step"]?.intValue else { return nil }
            var losses: [String: Double] = [:]
            for (key, value) in object where key.hasPrefix("loss.") {
                if let v = value.doubleValue, v.isFinite { losses[key] = v }
            }
            return LoggedStep(step: step, epoch: json["epoch"]?.intValue, losses: losses)
        }
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
    /// missing row are left out. The last lines name, per column, the differences whose
    /// interval excludes zero.
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
        let columns: [(String, (PairedDifference, PairedDifference, PairedDifference) -> PairedDifference)] =
            [("base", { b, _, _ in b }), ("new", { _, n, _ in n }), ("HM", { _, _, h in h })]
        lines.append("distinguishable from 0 at 95 % (the interval excludes 0):")
        for (name, pick) in columns {
            let named = found.filter { pick($0.1.base, $0.1.new, $0.1.harmonicMean).isDistinguishableFromZero }.map { "\($0.0.method) − \($0.0.baseline)" }
            lines.append("  \(name): " + (named.isEmpty ? "none" : named.joined(separator: ", ")))
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

    /// `s` with `&`, `<`, `>` escaped for SVG text.
    public static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
