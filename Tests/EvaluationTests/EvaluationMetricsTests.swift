import CLIPAdapter
import Evaluation
import Testing
import TestSupport

/// Dassl's `Classification` evaluator semantics and print format, and the base-to-new HM.
@Suite struct EvaluationMetricsTests {
    /// sklearn `f1_score(y_true, y_pred, average="macro")` from precision and recall, over the
    /// given classes (an independent formula from the one `EvaluationMetrics` uses).
    static func sklearnMacroF1(_ labels: [Int], _ predictions: [Int], classes: [Int]) -> Double {
        let scores = classes.map { c -> Double in
            let tp = Double(zip(labels, predictions).filter { $0 == c && $1 == c }.count)
            let predicted = Double(predictions.filter { $0 == c }.count), actual = Double(labels.filter { $0 == c }.count)
            let p = predicted == 0 ? 0 : tp / predicted, r = actual == 0 ? 0 : tp / actual
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
        return 100 * scores.reduce(0, +) / Double(classes.count)
    }

    @Test func macroF1AveragesOverTheClassesPresentInTheLabels() {
        // Class 3 is only predicted: Dassl passes labels=np.unique(y_true), so it adds no
        // term (sklearn over labels ∪ predictions would give 22/60 = 36.67%).
        let labels = [0, 0, 1, 1, 2], predictions = [0, 1, 1, 1, 3]
        let m = EvaluationMetrics(labels: labels, predictions: predictions, classNames: ["a", "b", "c", "d"])
        // F1: class 0 2/3, class 1 4/5, class 2 0 → (2/3 + 4/5 + 0) / 3 = 22/45.
        #expect(Tolerance(atol: 1e-12, rtol: 0).allows(m.macroF1, 100.0 * 22 / 45))
        #expect(Tolerance(atol: 1e-12, rtol: 0).allows(m.macroF1, Self.sklearnMacroF1(labels, predictions, classes: [0, 1, 2])))
        #expect(m.total == 5 && m.correct == 3)
        #expect(m.accuracy == 100.0 * 3 / 5 && m.error == 100 - 100.0 * 3 / 5)
        #expect(m.perClass.map(\.label) == [0, 1, 2])
        #expect(m.perClass.map(\.accuracy) == [50, 100, 0])
        #expect(m.dasslReport() == ["=> result", "* total: 5", "* correct: 3", "* accuracy: 60.00%", "* error: 40.00%", "* macro_f1: 48.89%"])
    }

    @Test func perClassBlockFollowsDasslsFormat() {
        let m = EvaluationMetrics(labels: [1, 1, 1, 0], predictions: [1, 0, 1, 0], classNames: ["cat", "dog", "unused"])
        #expect(m.dasslReport(perClass: true).suffix(4) == [
            "=> per-class result",
            "* class: 0 (cat)\ttotal: 1\tcorrect: 1\tacc: 100.00%",
            "* class: 1 (dog)\ttotal: 3\tcorrect: 2\tacc: 66.67%",
            "* average: 83.33%",
        ])
    }

    /// Python's `{:,}` and `{:.2f}` (correct rounding of the binary value: 0.125 → 0.12,
    /// 2.675 → 2.67 because 2.675 is stored as 2.67499…).
    @Test(arguments: [
        (1, 1, "* total: 1", "* accuracy: 100.00%"),
        (1000, 125, "* total: 1,000", "* accuracy: 12.50%"),
        (8000, 10, "* total: 8,000", "* accuracy: 0.12%"),
        (8000, 30, "* total: 8,000", "* accuracy: 0.38%"),
        (1_234_567, 3, "* total: 1,234,567", "* accuracy: 0.00%"),
        (18, 3, "* total: 18", "* accuracy: 16.67%"),
    ])
    func reportFormatsNumbersAsPython(_ total: Int, _ correct: Int, _ totalLine: String, _ accuracyLine: String) {
        let labels = [Int](repeating: 0, count: total)
        let predictions = (0..<total).map { $0 < correct ? 0 : 1 }
        let lines = EvaluationMetrics(labels: labels, predictions: predictions, classNames: ["a", "b"]).dasslReport()
        #expect(lines[1] == totalLine)
        #expect(lines[3] == accuracyLine)
    }

    /// DESIGN.md's 11-dataset averages: HM of the averaged base and new accuracies gives the
    /// published HM to the printed precision.
    @Test(arguments: [
        (69.34, 74.22, "71.70"), (82.69, 63.22, "71.66"), (82.51, 73.35, "77.66"),
        (84.26, 76.10, "79.97"), (84.39, 76.93, "80.49"),
    ])
    func harmonicMeanReproducesPublishedAverages(_ base: Double, _ new: Double, _ hm: String) {
        let summary = EvaluationSummary(base: base, new: new)
        #expect(summary.report.last == "* HM: \(hm)%")
        #expect(Tolerance(atol: 1e-12, rtol: 0).allows(summary.harmonicMean, 2 * base * new / (base + new)))
    }

    @Test func harmonicMeanOfZeroIsZero() {
        #expect(EvaluationSummary.harmonicMean(base: 0, new: 0) == 0)
        #expect(EvaluationSummary.harmonicMean(base: 80, new: 0) == 0)
        #expect(EvaluationSummary.harmonicMean(base: 50, new: 50) == 50)
    }
}
