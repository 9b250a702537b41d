import AutoDiff
import Foundation
import Testing
import TestSupport

@Suite struct WarmupCosineScheduleTests {
    /// GRAM's default run: 100 meta-steps, a tenth of them warm-up at the prompt group's rates.
    static let gramPrompts = WarmupCosineSchedule(baseLR: 0.0025, steps: 100, warmupSteps: 10, warmupLR: 1e-5)
    static let gramRegulator = WarmupCosineSchedule(baseLR: 0.00025, steps: 100, warmupSteps: 10, warmupLR: 1e-6)
    static let withFloor = WarmupCosineSchedule(baseLR: 0.1, steps: 20, warmupSteps: 0, warmupLR: 0, etaMin: 1e-3)

    /// Independently computed with `bc -l` at scale 45 (`p = 4*a(1)`): warm-up rate below W,
    /// then etaMin + (baseLR − etaMin)·(1 + c(p·k/T))/2 with k = s − W, T = S − W.
    static let byHand: [(schedule: WarmupCosineSchedule, step: Int, lr: Double)] = [
        (gramPrompts, 0, 1e-5),
        (gramPrompts, 9, 1e-5),  // last warm-up step
        (gramPrompts, 10, 0.0025),  // first cosine step, k = 0
        (gramPrompts, 11, 0.002499238533773869662507804300054912455619045),
        (gramPrompts, 32, 0.002149174750423313924195068343070889885288355),  // k = 22, cos 44°
        (gramPrompts, 55, 0.00125),  // the middle, k = T/2 = 45
        (gramPrompts, 99, 0.000000761466226130337492195699945087544380954),  // last step, k = 89
        (gramPrompts, 100, 0),  // after the last step
        (gramRegulator, 9, 1e-6),
        (gramRegulator, 10, 0.00025),
        (gramRegulator, 55, 0.000125),
        (gramRegulator, 99, 0.000000076146622613033749219569994508754438095),
        (withFloor, 0, 0.1),
        (withFloor, 5, 0.085501785668734102457841795924190027444599378),
        (withFloor, 10, 0.0505),
        (withFloor, 19, 0.001609427140540682553593007739174855592458860),
        (withFloor, 20, 0.001),
    ]

    @Test(arguments: byHand)
    func ratesMatchHandComputedValues(_ row: (schedule: WarmupCosineSchedule, step: Int, lr: Double)) {
        // Double closed form: cos is within an ulp, and 1 + cos near the end of the cosine
        // (6e-4 at k = 89 of 90) cancels, so ≈ ulp(1)/6e-4 ≈ 2e-13 relative there; the atol
        // only covers the exact 0 after the last step (cos(π) rounds to −1).
        let ours = row.schedule.lr(step: row.step)
        #expect(Tolerance(atol: 1e-18, rtol: 1e-12).allows(ours, row.lr), "step \(row.step): \(ours) vs \(row.lr)")
    }

    @Test func warmupBoundaryIsExact() {
        for s in [Self.gramPrompts, Self.gramRegulator] {
            #expect((0..<10).allSatisfy { s.lr(step: $0) == s.warmupLR })
            // (1 + cos 0)/2 = 1 exactly: the first cosine step is the base rate bit for bit.
            #expect(s.lr(step: 10) == s.baseLR)
        }
    }

    @Test func ratesDecreaseAfterTheWarmup() {
        let rates = (10...100).map { Self.gramPrompts.lr(step: $0) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
    }

    /// The closed form against the recursive (PyTorch chainable) form that
    /// `LearningRateSchedule` replays, with the cosine period set to the post-warm-up steps.
    @Test(arguments: [(100, 10), (100, 0), (7, 1), (250, 25), (1, 0)])
    func closedFormMatchesRecursiveForm(_ setting: (steps: Int, warmup: Int)) {
        let step = WarmupCosineSchedule(baseLR: 0.0025, steps: setting.steps, warmupSteps: setting.warmup, warmupLR: 1e-5)
        let recursive = LearningRateSchedule(baseLR: 0.0025, maxEpoch: setting.steps - setting.warmup,
                                             warmup: setting.warmup > 0 ? .constant(epochs: setting.warmup, lr: 1e-5) : .none)
        for s in 0...setting.steps {
            // ~3 roundings per recursive step (≤ 1e-13 relative at T = 225, as in
            // LearningRateScheduleTests); the atol covers the rate ≈ 0 after the last step.
            #expect(Tolerance(atol: 1e-18, rtol: 1e-12).allows(step.lr(step: s), recursive.lr(epoch: s)), "step \(s)")
        }
    }
}
