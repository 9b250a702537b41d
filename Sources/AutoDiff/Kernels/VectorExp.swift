// eˣ eight lanes at a time, for the pointwise ops that spend their time in it (sigmoid,
// QuickGELU and its derivative, softmax, exp). libm's expf is one call per element; this is
// straight-line SIMD code that the baseline x86-64 target (SSE2) runs four lanes wide.
// PyTorch's CPU kernels do the same (SLEEF's vectorised expf), so neither is bit-identical
// to libm; both are within a couple of ulp (the test bounds ours against libm).

/// eˣ per lane. Cephes' expf: x = n·ln 2 + r with n the nearest integer to x·log₂e and
/// |r| ≤ ln 2/2, eʳ ≈ 1 + r + r²·P(r) with a degree-5 P, times 2ⁿ built in the exponent bits.
/// Below −87.33 (where eˣ would be subnormal) the result is 0, above 88.72 +∞, NaN stays NaN.
@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let upper: Float = 88.72283, lower: Float = -87.33654
    var clamped = x
    clamped.replace(with: lower, where: x .< lower)
    clamped.replace(with: upper, where: x .> upper)
    // Round-to-nearest of x·log₂e without a float→int instruction: adding 1.5·2²³ leaves the
    // integer in the low mantissa bits (|x·log₂e| < 2²²).
    let shifter: Float = 12_582_912
    let t = clamped * 1.44269504088896341 + SIMD8(repeating: shifter)
    let n = t - SIMD8(repeating: shifter)
    // r = x − n·ln 2, with ln 2 split in two so n·C1 is exact.
    var r = clamped - n * 0.693359375
    r = r - n * -2.12194440e-4
    let r2 = r * r
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * r2 + r + 1
    // 2ⁿ with n (t's low bits minus the shifter's) in −126…128: as 2^⌊n/2⌋·2^(n − ⌊n/2⌋), two
    // exact products whose factors are normal floats ((m + 127) in the exponent field).
    let k = unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(bitPattern: shifter.bitPattern)
    let half = k &>> 1
    var y = er * powerOfTwo(half) * powerOfTwo(k &- half)
    y.replace(with: 0, where: x .< lower)
    y.replace(with: Float.infinity, where: x .> upper)
    y.replace(with: Float.nan, where: x .!= x)
    return y
}

/// 2ᵐ per lane for m in −126…127: (m + 127) in the exponent field.
@inline(__always)
func powerOfTwo(_ m: SIMD8<Int32>) -> SIMD8<Float> {
    unsafeBitCast((m &+ 127) &<< 23, to: SIMD8<Float>.self)
}
