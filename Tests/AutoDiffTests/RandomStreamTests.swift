@testable import AutoDiff
import Testing
import TestSupport

/// Sample mean and unbiased sample variance.
private func moments(_ xs: [Double]) -> (mean: Double, variance: Double) {
    let mean = xs.reduce(0, +) / Double(xs.count)
    let squares = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (mean, squares / Double(xs.count - 1))
}

/// Pearson's χ² statistic of `counts` against equal expected counts.
private func chiSquare(_ counts: [Int]) -> Double {
    let expected = Double(counts.reduce(0, +)) / Double(counts.count)
    return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
}

private func words(_ stream: RandomStream, _ count: Int) -> [UInt32] {
    var stream = stream
    return (0..<count).map { _ in stream.nextUInt32() }
}

// Statistical checks use fixed seeds, so they cannot flake. Bounds are 6 standard errors of
// the estimate (a correct generator fails one with probability ~2e-9 for an arbitrary seed),
// or a χ² quantile with tail probability ≤ 1e-5, stated next to each test.
@Suite struct RandomStreamTests {
    // MARK: Keying

    /// Golden values of keying scheme version 1, computed from the scheme as documented on
    /// `RandomStream` by an independent C transcription. If this test fails, the scheme has
    /// changed and every seeded run changes with it: that must be a deliberate, announced
    /// version bump, not a refactoring accident.
    @Test func goldenValuesPinTheKeyingScheme() {
        var stream = RandomStream(seed: 42, 1, 2, 3)
        #expect(stream.tag == 0xD603_0FC0_4221_F075)
        let first: [UInt32] = (0..<8).map { _ in stream.nextUInt32() }
        #expect(first == [0xEB88_4884, 0x8325_BDEB, 0x77CC_E8C9, 0xC3C7_61B9,
                          0x69DE_1106, 0x2526_FC77, 0xF1AA_0674, 0x6326_B9B0])
        #expect(stream.uniformDouble() == 0.16442650329918407)
        // Goes through log/cos/sqrt: exact with glibc, within an ulp or two elsewhere.
        let z = stream.normal()
        #expect(Tolerance(atol: 1e-15, rtol: 0).allows(z, 0.40125079748896264))

        let root = RandomStream(seed: 7)
        let rootWords = words(root, 6)
        #expect(rootWords[0] == 0xF460_7A2D)
        #expect(rootWords[5] == 0xCB97_BC13)
    }

    @Test func wordsAreThePhiloxBlocksOfTheDocumentedCounter() {
        let seed: UInt64 = 0x0123_4567_89AB_CDEF
        let key = SIMD2<UInt32>(0x89AB_CDEF, 0x0123_4567)
        // Fold of ids [5, 2³² + 9] as documented: foldKey_d from seed ⊕ φ ⊕ (d << 32).
        let ids: [UInt64] = [5, (1 << 32) + 9]
        var tag: UInt64 = 0
        for (depth, id) in ids.enumerated() {
            let f = seed ^ 0x9E37_79B9_7F4A_7C15 ^ (UInt64(depth + 1) << 32)
            let out = Philox4x32.block(
                counter: SIMD4(UInt32(truncatingIfNeeded: id), UInt32(id >> 32),
                               UInt32(truncatingIfNeeded: tag), UInt32(tag >> 32)),
                key: SIMD2(UInt32(truncatingIfNeeded: f), UInt32(f >> 32)))
            tag = UInt64(out[0]) | UInt64(out[1]) << 32
        }
        var stream = RandomStream(seed: seed, ids: ids)
        for n: UInt32 in 0..<3 {
            let block = Philox4x32.block(
                counter: SIMD4(n, 0, UInt32(truncatingIfNeeded: tag), UInt32(tag >> 32)), key: key)
            for lane in 0..<4 {
                #expect(stream.nextUInt32() == block[lane])
            }
        }
    }

    @Test func rootStreamIsPlainPhiloxKeyedBySeed() {
        let stream = RandomStream(seed: 0xFFFF_FFFF_0000_0001)
        let block1 = Philox4x32.block(counter: [1, 0, 0, 0], key: [0x0000_0001, 0xFFFF_FFFF])
        #expect(Array(words(stream, 8)[4..<8]) == [block1[0], block1[1], block1[2], block1[3]])
    }

    @Test func sameSeedAndIdsGiveSameSequence() {
        var a = RandomStream(seed: 2024, 3, 17, 1)
        var b = RandomStream(seed: 2024, ids: [3, 17, 1])
        #expect(a == b)
        for _ in 0..<1000 {
            #expect(a.nextUInt32() == b.nextUInt32())
        }
        #expect(a.normal() == b.normal())
        #expect(a.beta(0.5, 0.5) == b.beta(0.5, 0.5))
        #expect(a.permutation(20) == b.permutation(20))
    }

    struct DistinctKeys: Sendable, CustomTestStringConvertible {
        let seeds: (UInt64, UInt64)
        let ids: ([UInt64], [UInt64])
        var testDescription: String { "\(seeds.0)\(ids.0) vs \(seeds.1)\(ids.1)" }
    }

    static let distinctKeys: [DistinctKeys] = [
        DistinctKeys(seeds: (1, 1), ids: ([1, 2], [2, 1])),          // order matters
        DistinctKeys(seeds: (1, 1), ids: ([], [0])),                 // length matters
        DistinctKeys(seeds: (1, 1), ids: ([0], [0, 0])),
        DistinctKeys(seeds: (1, 1), ids: ([7], [7, 0])),
        DistinctKeys(seeds: (1, 1), ids: ([1, 2, 3], [1, 2])),
        DistinctKeys(seeds: (1, 1), ids: ([5], [6])),
        DistinctKeys(seeds: (1, 1), ids: ([1 << 32], [1])),          // high id half counts
        DistinctKeys(seeds: (1, 2), ids: ([4, 4], [4, 4])),          // seed matters
        DistinctKeys(seeds: (1, 1 | 1 << 32), ids: ([4], [4])),      // high seed half counts
    ]

    @Test(arguments: distinctKeys)
    func differentKeysGiveDifferentSequences(_ keys: DistinctKeys) {
        let a = RandomStream(seed: keys.seeds.0, ids: keys.ids.0)
        let b = RandomStream(seed: keys.seeds.1, ids: keys.ids.1)
        #expect(a != b)
        #expect(words(a, 8) != words(b, 8))
    }

    @Test func substreamExtendsThePath() {
        var parent = RandomStream(seed: 9, 1, 2)
        _ = parent.nextUInt64()  // a substream ignores the parent's position
        let child = parent.substream(3, 4)
        #expect(child == RandomStream(seed: 9, 1, 2, 3, 4))
        #expect(words(child, 8) == words(RandomStream(seed: 9, 1, 2, 3, 4), 8))
        #expect(RandomStream(seed: 9).substream(ids: []) == RandomStream(seed: 9))
    }

    @Test func tagIsNotAnOutputOfTheParentStream() {
        // Block 5 of the root stream and the fold of id 5 share a counter but not a key.
        let root = words(RandomStream(seed: 3), 24)
        let child = RandomStream(seed: 3, 5)
        #expect(child.tag != UInt64(root[20]) | UInt64(root[21]) << 32)
    }

    @Test func drawDependsOnlyOnItsPosition() {
        var mixed = RandomStream(seed: 11, 8)
        _ = mixed.normal()        // 4 words
        _ = mixed.uniformFloat()  // 1 word
        _ = mixed.int(below: 10)  // 2 words (a retry has probability 3e−19)
        #expect(mixed.position == 7)
        var plain = RandomStream(seed: 11, 8)
        for _ in 0..<7 { _ = plain.nextUInt32() }
        #expect(mixed.nextUInt32() == plain.nextUInt32())
    }

    @Test func drawsConsumeTheDocumentedNumberOfWords() {
        var s = RandomStream(seed: 1)
        _ = s.nextUInt32(); #expect(s.position == 1)
        _ = s.uniformFloat(); #expect(s.position == 2)
        _ = s.nextUInt64(); #expect(s.position == 4)
        _ = s.uniformDouble(); #expect(s.position == 6)
        _ = s.normal(); #expect(s.position == 10)
        _ = s.normalFloat(); #expect(s.position == 14)
        _ = s.uniforms(count: 3); #expect(s.position == 17)
        _ = s.normals(count: 3); #expect(s.position == 29)
    }

    @Test func nextUInt64DrawsLowHalfFirst() {
        var a = RandomStream(seed: 5, 1)
        var b = a
        let low = UInt64(b.nextUInt32())
        let high = UInt64(b.nextUInt32())
        #expect(a.nextUInt64() == low | high << 32)
    }

    // MARK: Uniform

    @Test func unitIntervalConversionsHitTheirEndpoints() {
        #expect(RandomStream.unitFloat(0) == 0)
        #expect(RandomStream.unitFloat(.max) == 1 - 0x1p-24)
        #expect(RandomStream.unitDouble(0) == 0)
        #expect(RandomStream.unitDouble(.max) == 1 - 0x1p-53)
        #expect(RandomStream.openUnitDouble(0) == 0x1p-53)
        #expect(RandomStream.openUnitDouble(.max) == 1)
    }

    @Test func uniformFloatHasUniformMoments() {
        var s = RandomStream(seed: 100, 1)
        let xs = s.uniforms(count: 100_000)
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let (mean, variance) = moments(xs.map(Double.init))
        // U(0,1): mean 1/2, var 1/12. se(mean) = √(1/12/n) = 9.1e−4;
        // se(var) = √((μ₄ − σ⁴)/n) = √((1/80 − 1/144)/n) = 2.4e−4.
        #expect(abs(mean - 0.5) <= 6 * 9.1e-4)
        #expect(abs(variance - 1.0 / 12) <= 6 * 2.4e-4)
    }

    @Test func uniformDoubleHasUniformMoments() {
        var s = RandomStream(seed: 100, 2)
        let xs = (0..<100_000).map { _ in s.uniformDouble() }
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let (mean, variance) = moments(xs)
        #expect(abs(mean - 0.5) <= 6 * 9.1e-4)  // as for Float
        #expect(abs(variance - 1.0 / 12) <= 6 * 2.4e-4)
    }

    // MARK: Normal, Gamma, Beta

    @Test func normalHasStandardMoments() {
        var s = RandomStream(seed: 100, 3)
        let xs = (0..<100_000).map { _ in s.normal() }
        let (mean, variance) = moments(xs)
        // N(0,1): se(mean) = 1/√n = 3.2e−3, se(var) = √(2/n) = 4.5e−3.
        #expect(abs(mean) <= 6 * 3.2e-3)
        #expect(abs(variance - 1) <= 6 * 4.5e-3)
        // Tails: P(|z| > 2) = 0.0455, se = √(p(1−p)/n) = 6.6e−4.
        let tail = Double(xs.count { abs($0) > 2 }) / Double(xs.count)
        #expect(abs(tail - 0.0455) <= 6 * 6.6e-4)
    }

    @Test func normalsApplyMeanAndStandardDeviation() {
        var a = RandomStream(seed: 100, 4)
        var b = a
        let scaled = a.normals(count: 50_000, mean: 2, standardDeviation: 0.02)
        let unit = (0..<50_000).map { _ in b.normalFloat() }
        #expect(zip(scaled, unit).allSatisfy { Tolerance(atol: 1e-6, rtol: 0).allows($0, 2 + 0.02 * $1) })
        let (mean, variance) = moments(scaled.map(Double.init))
        // se(mean) = 0.02/√n = 8.9e−5; se(var) = 0.02²·√(2/n) = 2.5e−6.
        #expect(abs(mean - 2) <= 6 * 8.9e-5)
        #expect(abs(variance - 0.0004) <= 6 * 2.5e-6)
    }

    @Test(arguments: [0.3, 1.0, 4.5])
    func gammaHasMeanAndVarianceShape(_ shape: Double) {
        var s = RandomStream(seed: 100, 5, UInt64(shape * 10))
        let n = 50_000
        let xs = (0..<n).map { _ in s.gamma(shape: shape) }
        #expect(xs.allSatisfy { $0 >= 0 && $0.isFinite })
        let (mean, variance) = moments(xs)
        // Gamma(a, 1): mean a, var a, fourth central moment 3a² + 6a.
        let seMean = (shape / Double(n)).squareRoot()
        let seVar = ((3 * shape * shape + 6 * shape - shape * shape) / Double(n)).squareRoot()
        #expect(abs(mean - shape) <= 6 * seMean)
        #expect(abs(variance - shape) <= 6 * seVar)
    }

    struct BetaCase: Sendable, CustomTestStringConvertible {
        let a: Double, b: Double
        var mean: Double { a / (a + b) }
        var variance: Double { a * b / ((a + b) * (a + b) * (a + b + 1)) }
        /// Fourth central moment of Beta(a, b).
        var mu4: Double {
            let s = a + b
            return 3 * a * b * (a * b * (s - 6) + 2 * s * s)
                / (s * s * s * s * (s + 1) * (s + 2) * (s + 3))
        }
        var testDescription: String { "Beta(\(a), \(b))" }
    }

    /// Beta(0.5, 0.5) is ProMetaR's mixup λ: mean 1/2, variance 1/8. Beta(2, 5): mean 2/7.
    @Test(arguments: [BetaCase(a: 0.5, b: 0.5), BetaCase(a: 2, b: 5)])
    func betaHasTheRightMoments(_ c: BetaCase) {
        var s = RandomStream(seed: 100, 6, UInt64(c.a * 10))
        let n = 50_000
        let xs = (0..<n).map { _ in s.beta(c.a, c.b) }
        #expect(xs.allSatisfy { $0 >= 0 && $0 <= 1 })
        let (mean, variance) = moments(xs)
        let seMean = (c.variance / Double(n)).squareRoot()
        let seVar = ((c.mu4 - c.variance * c.variance) / Double(n)).squareRoot()
        #expect(abs(mean - c.mean) <= 6 * seMean)
        #expect(abs(variance - c.variance) <= 6 * seVar)
    }

    @Test func betaMomentFormulasMatchKnownValues() {
        #expect(BetaCase(a: 0.5, b: 0.5).variance == 0.125)
        #expect(Tolerance(atol: 1e-15, rtol: 0).allows(BetaCase(a: 2, b: 5).mean, 2.0 / 7))
        // Arcsine distribution: μ₄ = 3/128.
        #expect(Tolerance(atol: 1e-15, rtol: 0).allows(BetaCase(a: 0.5, b: 0.5).mu4, 3.0 / 128))
    }

    @Test func betaWithTinyShapesStaysFinite() {
        // Both gammas underflow to 0 here about half the time; X/(X+Y) would be 0/0.
        var s = RandomStream(seed: 100, 7)
        let xs = (0..<2_000).map { _ in s.beta(0.005, 0.005) }
        #expect(xs.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Nearly Bernoulli(1/2): P(x > 1/2) = 1/2, se = √(1/4/2000) = 0.011.
        let upper = Double(xs.count { $0 > 0.5 }) / Double(xs.count)
        #expect(abs(upper - 0.5) <= 6 * 0.011)
    }

    // MARK: Integers and permutations

    @Test func intBelowIsUniformByChiSquare() {
        var s = RandomStream(seed: 100, 8)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            counts[s.int(below: 10)] += 1
        }
        // 9 degrees of freedom: P(χ² > 45) = 9e−7.
        #expect(chiSquare(counts) <= 45)
    }

    @Test func intBelowIsUnbiasedForHugeBounds() {
        // n = 3·2⁶¹: `x mod n` puts 3/4 of the mass below 2n/3 instead of 2/3, and an
        // unrejected multiply-shift gives residues mod 3 the weights 3/8, 3/8, 1/4.
        let n = 3 << 61
        var s = RandomStream(seed: 100, 9)
        let draws = 100_000
        var below = 0
        var residues = [0, 0, 0]
        for _ in 0..<draws {
            let r = s.int(below: n)
            #expect(r >= 0 && r < n)
            if r < n / 3 * 2 { below += 1 }
            residues[r % 3] += 1
        }
        // se = √((2/3)(1/3)/n) = 1.5e−3.
        #expect(abs(Double(below) / Double(draws) - 2.0 / 3) <= 6 * 1.5e-3)
        // 2 degrees of freedom: P(χ² > 25) = 3.7e−6.
        #expect(chiSquare(residues) <= 25)
    }

    @Test func intInRangeCoversTheRangeAndNothingElse() {
        var s = RandomStream(seed: 100, 10)
        var seen = Set<Int>()
        for _ in 0..<1_000 {
            seen.insert(s.int(in: -3..<3))
        }
        #expect(seen == Set(-3..<3))
        #expect(s.int(in: 41..<42) == 41)
        for _ in 0..<1_000 {
            let x = s.int(in: Int.min..<Int.max)
            #expect(x < Int.max)
        }
    }

    @Test(arguments: [0, 1, 2, 10, 1000])
    func permutationIsAPermutation(_ n: Int) {
        var s = RandomStream(seed: 100, 11, UInt64(n))
        #expect(s.permutation(n).sorted() == Array(0..<n))
    }

    @Test func permutationsOfThreeAreEquallyLikely() {
        var s = RandomStream(seed: 100, 12)
        var counts: [[Int]: Int] = [:]
        for _ in 0..<60_000 {
            counts[s.permutation(3), default: 0] += 1
        }
        #expect(counts.count == 6)
        // 5 degrees of freedom: P(χ² > 35) = 1.5e−6.
        #expect(chiSquare(Array(counts.values)) <= 35)
    }

    @Test func shuffleMatchesPermutation() {
        var a = RandomStream(seed: 100, 13)
        var b = a
        var letters = Array("abcdefghij")
        a.shuffle(&letters)
        let order = b.permutation(10)
        #expect(letters == order.map { Array("abcdefghij")[$0] })
    }
}
