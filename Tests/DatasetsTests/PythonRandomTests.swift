@testable import Datasets
import Testing

/// Expected values printed once by CPython 3.11's `random` module and pasted here.
@Suite struct PythonRandomTests {
    /// `random.seed(s); [random.getrandbits(32) for _ in range(5)]`.
    @Test(arguments: [
        (0, [3_626_764_237, 1_654_615_998, 3_255_389_356, 3_823_568_514, 1_806_341_205] as [UInt32]),
        (1, [577_090_037, 2_444_712_010, 3_639_700_191, 3_445_702_192, 3_280_387_012]),
        (42, [2_746_317_213, 478_163_327, 107_420_369, 3_184_935_163, 1_181_241_943]),
        (4_294_967_301, [675_479_763, 2_085_189_291, 1_213_270_837, 3_822_202_474, 2_596_110_301]),  // 2³² + 5
        (-7, [1_390_851_128, 4_071_050_724, 647_892_279, 1_695_753_998, 2_795_742_288]),  // |seed|
    ])
    func seedingMatchesCPython(seed: Int, words: [UInt32]) {
        var random = PythonRandom(seed: seed)
        #expect((0..<5).map { _ in random.nextUInt32() } == words)
    }

    @Test func seedsWiderThan64BitsUseAllTheirWords() {
        // random.seed(2**70 + 123456789): words 123456789, 0, 64, least significant first.
        var random = PythonRandom(seedWords: [123_456_789, 0, 64])
        #expect((0..<5).map { _ in random.nextUInt32() } == [4_246_289_299, 973_759_108, 648_502_398, 232_935_082, 2_763_275_610])
        // High zero words do not change the key.
        #expect(PythonRandom(seedWords: [1, 0, 0]).nextUInt32Copy == PythonRandom(seed: 1).nextUInt32Copy)
    }

    @Test func getrandbitsTakesTheTopBitsOfEachWord() {
        // random.seed(3); [random.getrandbits(k) for k in (1, 5, 31, 32, 33, 64)]
        var random = PythonRandom(seed: 3)
        let bits = [1, 5, 31, 32, 33, 64].map { random.randomBits($0) }
        #expect(bits == [0, 18, 1_168_723_365, 560_161_641, 5_883_912_612, 8_744_744_311_366_254_845])
    }

    @Test func randbelowRejectsDrawsAtOrAboveTheBound() {
        // random.seed(3); [random._inst._randbelow(n) for n in (1, 2, 3, 7, 100, 1000, 2**31 + 1, 2**40 + 3)]
        var random = PythonRandom(seed: 3)
        let draws = [1, 2, 3, 7, 100, 1000, (1 << 31) + 1, (1 << 40) + 3].map { random.below($0) }
        #expect(draws == [0, 0, 1, 4, 60, 640, 281_444_313, 28_370_833_981])
    }

    /// `random.seed(seed); random.sample(range(n), k)`. n = 85 and 86 with k = 16 sit either
    /// side of CPython's switch from the pool algorithm to the set algorithm (setsize 85).
    @Test(arguments: [
        (1, 10, [2, 1, 4]),
        (1, 30, [4, 18, 27, 25]),
        (2, 100, [7, 11, 10, 46, 21, 94, 85, 39, 32, 77, 27, 4, 74, 87, 20, 55]),
        (5, 85, [79, 32, 45, 67, 3, 59, 31, 6, 20, 14, 47, 60, 78, 48, 69, 13]),
        (5, 86, [79, 32, 45, 83, 67, 3, 59, 31, 6, 20, 14, 47, 60, 48, 69, 13]),
        (9, 21, [14, 19, 11, 8, 4]),
        (9, 22, [14, 19, 11, 8, 4]),
        (4, 1, [0]),
    ])
    func sampleMatchesCPython(seed: Int, n: Int, expected: [Int]) {
        var random = PythonRandom(seed: seed)
        #expect(random.sample(Array(0..<n), count: expected.count) == expected)
    }

    @Test func largeSampleUsesTheSetAlgorithm() {
        // random.seed(9); random.sample(range(200), 100)
        var random = PythonRandom(seed: 9)
        let expected = [118, 156, 95, 68, 35, 47, 173, 1, 86, 128, 199, 154, 20, 85, 141, 157, 179, 10, 97, 43,
                        115, 108, 40, 180, 60, 13, 28, 33, 129, 151, 16, 98, 26, 74, 52, 57, 107, 22, 196, 53,
                        101, 71, 87, 11, 51, 192, 105, 14, 96, 125, 195, 6, 175, 178, 193, 0, 31, 50, 155, 84,
                        2, 21, 34, 4, 190, 138, 127, 142, 163, 17, 159, 49, 23, 89, 166, 18, 162, 120, 77, 92,
                        5, 148, 137, 158, 184, 121, 109, 19, 197, 117, 94, 73, 136, 15, 90, 185, 30, 187, 78, 64]
        #expect(random.sample(Array(0..<200), count: 100) == expected)
    }
}

extension PythonRandom {
    /// The first word of a copy, leaving `self` untouched.
    fileprivate var nextUInt32Copy: UInt32 {
        var copy = self
        return copy.nextUInt32()
    }
}
