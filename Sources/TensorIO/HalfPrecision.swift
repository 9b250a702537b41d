/// Widens an IEEE 754 binary16 bit pattern to `Float`, exactly.
///
/// binary16 is 1 sign, 5 exponent (bias 15) and 10 mantissa bits; binary32 has 8 exponent bits
/// (bias 127), so normal numbers rebias the exponent by 112 and shift the mantissa up 13 bits.
/// Subnormals are `mantissa · 2⁻²⁴` (exact in `Float`); infinities and NaNs keep their payload.
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// Widens a bfloat16 bit pattern to `Float`, exactly: bfloat16 is the top half of binary32.
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
