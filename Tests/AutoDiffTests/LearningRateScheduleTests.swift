import AutoDiff
import Foundation
import Testing
import TestSupport

@Suite struct LearningRateScheduleTests {
    /// ProMetaR's prompt optimizer (configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml):
    /// LR 0.0025, MAX_EPOCH 10, cosine, WARMUP_EPOCH 1, WARMUP_TYPE constant, WARMUP_CONS_LR 1e-5.
    static let proMetaR = LearningRateSchedule(
        baseLR: 0.0025, maxEpoch: 10, warmup: .constant(epochs: 1, lr: 1e-5))

    /// By hand, to 40 digits in decimal arithmetic: epoch 0 is the warm-up rate, then
    /// 0.0025·(1 + cos(π·k/10))/2 with k = epoch − 1.
    static let proMetaRByHand: [(epoch: Int, lr: Double)] = [
        (0, 1e-5),
        (1, 0.0025),
        (2, 0.002438820645368941965145549166724227679),
        (3, 0.002261271242968684280127866771478523824),
        (4, 0.001984731565365591411460882443298840961),
        (5, 0.001636271242968684280127866771478523824),
        (6, 0.00125),
        (7, 0.000863728757031315719872133228521476176),
        (8, 0.000515268434634408588539117556701159039),
        (9, 0.000238728757031315719872133228521476176),
        (10, 0.0000611793546310580348544508332757723207),
    ]

    /// A scheduler built but never stepped (ProMetaR's φ, `trainers/prometar.py:382`, not
    /// registered, so `update_lr` skips it) keeps its construction rate — the warm-up rate —
    /// every epoch; exact, no arithmetic happens.
    @Test func unsteppedScheduleKeepsTheFirstEpochsRate() {
        let stated = LearningRateSchedule(baseLR: 0.00025, maxEpoch: 10, warmup: .constant(epochs: 1, lr: 1e-6))
        var asRun = stated
        asRun.stepped = false
        for epoch in 0...10 { #expect(asRun.lr(epoch: epoch) == 1e-6, "epoch \(epoch)") }
        #expect(stated.lr(epoch: 1) == 0.00025 && stated.lr(epoch: 0) == 1e-6)
        let noWarmup = LearningRateSchedule(baseLR: 0.01, maxEpoch: 5, stepped: false)
        #expect((0...5).allSatisfy { noWarmup.lr(epoch: $0) == 0.01 })
    }

    @Test(arguments: proMetaRByHand)
    func proMetaRScheduleMatchesHandComputedValues(_ row: (epoch: Int, lr: Double)) {
        // The recursion differs from exact arithmetic by a few ulps per step.
        #expect(Tolerance(atol: 0, rtol: 1e-12).allows(Self.proMetaR.lr(epoch: row.epoch), row.lr))
    }

    /// PyTorch's recursive `CosineAnnealingLR` under Dassl's wrappers, replayed in CPython
    /// (3.x, glibc `cos`) by stepping a transcription of `_LRScheduler.step`,
    /// `CosineAnnealingLR.get_lr` and Dassl's `Constant/LinearWarmupScheduler`, and printed
    /// with `repr` (round-trips exactly). Several entries differ in the last bit from the
    /// closed form (e.g. epoch 4 of ProMetaR: …655916 here, …655914 in closed form), so
    /// equality here shows the recursion, not the formula, is reproduced.
    static let pyTorchValues: [(schedule: LearningRateSchedule, lrs: [Double])] = [
        (proMetaR, [
            1e-05, 0.0025, 0.0024388206453689423, 0.0022612712429686843, 0.0019847315653655916,
            0.0016362712429686844, 0.00125, 0.0008637287570313158, 0.0005152684346344087,
            0.00023872875703131582, 6.117935463105809e-05,
        ]),
        // ProMetaR's regulator optimizer (OPTIM_VNET): LR 0.00025, warm-up 1e-6.
        (LearningRateSchedule(baseLR: 0.00025, maxEpoch: 10, warmup: .constant(epochs: 1, lr: 1e-6)), [
            1e-06, 0.00025, 0.0002438820645368942, 0.0002261271242968684, 0.00019847315653655914,
            0.00016362712429686844, 0.000125, 8.637287570313158e-05, 5.152684346344088e-05,
            2.3872875703131585e-05, 6.117935463105809e-06,
        ]),
        (LearningRateSchedule(baseLR: 0.002, maxEpoch: 10, warmup: .linear(epochs: 3, minLR: 1e-5)), [
            1e-05, 0.0006666666666666666, 0.0013333333333333333, 0.002, 0.0019510565162951536,
            0.0018090169943749473, 0.0015877852522924731, 0.0013090169943749475, 0.001,
            0.0006909830056250527, 0.000412214747707527, 0.00019098300562505268,
            4.894348370484647e-05, 0.0,
        ]),
        (LearningRateSchedule(baseLR: 0.0025, maxEpoch: 10), [
            0.0025, 0.0024388206453689423, 0.0022612712429686843, 0.0019847315653655916,
            0.0016362712429686844, 0.00125, 0.0008637287570313158, 0.0005152684346344087,
            0.00023872875703131582, 6.117935463105809e-05, 0.0,
        ]),
        (LearningRateSchedule(baseLR: 0.01, maxEpoch: 7, etaMin: 1e-4), [
            0.01, 0.009509795896116974, 0.00813627451920073, 0.006151478623083756,
            0.003948521376916244, 0.0019637254807992693, 0.0005902041038830258, 0.0001,
        ]),
        (LearningRateSchedule(baseLR: 0.1, maxEpoch: 5, warmup: .constant(epochs: 2, lr: 1e-3)), [
            0.001, 0.001, 0.1, 0.09045084971874738, 0.06545084971874737, 0.03454915028125263,
            0.009549150281252633, 0.0,
        ]),
    ]

    @Test(arguments: pyTorchValues)
    func reproducesPyTorchRecursionBitForBit(
        _ row: (schedule: LearningRateSchedule, lrs: [Double])
    ) {
        let ours = row.lrs.indices.map { row.schedule.lr(epoch: $0) }
        #expect(ours.map(\.bitPattern) == row.lrs.map(\.bitPattern), "\(ours) vs \(row.lrs)")
    }

    @Test(arguments: [(1, 0.0), (2, 0.0), (5, 1e-4), (10, 0.0), (50, 1e-5), (200, 0.0)])
    func recursiveFormMatchesClosedForm(_ setting: (maxEpoch: Int, etaMin: Double)) {
        let base = 0.0025
        let schedule = LearningRateSchedule(baseLR: base, maxEpoch: setting.maxEpoch,
                                            etaMin: setting.etaMin)
        for k in 0...setting.maxEpoch {
            let t = Double(setting.maxEpoch)
            let closed = setting.etaMin
                + (base - setting.etaMin) * (1 + cos(Double.pi * Double(k) / t)) / 2
            // The same cos values telescope in the recursion, leaving ~3 roundings per step
            // (≤ 7e−14 relative at T = 200); the atol only covers closed ≈ 0 at k = T.
            #expect(Tolerance(atol: 1e-18, rtol: 1e-12).allows(schedule.lr(epoch: k), closed),
                    "k = \(k)")
        }
    }

    @Test(arguments: [1, 2, 4])
    func warmupShiftsTheCosineWithoutCompressingIt(_ warmupEpochs: Int) {
        let plain = LearningRateSchedule(baseLR: 0.0025, maxEpoch: 10)
        for warmup in [LearningRateSchedule.Warmup.constant(epochs: warmupEpochs, lr: 1e-5),
                       .linear(epochs: warmupEpochs, minLR: 1e-5)] {
            let warm = LearningRateSchedule(baseLR: 0.0025, maxEpoch: 10, warmup: warmup)
            for k in 0...10 {
                #expect(warm.lr(epoch: warmupEpochs + k) == plain.lr(epoch: k))
            }
        }
    }

    @Test func warmupRatesFollowDassl() {
        let constant = LearningRateSchedule(
            baseLR: 0.01, maxEpoch: 20, warmup: .constant(epochs: 3, lr: 1e-5))
        #expect((0..<3).map { constant.lr(epoch: $0) } == [1e-5, 1e-5, 1e-5])
        #expect(constant.lr(epoch: 3) == 0.01)

        let linear = LearningRateSchedule(
            baseLR: 0.01, maxEpoch: 20, warmup: .linear(epochs: 4, minLR: 1e-5))
        // minLR at epoch 0, then baseLR·e/W (never minLR + ramp).
        let ramp: [Double] = [1e-5, 0.01 * 1 / 4, 0.01 * 2 / 4, 0.01 * 3 / 4, 0.01]
        #expect((0..<5).map { linear.lr(epoch: $0) } == ramp)
    }

    @Test(arguments: [LearningRateSchedule.Warmup.constant(epochs: 0, lr: 1e-5),
                      .linear(epochs: -1, minLR: 1e-5)])
    func nonPositiveWarmupEpochsMeanNoWarmup(_ warmup: LearningRateSchedule.Warmup) {
        let plain = LearningRateSchedule(baseLR: 0.0025, maxEpoch: 10)
        let warm = LearningRateSchedule(baseLR: 0.0025, maxEpoch: 10, warmup: warmup)
        #expect(warmup.epochs == 0)
        #expect((0...10).map { warm.lr(epoch: $0) } == (0...10).map { plain.lr(epoch: $0) })
    }

    @Test func codableRoundTripPreservesTheSchedule() throws {
        for schedule in [Self.proMetaR,
                         LearningRateSchedule(baseLR: 0.1, maxEpoch: 3, etaMin: 1e-3,
                                              warmup: .linear(epochs: 2, minLR: 1e-4)),
                         LearningRateSchedule(baseLR: 0.1, maxEpoch: 3)] {
            let data = try JSONEncoder().encode(schedule)
            #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: data) == schedule)
        }
    }
}
