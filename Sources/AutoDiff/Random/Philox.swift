/// The Philox4x32-10 counter-based block function.
///
/// Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11, §3;
/// Random123's `philox4x32` with its default 10 rounds. A pure function of a 128-bit counter
/// and a 64-bit key, so any block can be computed directly, on any machine, in any order.
///
/// One round maps counter `(c0, c1, c2, c3)` and key `(k0, k1)` to
///
///     (hi(M1·c2) ⊕ c1 ⊕ k0,  lo(M1·c2),  hi(M0·c0) ⊕ c3 ⊕ k1,  lo(M0·c0))
///
/// where `hi`/`lo` are the upper/lower 32 bits of the 64-bit product. Between rounds the key
/// is bumped by the Weyl constants: `k0 += W0`, `k1 += W1` (mod 2³²).
public enum Philox4x32 {
    /// Round multipliers.
    public static let m0: UInt32 = 0xD251_1F53
    public static let m1: UInt32 = 0xCD9E_8D57
    /// Weyl key increments (golden ratio and √3 − 1, in 32-bit fixed point).
    public static let w0: UInt32 = 0x9E37_79B9
    public static let w1: UInt32 = 0xBB67_AE85
    /// Number of rounds (Random123's default for Philox4x32).
    public static let rounds = 10

    /// Encrypts one counter block.
    ///
    /// - Parameters:
    ///   - counter: the 128-bit counter as four 32-bit words, word 0 first (Random123's order).
    ///   - key: the 64-bit key as two 32-bit words, word 0 first.
    /// - Returns: four uniformly distributed 32-bit words.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        // Scalars rather than SIMD lanes in the loop: the generic SIMD paths are slow in debug
        // builds, and tests draw a few hundred thousand blocks.
        var c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3]
        var k0 = key[0], k1 = key[1]
        for round in 0..<rounds {
            if round > 0 {
                k0 &+= w0
                k1 &+= w1
            }
            let p0 = m0.multipliedFullWidth(by: c0)
            let p1 = m1.multipliedFullWidth(by: c2)
            (c0, c1, c2, c3) = (p1.high ^ c1 ^ k0, p1.low, p0.high ^ c3 ^ k1, p0.low)
        }
        return SIMD4(c0, c1, c2, c3)
    }
}
