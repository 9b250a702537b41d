import Foundation

/// A per-epoch learning-rate schedule with Dassl's cosine + warm-up semantics.
///
/// Port of Dassl.pytorch `build_lr_scheduler` with `LR_SCHEDULER: cosine`, `WARMUP_TYPE:
/// constant | linear` and the default `WARMUP_RECOUNT: True`, over PyTorch's
/// `CosineAnnealingLR(optimizer, T_max = float(max_epoch), eta_min)`, stepped once per epoch
/// (CoOp-style trainers call `update_lr()` after the last batch of an epoch). `lr(epoch: e)`
/// is the rate after `e` steps, i.e. the rate used while training epoch `e` (0-based).
///
/// With `W` warm-up epochs (0 for ``Warmup/none``):
/// - `e < W`, constant: `lr`. Linear: `minLR` at `e = 0`, else `baseLR · e / W`.
/// - `e ≥ W`: the cosine schedule at `k = e − W`. Dassl builds the cosine scheduler first and
///   re-counts its epochs, so it starts at `baseLR` on epoch `W` and keeps its period
///   `T = maxEpoch`: with warm-up the last training epoch does not reach `etaMin`.
///
/// The cosine rate is PyTorch's chainable (recursive) form, which is what
/// `scheduler.step()` without an epoch argument evaluates, replayed in `Double` in the same
/// operation order so the result is bit-identical to PyTorch's on the same C math library:
///
///     η₀ = baseLR
///     η_i = (1 + cos(π·i/T)) / (1 + cos(π·(i−1)/T)) · (η_{i−1} − etaMin) + etaMin
///
/// It equals the closed form `etaMin + (baseLR − etaMin)·(1 + cos(π·k/T))/2` up to rounding.
/// PyTorch versions disagree past `k = T` (the warm-restart branch), so `k ≤ T` is required.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    /// Warm-up before the cosine schedule (Dassl `WARMUP_TYPE`, `WARMUP_EPOCH`).
    public enum Warmup: Sendable, Equatable, Codable {
        /// No warm-up: the cosine schedule starts at epoch 0.
        case none
        /// `lr` for the first `epochs` epochs (`WARMUP_CONS_LR`).
        case constant(epochs: Int, lr: Double)
        /// `minLR` at epoch 0, then `baseLR · e / epochs` for `0 < e < epochs` (`WARMUP_MIN_LR`).
        case linear(epochs: Int, minLR: Double)

        /// Number of warm-up epochs; Dassl treats `WARMUP_EPOCH ≤ 0` as no warm-up.
        public var epochs: Int {
            switch self {
            case .none: 0
            case .constant(let epochs, _), .linear(let epochs, _): max(epochs, 0)
            }
        }
    }

    /// The optimizer's nominal rate (`OPTIM.LR`), the cosine schedule's starting value.
    public var baseLR: Double
    /// Cosine period `T` in epochs (`OPTIM.MAX_EPOCH`).
    public var maxEpoch: Int
    /// The cosine schedule's floor (`eta_min`).
    public var etaMin: Double
    /// Warm-up before the cosine schedule.
    public var warmup: Warmup
    /// Whether the trainer steps the scheduler after each epoch (Dassl's `update_lr` steps the
    /// schedulers passed to `register_model`). An unstepped scheduler keeps the rate its
    /// construction set — `lr(epoch: 0)`, the warm-up rate when there is one — for the whole
    /// run: ProMetaR's regulator, whose scheduler `trainers/prometar.py:382` builds but never
    /// registers.
    public var stepped = true

    /// Creates a schedule.
    ///
    /// - Parameters:
    ///   - baseLR: the nominal learning rate.
    ///   - maxEpoch: number of training epochs, the cosine period; `> 0`.
    ///   - etaMin: the cosine floor; 0 in Dassl.
    ///   - warmup: warm-up before the cosine schedule.
    ///   - stepped: false for a scheduler that is built but never stepped.
    public init(baseLR: Double, maxEpoch: Int, etaMin: Double = 0, warmup: Warmup = .none, stepped: Bool = true) {
        precondition(maxEpoch > 0, "maxEpoch must be positive, got \(maxEpoch)")
        self.baseLR = baseLR
        self.maxEpoch = maxEpoch
        self.etaMin = etaMin
        self.warmup = warmup
        self.stepped = stepped
    }

    /// The learning rate after `epoch` scheduler steps, i.e. the rate used during `epoch`.
    ///
    /// A pure function of the schedule and `epoch`: resuming needs only the epoch number.
    ///
    /// - Parameter epoch: `0 ≤ epoch ≤ maxEpoch + warmup.epochs`.
    public func lr(epoch: Int) -> Double {
        precondition(maxEpoch > 0, "maxEpoch must be positive, got \(maxEpoch)")
        let warmupEpochs = warmup.epochs
        precondition(epoch >= 0 && epoch - warmupEpochs <= maxEpoch,
                     "epoch \(epoch) outside 0...\(maxEpoch + warmupEpochs)")
        if !stepped && epoch > 0 { return lr(epoch: 0) }
        if epoch < warmupEpochs {
            switch warmup {
            case .none:
                preconditionFailure("unreachable: no warm-up epochs")
            case .constant(_, let lr):
                return lr
            case .linear(_, let minLR):
                // Python: lr * self.last_epoch / self.warmup_epoch, left to right.
                return epoch == 0 ? minLR : baseLR * Double(epoch) / Double(warmupEpochs)
            }
        }
        return cosine(steps: epoch - warmupEpochs)
    }

    /// PyTorch's recursive `CosineAnnealingLR.get_lr` after `steps` steps, `steps ≤ T`.
    private func cosine(steps: Int) -> Double {
        let period = Double(maxEpoch)
        var rate = baseLR
        var i = 1
        while i <= steps {
            // i ≤ T keeps 1 + cos(π(i−1)/T) > 0: the warm-restart branch, taken when
            // (i − 1 − T) is a multiple of 2T, is never reached.
            let numerator = 1 + cos(Double.pi * Double(i) / period)
            let denominator = 1 + cos(Double.pi * Double(i - 1) / period)
            rate = numerator / denominator * (rate - etaMin) + etaMin
            i += 1
        }
        return rate
    }
}
