/// The base-to-new summary of CoOp's benchmark (CoCoOp, MaPLe, PromptSRC, ProMetaR tables):
/// accuracy on the base classes, on the new classes, and their harmonic mean
/// `HM = 2·b·n / (b + n)`.
///
/// Papers report HM of the averaged base and new accuracies (e.g. CoOp's 11-dataset average
/// 82.69 / 63.22 → 71.66), not an average of per-dataset HMs; pass averages to get theirs.
public struct EvaluationSummary: Sendable, Equatable {
    /// Base-class accuracy in percent.
    public var base: Double
    /// New-class accuracy in percent.
    public var new: Double

    public init(base: Double, new: Double) {
        self.base = base
        self.new = new
    }

    /// `2·b·n / (b + n)`, in the units of its arguments.
    public var harmonicMean: Double { Self.harmonicMean(base: base, new: new) }

    /// `2·b·n / (b + n)`; 0 when both are 0 (the limit along b = n).
    public static func harmonicMean(base: Double, new: Double) -> Double {
        precondition(base >= 0 && new >= 0, "accuracies must be non-negative, got base \(base), new \(new)")
        return base + new == 0 ? 0 : 2 * base * new / (base + new)
    }

    /// Lines in the Dassl style (`* base: 82.69%`, `* new: 63.22%`, `* HM: 71.66%`).
    public var report: [String] {
        ["* base: \(EvaluationMetrics.fixed2(base))%",
         "* new: \(EvaluationMetrics.fixed2(new))%",
         "* HM: \(EvaluationMetrics.fixed2(harmonicMean))%"]
    }
}
