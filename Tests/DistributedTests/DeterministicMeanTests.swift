import AutoDiff
import Distributed
import Testing

/// The fixed-point conversion `DeterministicMean` sums with is exactly round-half-even.
@Suite struct FixedPointTests {
    @Test func fixedPointRoundsHalfToEvenLikeLibm() {
        var cases: [Double] = [0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 4_503_599_627_370_495.5,
                               4_503_599_627_370_496, -4_503_599_627_370_497, 9.2e18, -9.2e18, 2_251_799_813_685_248.5]
        var stream = RandomStream(seed: 3)
        for _ in 0..<100_000 {
            // Magnitudes from 2⁻⁴ to 2⁶², as scaled gradients are.
            let e = Int(stream.uniformFloat() * 66) - 4
            cases.append(Double(stream.normalFloat()) * Double(sign: .plus, exponent: e, significand: 1))
        }
        for y in cases {
            #expect(DeterministicMean.fixedPoint(y) == Int64(y.rounded(.toNearestOrEven)), "\(y)")
        }
    }
}
