import Foundation

/// The difference between two methods run on the same seeds, paired by seed: the mean of the
/// per-seed differences with a two-sided confidence interval from Student's t distribution
/// (n − 1 degrees of freedom), as a paired t-test states it.
///
/// With dᵢ = aᵢ − bᵢ over the n common seeds: mean d̄, sample standard deviation s (n − 1),
/// half-width t₀.₉₇₅,ₙ₋₁ · s / √n. The difference is distinguishable from zero at 95 % when the
/// interval does not contain 0. One seed gives no interval.
public struct PairedDifference: Sendable, Equatable {
    public var seeds: Int
    public var mean: Double
    /// The half-width of the 95 % interval; nil with fewer than two seeds.
    public var halfWidth: Double?

    /// - Parameters: `a`, `b`: values by seed, the same seeds in the same order.
    /// - Precondition: equal, non-zero counts.
    public init(_ a: [Double], minus b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count && !a.isEmpty, "paired values need the same seeds: \(a.count) and \(b.count)")
        let d = zip(a, b).map { $0 - $1 }, n = Double(d.count)
        seeds = d.count
        mean = d.reduce(0, +) / n
        if d.count > 1 {
            let s = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            halfWidth = Self.tQuantile(1 - (1 - confidence) / 2, degreesOfFreedom: n - 1) * s / n.squareRoot()
        }
    }

    /// The interval excludes 0.
    public var isDistinguishableFromZero: Bool {
        guard let h = halfWidth else { return false }
        return mean - h > 0 || mean + h < 0
    }

    /// "+2.31 [−0.40, +5.02]" (points), or "+2.31 (1 seed)".
    public var text: String {
        guard let h = halfWidth else { return String(format: "%+.2f (1 seed)", mean) }
        return String(format: "%+.2f [%+.2f, %+.2f]", mean, mean - h, mean + h)
    }

    /// The p-quantile of Student's t with ν degrees of freedom (p in (0.5, 1)): the t whose
    /// upper tail ½·I_{ν/(ν+t²)}(ν/2, ½) is 1 − p, found by bisection.
    public static func tQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0.5 && p < 1 && nu > 0, "t quantile at p \(p), ν \(nu)")
        func upperTail(_ t: Double) -> Double { 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5) }
        var lo = 0.0, hi = 1.0
        while upperTail(hi) > 1 - p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if upperTail(mid) > 1 - p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), by the continued fraction (Lentz's method) on the side where it converges
    /// fast, as in Numerical Recipes' `betai`.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logBeta + logPowers)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a, b) / a }
        return 1 - front * continuedFraction(1 - x, b, a) / b
    }

    static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m)
            var aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
