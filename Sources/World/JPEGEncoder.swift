#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Datasets

/// A minimal baseline JPEG encoder (ITU-T T.81): JFIF, 8-bit YCbCr, 4:4:4 (no chroma
/// subsampling), the Annex K example quantisation tables scaled to a quality as the IJG
/// library does, and the Annex K standard Huffman tables.
///
/// Pipeline per 8×8 block of each component (edge blocks repeat the last row and column):
/// 1. JFIF colour conversion and level shift:
///    `Y = 0.299R + 0.587G + 0.114B − 128`, `Cb = −0.168736R − 0.331264G + 0.5B`,
///    `Cr = 0.5R − 0.418688G − 0.081312B`;
/// 2. the 2-D DCT-II of T.81 A.3.3,
///    `F(u,v) = ¼ C(u) C(v) Σₓ Σᵧ f(x,y) cos((2x+1)uπ/16) cos((2y+1)vπ/16)`, `C(0) = 1/√2`,
///    `C(k>0) = 1`, evaluated as two matrix products in `Double`;
/// 3. `round(F/Q)` with ties away from zero;
/// 4. DC differences and AC run/size symbols Huffman-coded (F.1.2), `0xFF` bytes stuffed
///    with `0x00`, the last byte padded with 1-bits.
///
/// Arithmetic is in `Double` with a fixed order and no library calls after the tables are
/// built, so the same pixels give the same bytes wherever IEEE double arithmetic is exact.
public struct JPEGEncoder: Sendable {
    /// Quality 1…100 (IJG `jpeg_quality_scaling`).
    public let quality: Int
    /// Luminance and chrominance quantisers in natural (row-major) order.
    let luminanceTable: [Int]
    let chrominanceTable: [Int]

    /// An encoder for `quality` in 1…100 (95 keeps a 32×32 image within a few levels of the
    /// original; see `JPEGEncoderTests`).
    public init(quality: Int = 95) {
        precondition((1...100).contains(quality), "JPEG quality must be in 1...100, got \(quality)")
        self.quality = quality
        // IJG: scale = 5000/q below 50, else 200 − 2q; entries (t·scale + 50)/100 in 1...255.
        let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
        func scaled(_ table: [Int]) -> [Int] { table.map { min(max(($0 * scale + 50) / 100, 1), 255) } }
        luminanceTable = scaled(Self.annexKLuminance)
        chrominanceTable = scaled(Self.annexKChrominance)
    }

    /// The JPEG file of `image`.
    ///
    /// - Precondition: the image is 1…65535 pixels wide and high.
    public func encode(_ image: RGBImage) -> [UInt8] {
        precondition(image.width >= 1 && image.height >= 1 && image.width <= 65535 && image.height <= 65535,
                     "JPEG needs 1...65535 pixels per side, got \(image.width)x\(image.height)")
        var out: [UInt8] = []
        out.reserveCapacity(image.width * image.height + 700)
        writeHeaders(width: image.width, height: image.height, to: &out)
        writeScan(image, to: &out)
        out += [0xFF, 0xD9]  // EOI
        return out
    }

    // MARK: Headers

    private func writeHeaders(width: Int, height: Int, to out: inout [UInt8]) {
        func u16(_ x: Int) -> [UInt8] { [UInt8(x >> 8), UInt8(x & 0xFF)] }
        out += [0xFF, 0xD8]  // SOI
        // APP0 JFIF 1.01, no density units, 1:1 aspect, no thumbnail.
        out += [0xFF, 0xE0] + u16(16) + Array("JFIF".utf8) + [0, 1, 1, 0] + u16(1) + u16(1) + [0, 0]
        // DQT: two 8-bit tables in zig-zag order.
        out += [0xFF, 0xDB] + u16(2 + 2 * 65)
        for (id, table) in [luminanceTable, chrominanceTable].enumerated() {
            out.append(UInt8(id))
            out += Self.zigzag.map { UInt8(table[$0]) }
        }
        // SOF0: 8-bit precision, three components sampled 1×1; Y uses table 0, chroma 1.
        out += [0xFF, 0xC0] + u16(8 + 3 * 3) + [8] + u16(height) + u16(width) + [3]
        out += [1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]
        // DHT: DC 0, AC 0 (luminance), DC 1, AC 1 (chrominance).
        for (classAndID, table) in [(0x00, HuffmanTable.dcLuminance), (0x10, .acLuminance),
                                    (0x01, .dcChrominance), (0x11, .acChrominance)] {
            out += [0xFF, 0xC4] + u16(2 + 1 + 16 + table.values.count) + [UInt8(classAndID)]
            out += table.counts + table.values
        }
        // SOS: the three components, full spectral range, no successive approximation.
        out += [0xFF, 0xDA] + u16(6 + 2 * 3) + [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]
    }

    // MARK: Scan

    private func writeScan(_ image: RGBImage, to out: inout [UInt8]) {
        var bits = BitWriter()
        var previousDC = [0, 0, 0]
        let tables = [luminanceTable, chrominanceTable, chrominanceTable]
        let dcTables = [HuffmanTable.dcLuminance, .dcChrominance, .dcChrominance]
        let acTables = [HuffmanTable.acLuminance, .acChrominance, .acChrominance]
        var block = [Double](repeating: 0, count: 64)
        var coefficients = [Double](repeating: 0, count: 64)
        var temporary = [Double](repeating: 0, count: 64)
        for blockY in stride(from: 0, to: image.height, by: 8) {
            for blockX in stride(from: 0, to: image.width, by: 8) {
                for component in 0..<3 {
                    // block is (8, 8): row y, column x of this component, level-shifted.
                    for y in 0..<8 {
                        let sy = min(blockY + y, image.height - 1)
                        for x in 0..<8 {
                            let sx = min(blockX + x, image.width - 1)
                            let p = (sy * image.width + sx) * 3
                            let r = Double(image.pixels[p]), g = Double(image.pixels[p + 1])
                            let b = Double(image.pixels[p + 2])
                            block[y * 8 + x] = switch component {
                            case 0: 0.299 * r + 0.587 * g + 0.114 * b - 128
                            case 1: -0.168_736 * r - 0.331_264 * g + 0.5 * b
                            default: 0.5 * r - 0.418_688 * g - 0.081_312 * b
                            }
                        }
                    }
                    Self.forwardDCT(block, into: &coefficients, temporary: &temporary)
                    let table = tables[component]
                    var quantized = [Int](repeating: 0, count: 64)  // zig-zag order
                    for k in 0..<64 {
                        let natural = Self.zigzag[k]
                        quantized[k] = Int((coefficients[natural] / Double(table[natural])).rounded())
                    }
                    encodeBlock(quantized, previousDC: &previousDC[component], dc: dcTables[component],
                                ac: acTables[component], bits: &bits)
                }
            }
        }
        bits.flush(to: &out)
    }

    /// Huffman-codes one quantised block (zig-zag order), T.81 F.1.2.1–F.1.2.2.
    private func encodeBlock(_ q: [Int], previousDC: inout Int, dc: HuffmanTable, ac: HuffmanTable,
                             bits: inout BitWriter) {
        let difference = q[0] - previousDC
        previousDC = q[0]
        let dcSize = Self.magnitudeCategory(difference)
        bits.write(dc.code(for: dcSize))
        bits.write(Self.amplitudeBits(difference, size: dcSize))
        var run = 0
        for k in 1..<64 {
            if q[k] == 0 {
                run += 1
                continue
            }
            while run > 15 {
                bits.write(ac.code(for: 0xF0))  // ZRL: sixteen zeros
                run -= 16
            }
            let size = Self.magnitudeCategory(q[k])
            bits.write(ac.code(for: run << 4 | size))
            bits.write(Self.amplitudeBits(q[k], size: size))
            run = 0
        }
        if run > 0 { bits.write(ac.code(for: 0x00)) }  // EOB
    }

    /// SSSS: the number of bits of `|x|` (0 for 0).
    static func magnitudeCategory(_ x: Int) -> Int {
        var magnitude = abs(x), size = 0
        while magnitude > 0 {
            size += 1
            magnitude >>= 1
        }
        return size
    }

    /// The `size` amplitude bits of `x`: `x` itself when positive, `x − 1` (ones' complement
    /// in `size` bits) when negative.
    static func amplitudeBits(_ x: Int, size: Int) -> (code: UInt32, length: Int) {
        guard size > 0 else { return (0, 0) }
        let value = x >= 0 ? x : x + (1 << size) - 1
        return (UInt32(value), size)
    }

    // MARK: DCT

    /// `cosines[u·8 + x] = ½ C(u) cos((2x+1)uπ/16)`: the orthonormal 8-point DCT-II matrix.
    static let cosines: [Double] = (0..<64).map { index in
        let u = index / 8, x = index % 8
        let c = u == 0 ? (0.5).squareRoot() : 1
        return 0.5 * c * cos(Double((2 * x + 1) * u) * Double.pi / 16)
    }

    /// `out = M · block · Mᵀ` with `M` = ``cosines``; block and out are (8, 8) row-major
    /// (row = y = vertical frequency v after the transform).
    static func forwardDCT(_ block: [Double], into out: inout [Double], temporary: inout [Double]) {
        // temporary[y, u] = Σₓ block[y, x] · M[u, x]
        for y in 0..<8 {
            for u in 0..<8 {
                var sum = 0.0
                for x in 0..<8 { sum += block[y * 8 + x] * cosines[u * 8 + x] }
                temporary[y * 8 + u] = sum
            }
        }
        // out[v, u] = Σᵧ M[v, y] · temporary[y, u]
        for v in 0..<8 {
            for u in 0..<8 {
                var sum = 0.0
                for y in 0..<8 { sum += cosines[v * 8 + y] * temporary[y * 8 + u] }
                out[v * 8 + u] = sum
            }
        }
    }

    // MARK: Tables

    /// `zigzag[k]` is the natural (row-major) index of the k-th coefficient in zig-zag order
    /// (T.81 Figure A.6): anti-diagonals `row + column = d`, walked upwards for even `d`.
    static let zigzag: [Int] = {
        var order: [Int] = []
        for d in 0..<15 {
            for i in 0...d {
                let (row, column) = d % 2 == 0 ? (d - i, i) : (i, d - i)
                if row < 8 && column < 8 { order.append(row * 8 + column) }
            }
        }
        return order
    }()

    /// T.81 Table K.1, natural order.
    static let annexKLuminance = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ]

    /// T.81 Table K.2, natural order.
    static let annexKChrominance = [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ]
}

/// A Huffman table as DHT stores it (code counts per length 1…16, symbols in code order),
/// with the canonical codes of T.81 Annex C.
struct HuffmanTable: Sendable {
    let counts: [UInt8]
    let values: [UInt8]
    /// `codes[symbol]` = (code, length); length 0 for symbols the table lacks.
    private let codes: [(code: UInt32, length: Int)]

    init(counts: [UInt8], values: [UInt8]) {
        precondition(counts.count == 16 && counts.reduce(0, { $0 + Int($1) }) == values.count,
                     "a Huffman table needs 16 counts summing to its \(values.count) symbols")
        self.counts = counts
        self.values = values
        var codes = [(code: UInt32, length: Int)](repeating: (0, 0), count: 256)
        var code: UInt32 = 0, k = 0
        for length in 1...16 {
            for _ in 0..<counts[length - 1] {
                codes[Int(values[k])] = (code, length)
                code += 1
                k += 1
            }
            code <<= 1
        }
        self.codes = codes
    }

    func code(for symbol: Int) -> (code: UInt32, length: Int) {
        let entry = codes[symbol]
        precondition(entry.length > 0, "Huffman table has no code for symbol 0x\(String(symbol, radix: 16))")
        return entry
    }

    // T.81 Tables K.3–K.6.
    static let dcLuminance = HuffmanTable(
        counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], values: Array(0...11))
    static let dcChrominance = HuffmanTable(
        counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], values: Array(0...11))
    static let acLuminance = HuffmanTable(
        counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D],
        values: [
            0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
            0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
            0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
            0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
            0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
            0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
            0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
            0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
            0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
            0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
            0xF9, 0xFA,
        ])
    static let acChrominance = HuffmanTable(
        counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
        values: [
            0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
            0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
            0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
            0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
            0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
            0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
            0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
            0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
            0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
            0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
            0xF9, 0xFA,
        ])
}

/// Packs Huffman codes and amplitude bits most-significant first, stuffing a 0x00 after
/// every 0xFF byte of entropy-coded data (T.81 F.1.2.3).
struct BitWriter {
    private var bytes: [UInt8] = []
    private var accumulator: UInt32 = 0
    private var count = 0

    mutating func write(_ bits: (code: UInt32, length: Int)) {
        guard bits.length > 0 else { return }
        accumulator = accumulator << UInt32(bits.length) | (bits.code & ((1 << UInt32(bits.length)) - 1))
        count += bits.length
        while count >= 8 {
            let byte = UInt8(truncatingIfNeeded: accumulator >> UInt32(count - 8))
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
            count -= 8
        }
        accumulator &= (1 << UInt32(count)) - 1
    }

    /// Pads the last byte with 1-bits and appends everything to `out`.
    mutating func flush(to out: inout [UInt8]) {
        if count > 0 { write(((1 << UInt32(8 - count)) - 1, 8 - count)) }
        out += bytes
        bytes.removeAll()
    }
}
