/// The mean over a step's T tasks of per-task gradient vectors spread over ranks, with a
/// result that does not depend on how the tasks were spread: the same bits for 1, 2, 3 or
/// any number of ranks.
///
/// Float addition is not associative, so an MPI sum of per-rank partial sums changes with
/// the partition. Instead every value is converted to a 64-bit fixed-point integer — integer
/// addition is associative and exact — with one power-of-two scale per segment (parameter
/// tensor) chosen from the exact all-reduced maximum magnitude, so that T scaled values
/// cannot overflow: |x·s| < 2⁶²/T. Entries below max·2⁻³⁸ lose low bits in the conversion
/// (≤ 2⁻⁶²·T·max absolute); Float32 keeps 24 bits, so the mean is within an ulp of the exact one.
/// With T = 1 no conversion is made: the one task's gradient goes through a float sum with
/// zeros, which is exact, so a one-task step is bit-identical to the plain algorithm.
///
/// Cost: one all-reduce of `segments.count` floats (the maxima) and one of P 64-bit integers.
public enum DeterministicMean {
    /// A non-finite value in a task's gradient.
    public struct NonFinite: Error, CustomStringConvertible {
        public let segment: Int
        public var description: String { "a task gradient has a NaN or infinite value in segment \(segment)" }
    }

    /// - Parameters:
    ///   - local: this rank's task vectors (each of length P), possibly none.
    ///   - segments: ranges covering 0..<P, one scale each (e.g. one per parameter tensor).
    ///   - taskCount: T, the number of tasks over all ranks.
    /// - Returns: (1/T) Σₜ gₜ, identical on every rank.
    public static func mean(local: [[Float]], length p: Int, segments: [Range<Int>], taskCount t: Int,
                            communicator: any Communicator) throws -> [Float] {
        precondition(t >= 1 && local.allSatisfy { $0.count == p }, "mean of \(local.count) local vectors (T = \(t)) of length \(p)")
        if t == 1 {
            var sum = local.first ?? [Float](repeating: 0, count: p)
            try communicator.allReduceSum(&sum)
            return sum
        }
        // Per segment the largest magnitude, or ∞ when a value is NaN or infinite (x·0 is NaN
        // exactly for those, so one running sum finds them without a branch per value).
        var maxima = [Float](repeating: 0, count: segments.count)
        for v in local {
            v.withUnsafeBufferPointer { v in
                for (segment, range) in segments.enumerated() {
                    var largest = maxima[segment], poison: Float = 0
                    for i in range {
                        largest = Swift.max(largest, v[i].magnitude)
                        poison += v[i] * 0
                    }
                    maxima[segment] = poison.isNaN ? .infinity : largest
                }
            }
        }
        try communicator.allReduceMax(&maxima)
        if let bad = maxima.firstIndex(where: { !$0.isFinite }) { throw NonFinite(segment: bad) }
        // |x·2^k| < 2^(62 − ⌈log2 T⌉) for |x| ≤ max < 2^(e+1): k = 62 − ⌈log2 T⌉ − (e + 1).
        let headroom = 62 - (Int.bitWidth - (t - 1).leadingZeroBitCount)
        let exponents = maxima.map { m -> Int in m > 0 ? headroom - (Int(m.exponent) + 1) : 0 }
        var sums = [Int64](repeating: 0, count: p)
        sums.withUnsafeMutableBufferPointer { sums in
            for v in local {
                v.withUnsafeBufferPointer { v in
                    for (segment, range) in segments.enumerated() {
                        let scale = Double(sign: .plus, exponent: exponents[segment], significand: 1)
                        for i in range { sums[i] &+= fixedPoint(Double(v[i]) * scale) }
                    }
                }
            }
        }
        try communicator.allReduceSum(&sums)
        var out = [Float](repeating: 0, count: p)
        for (segment, range) in segments.enumerated() {
            let unscale = Double(sign: .plus, exponent: -exponents[segment], significand: 1) / Double(t)
            for i in range { out[i] = Float(Double(sums[i]) * unscale) }
        }
        return out
    }

    /// y rounded half to even, as an integer (|y| < 2⁶³): `Int64(y.rounded(.toNearestOrEven))`
    /// without the libm call that costs (on the baseline x86-64 target) most of the
    /// conversion. Below 2⁵² adding and subtracting 2⁵² leaves |y| rounded to an integer in
    /// the default rounding mode; from 2⁵² on every double is an integer.
    @inline(__always)
    public static func fixedPoint(_ y: Double) -> Int64 {
        let a = y.magnitude, big: Double = 4_503_599_627_370_496  // 2⁵²
        let r = a < big ? (a + big) - big : a
        return Int64(y < 0 ? -r : r)
    }
}
