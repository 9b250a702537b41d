import Foundation

/// The report's two figures, as SVG: `chart.svg` (accuracy per method) and `curves.svg`
/// (training loss per epoch). Both state on the figure what is drawn and what the whiskers
/// mean.
extension RunReport {
    static let accuracyColours = ["#4C72B0", "#DD8452", "#55A868"]
    /// One colour per method, in order (the sweep's chart uses them too).
    public static let methodColours = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]

    /// "5 seeds" when every row has 5, "1–5 seeds" otherwise.
    var seedsPhrase: String {
        let counts = rows.map(\.seeds)
        guard let low = counts.min(), let high = counts.max() else { return "no seeds" }
        return low == high ? "\(low) seed\(low == 1 ? "" : "s")" : "\(low)–\(high) seeds"
    }

    /// Round tick values 0, d, 2d, … up to the first at or above `top`, with d = 1, 2 or 5 × 10^k
    /// giving about `count` intervals.
    static func ticks(upTo top: Double, count: Int = 5) -> [Double] {
        let top = top > 0 && top.isFinite ? top : 1
        let raw = top / Double(count), magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        return (0...Int((top / step).rounded(.up))).map { Double($0) * step }
    }

    static func label(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: v < 1 ? "%.2g" : "%.1f", v)
    }

    /// Grouped bars of base, new and HM per method (the mean over seeds), whiskers of ± the
    /// report's spread, and each seed as a dot.
    public var chartSVG: String {
        let groupWidth = 150, left = 70, top = 70, plotHeight = 260
        let width = left + groupWidth * max(rows.count, 1) + 20, bottom = top + plotHeight, height = bottom + 80
        let highest = rows.flatMap { r in [r.base, r.new, r.harmonicMean].flatMap { v in v + [stats(v).mean + stats(v).std] } }.max() ?? 100
        let ticks = Self.ticks(upTo: min(100, max(highest, 10)))
        let yMax = ticks.last!
        func y(_ v: Double) -> Double { Double(bottom) - Double(plotHeight) * min(max(v, 0), yMax) / yMax }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(left)\" y=\"26\" font-size=\"16\" font-weight=\"bold\">\(Self.escaped(title))</text>",
                   "<text x=\"\(left)\" y=\"46\" fill=\"#444\">bars: mean over \(seedsPhrase) per method; whiskers: ± \(Self.escaped(spread.rawValue)) over seeds; dots: the seeds</text>"]
        for tick in ticks {
            svg.append("<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>")
            svg.append("<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Self.label(tick))</text>")
        }
        svg.append("<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(bottom)\" stroke=\"#888\"/>")
        svg.append("<text transform=\"translate(24 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">accuracy on the test set (%)</text>")
        for (i, r) in rows.enumerated() {
            let x0 = left + 10 + groupWidth * i
            for (j, values) in [r.base, r.new, r.harmonicMean].enumerated() {
                let s = stats(values), x = x0 + 8 + 42 * j
                svg.append(String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"36\" height=\"%.1f\" fill=\"%@\"/>", x, y(s.mean), Double(bottom) - y(s.mean), Self.accuracyColours[j]))
                if values.count > 1 {
                    let (hi, lo) = (y(s.mean + s.std), y(s.mean - s.std))
                    svg.append(String(format: "<path d=\"M%d %.1fH%dM%d %.1fV%.1fM%d %.1fH%d\" stroke=\"black\" fill=\"none\"/>",
                                      x + 12, hi, x + 24, x + 18, hi, lo, x + 12, lo, x + 24))
                }
                for (k, v) in values.enumerated() {
                    let dx = values.count > 1 ? 6 + 24 * Double(k) / Double(values.count - 1) : 18
                    svg.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#222\" fill-opacity=\"0.7\"/>", Double(x) + dx, y(v)))
                }
            }
            svg.append("<text x=\"\(x0 + 67)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(Self.escaped(r.method))</text>")
        }
        for (j, name) in ["base classes", "new classes", "HM of base and new"].enumerated() {
            svg.append("<rect x=\"\(left + 150 * j)\" y=\"\(height - 32)\" width=\"12\" height=\"12\" fill=\"\(Self.accuracyColours[j])\"/><text x=\"\(left + 16 + 150 * j)\" y=\"\(height - 22)\">\(name)</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Per method and epoch: each seed's mean of `keys` summed over its logged steps of that
    /// epoch, then the mean and sample std of those over the seeds (`count` of them); nil for
    /// a method without epochs or without the keys.
    func epochSeries(_ method: String, keys: [String]) -> [(epoch: Int, mean: Double, std: Double, count: Int)]? {
        var byEpoch: [Int: [Double]] = [:]
        for seed in logged[method] ?? [] {
            var steps: [Int: [Double]] = [:]
            for s in seed {
                guard let epoch = s.epoch, keys.allSatisfy({ s.losses[$0] != nil }) else { continue }
                steps[epoch, default: []].append(keys.reduce(0) { $0 + s.losses[$1]! })
            }
            for (epoch, values) in steps { byEpoch[epoch, default: []].append(Row.mean(values)) }
        }
        guard !byEpoch.isEmpty else { return nil }
        return byEpoch.keys.sorted().map { e in
            let v = byEpoch[e]!
            return (e, Row.mean(v), Spread.sampleStd.of(v), v.count)
        }
    }

    /// The most common gap between a method's consecutive logged steps (the log interval).
    var loggedInterval: Int? {
        var gaps: [Int: Int] = [:]
        for seeds in logged.values {
            for seed in seeds { for (a, b) in zip(seed, seed.dropFirst()) where b.step > a.step { gaps[b.step - a.step, default: 0] += 1 } }
        }
        return gaps.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    /// Training loss per epoch, one panel per loss (the training cross-entropy; the L1
    /// regularisers where a method has them), one line per method: per epoch, the mean over
    /// seeds of each seed's mean over its logged steps, whiskers ± 1 sample std over seeds.
    public var curvesSVG: String {
        let panels: [(title: String, keys: [String])] = [
            ("cross-entropy on the training batches (loss.ce)", ["loss.ce"]),
            ("text + image L1 regularisers (loss.text_reg + loss.image_reg)", ["loss.text_reg", "loss.image_reg"]),
        ]
        let methods = rows.map(\.method)
        let series = panels.map { panel in
            methods.compactMap { m -> (method: String, points: [(epoch: Int, mean: Double, std: Double, count: Int)])? in
                guard let points = epochSeries(m, keys: panel.keys), points.contains(where: { $0.mean > 0 }) else { return nil }
                return (m, points)
            }
        }
        let drawn = methods.filter { m in series.contains { $0.contains { $0.method == m } } }
        let panelWidth = 440, plotHeight = 260, left = 64, top = 86, legendWidth = 190
        let width = left + (panelWidth + left) * panels.count + legendWidth, bottom = top + plotHeight, height = bottom + 56
        let interval = loggedInterval.map { $0 == 1 ? "every step" : "every \($0)th step" } ?? "the logged steps"
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(left)\" y=\"26\" font-size=\"16\" font-weight=\"bold\">Training loss per epoch</text>",
                   "<text x=\"\(left)\" y=\"46\" fill=\"#444\">points: each seed's mean over the epoch's logged steps (\(interval)), averaged over \(seedsPhrase); whiskers: ± 1 sample std over seeds</text>"]
        for (p, panel) in panels.enumerated() {
            let x0 = left + (panelWidth + left) * p, lines = series[p]
            let epochs = Set(lines.flatMap { $0.points.map(\.epoch) }).sorted()
            let highest = lines.flatMap { $0.points.map { $0.mean + $0.std } }.max() ?? 1
            let ticks = Self.ticks(upTo: highest), yMax = ticks.last!
            func y(_ v: Double) -> Double { Double(bottom) - Double(plotHeight) * min(max(v, 0), yMax) / yMax }
            let slots = max(epochs.count, 1)
            func x(_ epoch: Int, _ k: Int) -> Double {
                let slot = Double(epochs.firstIndex(of: epoch) ?? 0) + 0.5
                return Double(x0) + Double(panelWidth) * slot / Double(slots) + (Double(k) - Double(lines.count - 1) / 2) * 5
            }
            svg.append("<text x=\"\(x0)\" y=\"\(top - 14)\" font-weight=\"bold\">(\(["a", "b", "c"][p])) \(Self.escaped(panel.title))</text>")
            for tick in ticks {
                svg.append("<line x1=\"\(x0)\" x2=\"\(x0 + panelWidth)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>")
                svg.append("<text x=\"\(x0 - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Self.label(tick))</text>")
            }
            svg.append("<path d=\"M\(x0) \(top)V\(bottom)H\(x0 + panelWidth)\" stroke=\"#888\" fill=\"none\"/>")
            for e in epochs {
                svg.append(String(format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>", x(e, (lines.count - 1) / 2) , bottom + 18, e))
            }
            svg.append("<text x=\"\(x0 + panelWidth / 2)\" y=\"\(bottom + 38)\" text-anchor=\"middle\">epoch</text>")
            svg.append("<text transform=\"translate(\(x0 - 44) \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">loss</text>")
            if lines.isEmpty {
                svg.append("<text x=\"\(x0 + panelWidth / 2)\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" fill=\"#888\">no method logs this loss</text>")
            }
            for (k, line) in lines.enumerated() {
                let colour = Self.methodColours[drawn.firstIndex(of: line.method)! % Self.methodColours.count]
                let points = line.points.map { String(format: "%.1f,%.1f", x($0.epoch, k), y($0.mean)) }
                svg.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>")
                for point in line.points {
                    let px = x(point.epoch, k)
                    if point.count > 1 {
                        svg.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%@\"/>",
                                          px, px, y(point.mean + point.std), y(point.mean - point.std), colour))
                    }
                    svg.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%@\"/>", px, y(point.mean), colour))
                }
            }
        }
        let legendX = left + (panelWidth + left) * panels.count
        svg.append("<text x=\"\(legendX)\" y=\"\(top - 14)\" font-weight=\"bold\">method</text>")
        for (k, m) in drawn.enumerated() {
            let colour = Self.methodColours[k % Self.methodColours.count], ly = top + 18 * k
            svg.append("<line x1=\"\(legendX)\" x2=\"\(legendX + 18)\" y1=\"\(ly)\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"/><text x=\"\(legendX + 24)\" y=\"\(ly + 4)\">\(Self.escaped(m))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }
}
