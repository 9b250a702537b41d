import AutoDiff
import Testing

@Suite struct PhiloxTests {
    struct KnownAnswer: Sendable, CustomTestStringConvertible {
        let counter: SIMD4<UInt32>
        let key: SIMD2<UInt32>
        let expected: SIMD4<UInt32>

        var testDescription: String {
            func hex(_ words: [UInt32]) -> String {
                words.map { String($0, radix: 16) }.joined(separator: " ")
            }
            return "counter \(hex([counter[0], counter[1], counter[2], counter[3]])), "
                + "key \(hex([key[0], key[1]]))"
        }
    }

    static let knownAnswers: [KnownAnswer] = [
        // Random123 tests/kat_vectors, the three `philox4x32 10` lines (counter words 0–3,
        // key words 0–1, output words 0–3); Random123's own C++ tests check the same three.
        KnownAnswer(counter: [0, 0, 0, 0], key: [0, 0],
                    expected: [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8]),
        KnownAnswer(counter: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF],
                    key: [0xFFFF_FFFF, 0xFFFF_FFFF],
                    expected: [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD]),
        KnownAnswer(counter: [0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344],
                    key: [0xA409_3822, 0x299F_31D0],
                    expected: [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1]),
        // The longer examples/kat_vectors of the Random123 manual (girving/random123-manual),
        // one per key word, so a swapped key or Weyl constant cannot hide behind a symmetric key.
        KnownAnswer(counter: [1, 0, 0, 0], key: [1, 0],
                    expected: [0xAC08_141B, 0xDFC5_CCBE, 0x79C0_7A47, 0xA7F6_6093]),
        KnownAnswer(counter: [0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344],
                    key: [0, 0xFFFF_FFFF],
                    expected: [0x08F7_720C, 0x845E_E9E0, 0x502C_CD3D, 0xA9A0_0E27]),
    ]

    @Test(arguments: knownAnswers)
    func blockMatchesRandom123KnownAnswers(_ vector: KnownAnswer) {
        #expect(Philox4x32.block(counter: vector.counter, key: vector.key) == vector.expected)
    }
}
