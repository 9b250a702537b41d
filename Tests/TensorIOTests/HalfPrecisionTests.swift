import Testing
@testable import TensorIO

@Suite struct HalfPrecisionTests {
    #if !(os(macOS) && arch(x86_64))  // Swift's Float16 is unavailable there
    @Test func f16MatchesTheStandardLibraryForAllBitPatterns() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = floatFromHalfBits(bits)
            if expected.isNaN {
                #expect(actual.isNaN && actual.sign == expected.sign, "0x\(String(bits, radix: 16))")
            } else {
                #expect(actual.bitPattern == expected.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }
    #endif

    @Test(arguments: [(UInt16(0x3F80), Float(1)), (0xBF80, -1), (0x4049, 3.140625), (0x0000, 0),
                      (0x7F80, .infinity), (0xFF80, -.infinity), (0x0080, .leastNormalMagnitude)])
    func bf16IsTheTopHalfOfBinary32(bits: UInt16, expected: Float) {
        #expect(floatFromBFloat16Bits(bits) == expected)
    }
}
