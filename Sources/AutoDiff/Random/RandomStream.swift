import Foundation

/// A reproducible stream of random numbers keyed by a seed and a path of stream ids.
///
/// Every random draw in metaprompt comes from a stream named by what it is for, such as
/// `RandomStream(seed: seed, step, taskIndex, purpose)`, and never by rank, process, thread or
/// clock. The k-th 32-bit word of a stream depends only on `(seed, ids, k)`, so one seed gives
/// the same numbers on one core or on many ranks, and a resumed run draws what an
/// uninterrupted run would have drawn.
///
/// ## Keying scheme (version 1)
///
/// `x.lo` and `x.hi` are the low and high 32-bit halves of a `UInt64`, and `P(c, k)` is
/// ``Philox4x32/block(counter:key:)``.
/// - **Key**: `key = (seed.lo, seed.hi)`.
/// - **Tag**: the ids `id₁ … id_D` are folded left to right into a 64-bit tag, from `tag₀ = 0`:
///
///       tag_d = w₀ | w₁ << 32,  (w₀, w₁, _, _) = P((id_d.lo, id_d.hi, tag_{d-1}.lo, tag_{d-1}.hi), foldKey_d)
///       foldKey_d = (f.lo, f.hi)  with  f = seed ⊕ 0x9E3779B97F4A7C15 ⊕ (d << 32)
///
///   The fold key differs from the stream key, so tags and stream words come from different
///   keyed permutations, and it includes the depth `d`, so paths of different lengths are
///   folded by different functions: `[]`, `[0]`, `[0, 0]`, or `[1, 2]` and `[2, 1]`, get
///   unrelated tags.
/// - **Blocks**: block `n` of the stream is `P((n.lo, n.hi, tag.lo, tag.hi), key)`; word `k`
///   of the stream is word `k mod 4` of block `k / 4`. With no ids the stream is plain
///   Philox4x32-10 keyed by the seed, counting from 0.
///
/// Different seeds are different keys, hence independent streams. Under one seed, two paths
/// share a stream only if their 64-bit tags collide: probability below `N²/2⁶⁵` for `N`
/// streams (2⁻²⁵ for a million). ``substream(_:)`` extends the path, so
/// `RandomStream(seed: s, a).substream(b) == RandomStream(seed: s, a, b)`.
///
/// ## Draws
///
/// Draws consume words in order and advance ``position``: ``nextUInt32()`` and
/// ``uniformFloat()`` one word; ``nextUInt64()`` (low half first) and ``uniformDouble()``
/// two; ``normal()`` and ``normalFloat()`` four; ``int(below:)`` two per attempt (a retry has
/// probability below `n/2⁶⁴`); ``gamma(shape:)`` and ``beta(_:_:)`` a data-dependent number
/// (rejection sampling). Integer and uniform draws are exact on every machine; ``normal()``,
/// ``gamma(shape:)`` and ``beta(_:_:)`` call the C library's `log`, `cos` and `exp`, so they
/// are bit-identical wherever that library is the same (all ranks of one installation).
///
/// Changing anything above changes every number drawn; `RandomStreamTests` pins golden values.
public struct RandomStream: Sendable, Equatable {
    /// The seed this stream is keyed by.
    public let seed: UInt64
    /// Number of 32-bit words drawn so far.
    public private(set) var position: UInt64 = 0

    /// The folded stream ids (see the keying scheme).
    let tag: UInt64
    /// How many ids were folded into ``tag``; selects the fold key of the next id.
    let depth: UInt64
    /// Cache of block `blockIndex`; `UInt64.max` is never a block index (blocks are < 2⁶²).
    private var block = SIMD4<UInt32>()
    private var blockIndex = UInt64.max

    /// Creates the stream named by `seed` and a path of stream ids, at position 0.
    ///
    /// - Parameters:
    ///   - seed: the run's seed.
    ///   - ids: what the draws are for, outermost first, e.g. `(step, taskIndex, purpose)`.
    public init(seed: UInt64, _ ids: UInt64...) {
        self.init(seed: seed, ids: ids)
    }

    /// Creates the stream named by `seed` and a path of stream ids, at position 0.
    public init(seed: UInt64, ids: [UInt64]) {
        self.init(seed: seed, tag: 0, depth: 0, appending: ids)
    }

    private init(seed: UInt64, tag: UInt64, depth: UInt64, appending ids: [UInt64]) {
        var tag = tag
        var depth = depth
        for id in ids {
            depth += 1
            let fold = Self.words(seed ^ 0x9E37_79B9_7F4A_7C15 ^ (depth << 32))
            let (idLo, idHi) = Self.halves(id)
            let (tagLo, tagHi) = Self.halves(tag)
            let out = Philox4x32.block(counter: SIMD4(idLo, idHi, tagLo, tagHi), key: fold)
            tag = UInt64(out[0]) | UInt64(out[1]) << 32
        }
        self.seed = seed
        self.tag = tag
        self.depth = depth
    }

    /// The stream whose path is this stream's path followed by `ids`, at position 0.
    ///
    /// Independent of this stream's ``position``.
    public func substream(_ ids: UInt64...) -> RandomStream {
        substream(ids: ids)
    }

    /// The stream whose path is this stream's path followed by `ids`, at position 0.
    public func substream(ids: [UInt64]) -> RandomStream {
        RandomStream(seed: seed, tag: tag, depth: depth, appending: ids)
    }

    /// Two streams are equal when they will draw the same words: same key, path and position.
    public static func == (a: RandomStream, b: RandomStream) -> Bool {
        a.seed == b.seed && a.tag == b.tag && a.depth == b.depth && a.position == b.position
    }

    // MARK: Words

    /// The next 32-bit word of the stream.
    public mutating func nextUInt32() -> UInt32 {
        let index = position >> 2
        if index != blockIndex {
            let (nLo, nHi) = Self.halves(index)
            let (tagLo, tagHi) = Self.halves(tag)
            block = Philox4x32.block(counter: SIMD4(nLo, nHi, tagLo, tagHi), key: Self.words(seed))
            blockIndex = index
        }
        let word = block[Int(position & 3)]
        position += 1
        return word
    }

    /// The next 64 bits: the first word drawn is the low half.
    public mutating func nextUInt64() -> UInt64 {
        let low = UInt64(nextUInt32())
        return low | UInt64(nextUInt32()) << 32
    }

    // MARK: Uniform

    /// A uniform `Float` in [0, 1): the top 24 bits of one word, `(x >> 8) · 2⁻²⁴`.
    public mutating func uniformFloat() -> Float {
        Self.unitFloat(nextUInt32())
    }

    /// A uniform `Double` in [0, 1): the top 53 bits of ``nextUInt64()``, `(x >> 11) · 2⁻⁵³`.
    public mutating func uniformDouble() -> Double {
        Self.unitDouble(nextUInt64())
    }

    static func unitFloat(_ x: UInt32) -> Float {
        Float(x >> 8) * 0x1p-24
    }

    static func unitDouble(_ x: UInt64) -> Double {
        Double(x >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1]: `((x >> 11) + 1) · 2⁻⁵³`, for logarithms.
    static func openUnitDouble(_ x: UInt64) -> Double {
        Double((x >> 11) + 1) * 0x1p-53
    }

    // MARK: Normal

    /// A standard normal variate (Box–Muller, cosine branch).
    ///
    ///     z = √(−2 ln u₁) · cos(2π u₂),  u₁ = ((x₁ >> 11) + 1)·2⁻⁵³ ∈ (0, 1],  u₂ = (x₂ >> 11)·2⁻⁵³ ∈ [0, 1)
    ///
    /// with `x₁`, `x₂` two ``nextUInt64()`` draws in that order. `u₁` excludes 0 so the
    /// logarithm is finite (|z| ≤ 8.58). The sine partner is discarded, so no variate is
    /// cached between calls and every draw takes exactly four words.
    public mutating func normal() -> Double {
        let u1 = Self.openUnitDouble(nextUInt64())
        let u2 = Self.unitDouble(nextUInt64())
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A standard normal variate as `Float`: ``normal()`` rounded once.
    public mutating func normalFloat() -> Float {
        Float(normal())
    }

    // MARK: Gamma and Beta

    /// A Gamma(shape, 1) variate: density `x^(a−1) e^(−x) / Γ(a)`, mean and variance `a`.
    ///
    /// Marsaglia & Tsang, "A simple method for generating gamma variables", ACM TOMS 26(3),
    /// 2000: for `a ≥ 1`, `d = a − 1/3`, `c = 1/√(9d)`; draw `x` = ``normal()`` until
    /// `v = (1 + c·x)³ > 0`, then `u` uniform in (0, 1] (two words); accept `d·v` when
    /// `u < 1 − 0.0331·x⁴` or `ln u < x²/2 + d·(1 − v + ln v)`, else start again. For `a < 1`
    /// (their §6): `X · U^(1/a)` with `X ~ Gamma(a + 1)` drawn first, then `U` in (0, 1].
    ///
    /// - Parameter shape: `a > 0`.
    /// - Returns: the variate, computed as `exp` of its logarithm (it underflows to 0 only
    ///   where the true value is below `Double.leastNonzeroMagnitude`).
    public mutating func gamma(shape: Double) -> Double {
        exp(logGamma(shape: shape))
    }

    /// A Beta(a, b) variate: density `∝ x^(a−1) (1−x)^(b−1)`, mean `a/(a+b)`,
    /// variance `ab / ((a+b)²(a+b+1))`.
    ///
    /// `X/(X + Y)` with `X ~ Gamma(a)` drawn before `Y ~ Gamma(b)`, evaluated as
    /// `1 / (1 + exp(ln Y − ln X))`: for small shapes both gammas can underflow to 0 and
    /// `X/(X + Y)` would be 0/0, while their logarithms stay finite.
    ///
    /// - Parameters:
    ///   - a: first shape, `> 0`.
    ///   - b: second shape, `> 0`.
    /// - Returns: a value in [0, 1].
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let logX = logGamma(shape: a)
        let logY = logGamma(shape: b)
        // Equal logs give 1/2 by the formula; comparing first also covers −∞ on both sides,
        // reachable only for shapes below ~1e−307.
        if logX == logY { return 0.5 }
        return 1 / (1 + exp(logY - logX))
    }

    /// The logarithm of a Gamma(shape, 1) variate (see ``gamma(shape:)``).
    private mutating func logGamma(shape a: Double) -> Double {
        precondition(a > 0 && a.isFinite, "gamma shape must be positive and finite, got \(a)")
        if a < 1 {
            let boosted = logGamma(shape: a + 1)
            return boosted + log(Self.openUnitDouble(nextUInt64())) / a
        }
        let d = a - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Self.openUnitDouble(nextUInt64())
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1 - v + log(v)) {
                return log(d * v)
            }
        }
    }

    // MARK: Integers

    /// A uniform integer in `range`, without bias.
    ///
    /// Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019: with
    /// `w` the width of the range and `x` a ``nextUInt64()`` draw, the 128-bit product `x·w` is
    /// accepted when its low half is at least `2⁶⁴ mod w`, and its high half is the offset from
    /// `range.lowerBound`. Every width up to `2⁶⁴ − 1` (e.g. `Int.min..<Int.max`) is exact.
    ///
    /// - Parameter range: a non-empty range.
    public mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "int(in:) needs a non-empty range, got \(range)")
        let width = UInt64(truncatingIfNeeded: range.upperBound &- range.lowerBound)
        var product = nextUInt64().multipliedFullWidth(by: width)
        if product.low < width {
            let threshold = (0 &- width) % width
            while product.low < threshold {
                product = nextUInt64().multipliedFullWidth(by: width)
            }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }

    /// A uniform integer in `0..<n`, without bias (see ``int(in:)``).
    ///
    /// - Parameter n: the exclusive upper bound, `> 0`.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound, got \(n)")
        return int(in: 0..<n)
    }

    // MARK: Permutations

    /// Shuffles `array` in place (Fisher–Yates as in Durstenfeld 1964).
    ///
    /// For `i` from `count − 1` down to 1, swaps elements `i` and `int(below: i + 1)`:
    /// `count − 1` draws of ``int(below:)``.
    public mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count - 1
        while i > 0 {
            array.swapAt(i, int(below: i + 1))
            i -= 1
        }
    }

    /// A uniformly random permutation of `0..<n`: ``shuffle(_:)`` applied to `[0, 1, …, n−1]`.
    public mutating func permutation(_ n: Int) -> [Int] {
        precondition(n >= 0, "permutation needs n ≥ 0, got \(n)")
        var result = Array(0..<n)
        shuffle(&result)
        return result
    }

    // MARK: Bulk

    /// Fills `values` in index order with ``uniformFloat()`` draws.
    public mutating func fill<C: MutableCollection>(uniform values: inout C)
    where C.Element == Float {
        var i = values.startIndex
        while i != values.endIndex {
            values[i] = uniformFloat()
            values.formIndex(after: &i)
        }
    }

    /// Fills `values` in index order with `Float(mean + standardDeviation · z)`, `z` = ``normal()``.
    ///
    /// The affine map is applied in `Double` and rounded once.
    public mutating func fill<C: MutableCollection>(
        normal values: inout C, mean: Float = 0, standardDeviation: Float = 1
    ) where C.Element == Float {
        var i = values.startIndex
        while i != values.endIndex {
            values[i] = Float(Double(mean) + Double(standardDeviation) * normal())
            values.formIndex(after: &i)
        }
    }

    /// `count` ``uniformFloat()`` draws.
    public mutating func uniforms(count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        fill(uniform: &values)
        return values
    }

    /// `count` normal draws, as ``fill(normal:mean:standardDeviation:)``.
    public mutating func normals(
        count: Int, mean: Float = 0, standardDeviation: Float = 1
    ) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        fill(normal: &values, mean: mean, standardDeviation: standardDeviation)
        return values
    }

    // MARK: Helpers

    private static func halves(_ x: UInt64) -> (UInt32, UInt32) {
        (UInt32(truncatingIfNeeded: x), UInt32(truncatingIfNeeded: x >> 32))
    }

    private static func words(_ x: UInt64) -> SIMD2<UInt32> {
        let (lo, hi) = halves(x)
        return SIMD2(lo, hi)
    }
}
