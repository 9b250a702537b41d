import Foundation

/// Classification metrics of one evaluation, computed as Dassl's `Classification` evaluator
/// (`dassl/evaluation/evaluator.py`) computes them, so numbers match CoOp-family papers.
///
/// - accuracy = 100 · correct / total, error = 100 − accuracy (Double, as Python floats);
/// - macro-F1 = 100 · mean over the classes *present in the labels* of
///   F1_c = 2·tp_c / (2·tp_c + fp_c + fn_c). Dassl calls
///   `f1_score(y_true, y_pred, average="macro", labels=np.unique(y_true))`, so a class that is
///   only ever predicted adds no term of its own (its false positives still lower the F1 of
///   the classes they were taken from). 2tp/(2tp+fp+fn) equals sklearn's 2PR/(P+R) and is 0
///   where sklearn's zero-division rule gives 0;
/// - per-class accuracy for every label with at least one sample (Dassl's
///   `TEST.PER_CLASS_RESULT` block), and their mean (`* average`).
public struct EvaluationMetrics: Sendable, Equatable {
    /// One class's share of the evaluation.
    public struct ClassResult: Sendable, Equatable {
        public var label: Int
        public var name: String
        public var total: Int
        public var correct: Int
        /// 100 · correct / total.
        public var accuracy: Double { 100 * Double(correct) / Double(total) }
    }

    /// Number of evaluated samples.
    public let total: Int
    /// Samples whose prediction equals the label.
    public let correct: Int
    /// Macro-F1 in percent (see the type's description).
    public let macroF1: Double
    /// Classes with at least one sample, by ascending label.
    public let perClass: [ClassResult]

    /// Accuracy in percent.
    public var accuracy: Double { 100 * Double(correct) / Double(total) }
    /// 100 − accuracy.
    public var error: Double { 100 - accuracy }
    /// Mean of the per-class accuracies (Dassl's `* average`).
    public var meanPerClassAccuracy: Double {
        perClass.map(\.accuracy).reduce(0, +) / Double(perClass.count)
    }

    /// Metrics of `predictions` against `labels`.
    /// - Parameters:
    ///   - labels: ground truth, each in `0..<classNames.count`.
    ///   - predictions: predicted labels, one per label, each in `0..<classNames.count`.
    ///   - classNames: names by label (for the per-class results).
    public init(labels: [Int], predictions: [Int], classNames: [String]) {
        precondition(!labels.isEmpty, "metrics of no samples")
        precondition(labels.count == predictions.count, "\(labels.count) labels but \(predictions.count) predictions")
        let c = classNames.count
        precondition(labels.allSatisfy { (0..<c).contains($0) } && predictions.allSatisfy { (0..<c).contains($0) },
                     "labels and predictions must be in 0..<\(c)")
        var truePositives = [Int](repeating: 0, count: c)
        var labelCounts = [Int](repeating: 0, count: c)
        var predictionCounts = [Int](repeating: 0, count: c)
        for (y, p) in zip(labels, predictions) {
            labelCounts[y] += 1
            predictionCounts[p] += 1
            if y == p { truePositives[y] += 1 }
        }
        total = labels.count
        correct = truePositives.reduce(0, +)
        let present = (0..<c).filter { labelCounts[$0] > 0 }
        // tp + fn = label count, tp + fp = prediction count: 2tp + fp + fn = both counts' sum.
        let f1 = present.map { k in 2 * Double(truePositives[k]) / Double(labelCounts[k] + predictionCounts[k]) }
        macroF1 = 100 * f1.reduce(0, +) / Double(present.count)
        perClass = present.map { ClassResult(label: $0, name: classNames[$0], total: labelCounts[$0], correct: truePositives[$0]) }
    }

    /// The lines Dassl's evaluator prints, which CoOp's `parse_test_res.py` reads
    /// (`* accuracy: ([\.\deE+-]+)%`):
    ///
    ///     => result
    ///     * total: 1,000
    ///     * correct: 923
    ///     * accuracy: 92.30%
    ///     * error: 7.70%
    ///     * macro_f1: 91.02%
    ///
    /// Counts use Python's `{:,}` grouping, percentages `{:.2f}`. With `perClass`, Dassl's
    /// `=> per-class result` block follows (`* class: 0 (name)\ttotal: …\tcorrect: …\tacc: …%`,
    /// then `* average: …%`).
    public func dasslReport(perClass includePerClass: Bool = false) -> [String] {
        var lines = [
            "=> result",
            "* total: \(Self.grouped(total))",
            "* correct: \(Self.grouped(correct))",
            "* accuracy: \(Self.fixed2(accuracy))%",
            "* error: \(Self.fixed2(error))%",
            "* macro_f1: \(Self.fixed2(macroF1))%",
        ]
        if includePerClass {
            lines.append("=> per-class result")
            for r in perClass {
                lines.append("* class: \(r.label) (\(r.name))\ttotal: \(Self.grouped(r.total))\tcorrect: \(Self.grouped(r.correct))\tacc: \(Self.fixed2(r.accuracy))%")
            }
            lines.append("* average: \(Self.fixed2(meanPerClassAccuracy))%")
        }
        return lines
    }

    /// Python's `f"{x:.2f}"`: correctly rounded from the exact binary value, as C's `%.2f`.
    static func fixed2(_ x: Double) -> String {
        String(format: "%.2f", x)
    }

    /// Python's `f"{n:,}"`: thousands separated by commas.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
