import AutoDiff
import Foundation

/// PromptSRC's Gaussian prompt aggregation (GPA; Khattak et al., ICCV 2023, Eq. 6): the
/// prompts a run ends with are a Gaussian-weighted sum of the prompts at the end of each epoch,
///
///     θ_GPA = Σₑ wₑ·θₑ,   wₑ = g(e) / Σ_{a=1…N} g(a),   g(x) = N(x; μ, σ²),   e = 1…N
///
/// with N the run's epoch count (Dassl's `MAX_EPOCH`). As the official trainer runs it
/// (PromptSRC `trainers/promptsrc.py`):
/// - the weights are g(1…N) normalised to sum 1 (lines 265–270, 358–360), in Float64;
/// - after each epoch's last batch and its optimiser step, the current prompts times that
///   epoch's weight are added to the running aggregate (lines 320–330). `step_counter` starts
///   at 1 (line 264) and is incremented before it indexes `self.gauss[step_counter − 2]`, so
///   after 1-based epoch e it reads `gauss[e − 1]` = g(e): no off-by-one, epoch e gets wₑ;
/// - when `step_counter == MAX_EPOCH + 1`, right after the last epoch's aggregation, the
///   aggregate replaces the model's weights (lines 332–335), so the saved model and the final
///   evaluation use it. A run that stops earlier keeps its current prompts.
///
/// The arithmetic is the official one in the prompts' precision: each term is
/// `fl(θ · fl(wₑ))` (PyTorch multiplies a float tensor by a Python scalar in the tensor's
/// type) and the aggregate is `fl(aggregate + term)`; the first term starts it (line 328).
/// Float32 here; the official fp16 config (`PREC: "fp16"`) rounds to half. The official code
/// weights the whole `state_dict` (line 325, `prompt_only=False`), frozen CLIP weights
/// included, which leaves those at w·Σfl(wₑ) ≈ w up to rounding; only the prompts are
/// aggregated here and the frozen model stays exact.
public struct GaussianPromptAggregation: Sendable, Equatable {
    /// μ of the epoch weights, in epochs (`GPA_MEAN`; 15 for base-to-new over 20 epochs).
    public var mean: Double
    /// σ of the epoch weights, in epochs (`GPA_STD`; 1 for base-to-new).
    public var standardDeviation: Double
    /// Σ of the finished epochs' weighted prompts by prompt name; empty before the first
    /// epoch ends (the official `previous_model_gpa = None`).
    public private(set) var aggregate: [String: [Float]] = [:]

    /// Checkpoint names of the aggregate: `gpa.<prompt>`.
    public static let statePrefix = "gpa."

    public init(mean: Double, standardDeviation: Double) {
        precondition(standardDeviation > 0 && standardDeviation.isFinite && mean.isFinite,
                     "Gaussian prompt aggregation needs a finite mean and a positive standard deviation, got \(mean), \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// The normalised epoch weights w₁…w_N (index e − 1 for epoch e), in Float64 as the
    /// official `get_gauss` and `self.gauss / sum(self.gauss)` compute them (the density
    /// `(1/(σ√(2π)))·exp(−½((x − μ)/σ)²)`, summed left to right).
    public static func weights(epochs: Int, mean: Double, standardDeviation: Double) -> [Double] {
        precondition(epochs >= 1, "Gaussian prompt aggregation over \(epochs) epochs")
        let scale = 1 / (standardDeviation * (2 * Double.pi).squareRoot())
        let g = (1...epochs).map { x -> Double in
            let z = (Double(x) - mean) / standardDeviation
            return scale * Foundation.exp(-0.5 * (z * z))
        }
        let total = g.reduce(0, +)
        return g.map { $0 / total }
    }

    /// Adds the prompts at the end of 1-based `epoch` of `maxEpoch` with that epoch's weight.
    /// - Returns: the aggregated prompts after the last epoch (`epoch == maxEpoch`), which
    ///   replace the method's; nil before.
    public mutating func add(_ prompts: [String: Tensor], epoch: Int, of maxEpoch: Int) -> [String: Tensor]? {
        precondition((1...maxEpoch).contains(epoch), "epoch \(epoch) of \(maxEpoch)")
        let w = Float(Self.weights(epochs: maxEpoch, mean: mean, standardDeviation: standardDeviation)[epoch - 1])
        for name in prompts.keys.sorted() {
            let values = prompts[name]!.storage
            let term = values.map { $0 * w }
            if let sum = aggregate[name] {
                precondition(sum.count == term.count, "aggregate of '\(name)' has \(sum.count) values, the prompt \(term.count)")
                aggregate[name] = zip(sum, term).map { $0 + $1 }
            } else {
                aggregate[name] = term
            }
        }
        guard epoch == maxEpoch else { return nil }
        var aggregated: [String: Tensor] = [:]
        for (name, p) in prompts { aggregated[name] = Tensor(shape: p.shape, values: aggregate[name]!) }
        return aggregated
    }

    /// The aggregate as checkpoint state, `gpa.<prompt>` (empty before the first epoch ends).
    public var state: [String: [Float]] {
        Dictionary(uniqueKeysWithValues: aggregate.map { (Self.statePrefix + $0.key, $0.value) })
    }

    /// Restores the aggregate from checkpoint state (`gpa.<prompt>` entries; none: empty).
    /// - Throws: ``MethodStateError`` for an entry that names no prompt or has the wrong size.
    public mutating func load(state: [String: [Float]], prompts: [String: Tensor]) throws {
        var restored: [String: [Float]] = [:]
        for key in state.keys.sorted() {
            let name = String(key.dropFirst(Self.statePrefix.count))
            guard key.hasPrefix(Self.statePrefix), let p = prompts[name] else {
                throw MethodStateError("Gaussian prompt aggregation: state '\(key)' names no prompt")
            }
            guard state[key]!.count == p.count else {
                throw MethodStateError("Gaussian prompt aggregation: state '\(key)' has \(state[key]!.count) values, prompt \(p.shape) has \(p.count)")
            }
            restored[name] = state[key]!
        }
        aggregate = restored
    }
}
