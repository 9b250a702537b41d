import Foundation

/// A per-step learning-rate schedule: a constant warm-up, then a cosine over the remaining
/// steps down to `etaMin`, for runs measured in steps rather than epochs (GRAM meta-training).
///
/// With `S` steps, `W` warm-up steps and `T = S − W`, the rate used during step `s` (0-based):
///
///     s < W:       warmupLR
///     W ≤ s ≤ S:   etaMin + (baseLR − etaMin) · (1 + cos(π·(s − W)/T)) / 2
///
/// so step `W` runs at `baseLR`, the middle of the cosine (`s = W + T/2`) at
/// `(baseLR + etaMin)/2`, and the rate after the last step (`s = S`) is `etaMin`. The warm-up
/// is Dassl's `WARMUP_TYPE: constant` counted in steps; unlike `LearningRateSchedule`, whose
/// cosine keeps the period of the whole run (`T = MAX_EPOCH`, so a warm-up leaves it
/// unfinished), the period here is what remains after the warm-up.
///
/// The rate is the closed form, evaluated per step in `Double`: a pure function of the step,
/// O(1) at any step count, so `--resume` needs only the step number. PyTorch's
/// `CosineAnnealingLR` stepped without an argument evaluates the chainable (recursive) form
/// instead, which equals this closed form up to a few ulps per step (see
/// `LearningRateSchedule`); `LearningRateSchedule(baseLR:maxEpoch: T, warmup: .constant(W, …))`
/// replays that recursion per epoch and gives the same rates to that precision.
public struct WarmupCosineSchedule: Sendable, Equatable {
    /// The cosine's starting rate (the optimizer's nominal rate).
    public var baseLR: Double
    /// Steps in the run, `S > 0`.
    public var steps: Int
    /// Constant warm-up steps at `warmupLR`, `0 ≤ W < S`.
    public var warmupSteps: Int
    /// The warm-up rate.
    public var warmupLR: Double
    /// The cosine's floor, reached after the last step.
    public var etaMin: Double

    /// Creates a schedule.
    ///
    /// - Parameters:
    ///   - baseLR: the nominal learning rate, the first post-warm-up step's.
    ///   - steps: steps in the run; `> 0`.
    ///   - warmupSteps: constant warm-up steps; `0 ≤ warmupSteps < steps`.
    ///   - warmupLR: the rate during the warm-up.
    ///   - etaMin: the cosine's floor; 0 as in Dassl.
    public init(baseLR: Double, steps: Int, warmupSteps: Int, warmupLR: Double, etaMin: Double = 0) {
        precondition(steps > 0 && warmupSteps >= 0 && warmupSteps < steps,
                     "need 0 ≤ warmupSteps < steps, got warmupSteps \(warmupSteps), steps \(steps)")
        self.baseLR = baseLR
        self.steps = steps
        self.warmupSteps = warmupSteps
        self.warmupLR = warmupLR
        self.etaMin = etaMin
    }

    /// The learning rate used during `step` (0-based); `step == steps` gives the rate after
    /// the last step, `etaMin`.
    ///
    /// - Parameter step: `0 ≤ step ≤ steps`.
    public func lr(step: Int) -> Double {
        precondition(step >= 0 && step <= steps, "step \(step) outside 0...\(steps)")
        if step < warmupSteps { return warmupLR }
        let k = Double(step - warmupSteps), period = Double(steps - warmupSteps)
        return etaMin + (baseLR - etaMin) * (1 + cos(Double.pi * k / period)) / 2
    }
}
