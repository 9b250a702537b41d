import AutoDiff
import Foundation
import Testing

/// The pointwise ops built on the vectorised eˣ against libm, element by element.
@Suite struct VectorExpTests {
    /// Distance in units in the last place (both finite, same sign).
    static func ulps(_ a: Float, _ b: Float) -> Int {
        Int(abs(Int64(a.bitPattern) - Int64(b.bitPattern)))
    }

    // A dense grid over the range where eˣ is a normal float, plus odd lengths so the
    // zero-padded tail runs too. Cephes' expf is specified at ~1 ulp; 2 ulp is the bound
    // here (libm's own expf is within 1 of the exact value, so two correct-ish results may
    // sit 2 apart). Relative 2 ulp = 2.4e-7, far below every parity tolerance (≥ 1e-5).
    @Test func expIsWithinTwoUlpOfLibm() {
        let xs = (0..<200_003).map { Float(-87.3) + Float($0) * (88.7 + 87.3) / 200_002 }
        let ys = Tensor(shape: [xs.count], values: xs).exp().storage
        var worst = 0, at: Float = 0
        for (x, y) in zip(xs, ys) {
            let u = Self.ulps(y, Foundation.exp(x))
            if u > worst { (worst, at) = (u, x) }
        }
        #expect(worst <= 2, "worst \(worst) ulp at x = \(at)")
    }

    @Test func expHandlesTheEdges() {
        let xs: [Float] = [-.infinity, -1000, -88, 0, 89, 1000, .infinity, .nan, -0.0]
        let ys = Tensor(shape: [xs.count], values: xs).exp().storage
        #expect(Array(ys[0..<3]) == [0, 0, 0])
        #expect(ys[3] == 1 && ys[8] == 1)
        #expect(Array(ys[4..<7]) == [.infinity, .infinity, .infinity])
        #expect(ys[7].isNaN)
        // A fully masked softmax entry (−∞ after the max is subtracted) is exactly 0.
        let p = Tensor(shape: [1, 3], values: [0, -.infinity, 1]).softmax().storage
        #expect(p[1] == 0)
    }

    // σ, QuickGELU and its derivative through eˣ: relative 1e-6 of max(|libm value|, 1)
    // (a few ulp of eˣ through one division and a product).
    @Test func sigmoidAndQuickGELUMatchLibm() {
        let xs = (0..<20_001).map { Float(-60) + Float($0) * 0.006 }
        let t = Tensor(shape: [xs.count], values: xs)
        let pairs: [(String, [Float], (Float) -> Float)] = [
            ("sigmoid", t.sigmoid().storage, { 1 / (1 + Foundation.exp(-$0)) }),
            ("quickGELU", t.quickGELU().storage, { $0 / (1 + Foundation.exp(-1.702 * $0)) }),
            ("quickGELU′", Tensor.ones(t.shape).quickGELUInputGradient(at: t).storage, { x in
                let s = 1 / (1 + Foundation.exp(-1.702 * x)); return s + 1.702 * x * s * (1 - s) }),
        ]
        for (name, ys, f) in pairs {
            let worst = zip(xs, ys).map { x, y in abs(y - f(x)) / max(abs(f(x)), 1) }.max()!
            #expect(worst <= 1e-6, "\(name): worst relative error \(worst)")
        }
    }

    // Softmax and log-softmax rows of every length from 1 to 20 and 197 (ViT's tokens: 24 lanes
    // of 8 and a tail of 5) against a double-precision reference. Rows sit far below 0, so a
    // maximum that saw the tail's padding (0) instead of the row would underflow every e^(x − m)
    // and give NaN. Bound: 4e-7 relative per element (a couple of ulp of eˣ, the sum's rounding
    // over ≤ 197 terms in eight lanes, one division), 2e-6 absolute for log-softmax (|x − m| up to
    // ~10, where one ulp of log Σ is 1e-6).
    @Test func softmaxRowsMatchADoubleReference() {
        for n in Array(1...20) + [197] {
            let rows = 3
            let xs = (0..<(rows * n)).map { i in Float(-300) + Float((i * 7919) % 1000) / 100 }
            let t = Tensor(shape: [rows, n], values: xs)
            let (p, logP) = (t.softmax().storage, t.logSoftmax().storage)
            for r in 0..<rows {
                let row = xs[(r * n)..<((r + 1) * n)].map(Double.init)
                let m = row.max()!, total = row.map { Foundation.exp($0 - m) }.reduce(0, +)
                for j in 0..<n {
                    let want = Foundation.exp(row[j] - m) / total
                    #expect(abs(Double(p[r * n + j]) - want) <= 4e-7 * want, "softmax n = \(n), row \(r), column \(j)")
                    let wantLog = row[j] - m - Foundation.log(total)
                    #expect(abs(Double(logP[r * n + j]) - wantLog) <= 2e-6, "log-softmax n = \(n), row \(r), column \(j)")
                }
            }
        }
        // NaN is passed over by the maximum and carried into its row's sum; a fully masked row
        // gives NaN (0/0), as PyTorch's softmax does.
        let p = Tensor(shape: [2, 9], values: [1, .nan, 0, 0, 0, 0, 0, 0, 2] + [Float](repeating: -.infinity, count: 9)).softmax().storage
        #expect(p.allSatisfy { $0.isNaN })
    }
}
