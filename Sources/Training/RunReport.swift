import Foundation
import TensorIO

/// Base-to-new results of several methods over seeds, gathered from training runs laid out as
/// `<root>/<method>/seed<S>/results.json` (what `train` writes; or `summary.json` from
/// `eval --summary`, for zero-shot), summarised as mean ± sample
/// standard deviation over seeds, with an SVG bar chart and SVG training curves.
public struct RunReport {
    public struct Row: Equatable {
        public var method: String
        public var seeds: Int
        public var base: (mean: Double, std: Double)
        public var new: (mean: Double, std: Double)
        public var harmonicMean: (mean: Double, std: Double)

        public static func == (a: Row, b: Row) -> Bool {
            a.method == b.method && a.seeds == b.seeds && a.base == b.base && a.new == b.new && a.harmonicMean == b.harmonicMean
        }
    }

    public var rows: [Row]
    /// Per method, the metrics.jsonl of its first seed: (step, loss) series by loss name.
    public var curves: [String: [String: [(Int, Double)]]]

    /// Reads every `<method>/seed<S>/results.json` under `root`; methods in `order` first, then
    /// the rest alphabetically.
    public init(root: String, order: [String] = []) throws {
        let fm = FileManager.default
        let methods = (try fm.contentsOfDirectory(atPath: root)).filter { Self.isDirectory((root as NSString).appendingPathComponent($0)) }
        var listed: [String] = []
        for m in order where methods.contains(m) && !listed.contains(m) { listed.append(m) }  // first mention wins
        let sorted = listed + methods.filter { !order.contains($0) }.sorted()
        var rows: [Row] = [], curves: [String: [String: [(Int, Double)]]] = [:]
        for method in sorted {
            let dir = (root as NSString).appendingPathComponent(method)
            let seeds = (try fm.contentsOfDirectory(atPath: dir)).filter { $0.hasPrefix("seed") }.sorted()
            var base: [Double] = [], new: [Double] = [], hm: [Double] = []
            for seed in seeds {
                // train's results.json, or eval --summary's summary.json (zero-shot runs).
                var path = (dir as NSString).appendingPathComponent("\(seed)/results.json")
                if fm.contents(atPath: path) == nil { path = (dir as NSString).appendingPathComponent("\(seed)/summary.json") }
                guard let data = fm.contents(atPath: path) else { continue }
                let json = try JSONValue(parsing: data)
                guard let b = json["base"]?["accuracy"]?.doubleValue ?? json["base"]?.doubleValue,
                      let n = json["new"]?["accuracy"]?.doubleValue ?? json["new"]?.doubleValue else {
                    throw ConfigurationError("\(path): no base and new accuracies (was the run trained on base classes?)")
                }
                base.append(b)
                new.append(n)
                hm.append(EvaluationSummary.harmonicMean(base: b, new: n))
                if curves[method] == nil, let metrics = try? String(contentsOfFile: (dir as NSString).appendingPathComponent("\(seed)/metrics.jsonl"), encoding: .utf8) {
                    curves[method] = Self.series(metrics)
                }
            }
            guard !base.isEmpty else { continue }
            rows.append(Row(method: method, seeds: base.count, base: Self.stats(base), new: Self.stats(new), harmonicMean: Self.stats(hm)))
        }
        self.rows = rows
        self.curves = curves
    }

    static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    static func stats(_ v: [Double]) -> (mean: Double, std: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.count > 1 ? v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1) : 0
        return (mean, variance.squareRoot())
    }

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

    /// The table: method, seeds, base, new, HM as mean ± std (%).
    public var table: String {
        func cell(_ s: (mean: Double, std: Double)) -> String { String(format: "%6.2f ± %5.2f", s.mean, s.std) }
        var lines = ["method                 seeds   base             new              HM"]
        for r in rows {
            lines.append(r.method.padding(toLength: 22, withPad: " ", startingAt: 0) + " " + String(format: "%5d", r.seeds)
                         + "   " + cell(r.base) + "   " + cell(r.new) + "   " + cell(r.harmonicMean))
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        .object(JSONObject(rows.map { r in
            (r.method, JSONValue.object(JSONObject([
                ("seeds", .int(Int64(r.seeds))),
                ("base", .object(["mean": .double(r.base.mean), "std": .double(r.base.std)])),
                ("new", .object(["mean": .double(r.new.mean), "std": .double(r.new.std)])),
                ("harmonic_mean", .object(["mean": .double(r.harmonicMean.mean), "std": .double(r.harmonicMean.std)])),
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
            for (j, s) in [r.base, r.new, r.harmonicMean].enumerated() {
                let x = x0 + 10 + 38 * j
                svg.append(String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"34\" height=\"%.1f\" fill=\"%@\"/>", x, y(s.mean), Double(bottom) - y(s.mean), colours[j]))
                svg.append(String(format: "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>", x + 17, x + 17, y(s.mean + s.std), y(s.mean - s.std)))
            }
            svg.append("<text x=\"\(x0 + 67)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(Self.escaped(r.method))</text>")
        }
        for (j, name) in ["base", "new", "HM"].enumerated() {
            svg.append("<rect x=\"\(60 + 70 * j)\" y=\"\(height - 30)\" width=\"12\" height=\"12\" fill=\"\(colours[j])\"/><text x=\"\(76 + 70 * j)\" y=\"\(height - 20)\">\(name)</text>")
        }
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

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
