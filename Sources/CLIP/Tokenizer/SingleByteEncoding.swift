/// A single-byte character map as ftfy's `fix_encoding` uses it to undo mojibake: bytes
/// 0x00…0x7F are ASCII, 0x80…0xFF map through a table. ftfy's "sloppy" Windows code pages fill
/// each undefined byte with the C1 control of the same number (as browsers do) and decode byte
/// 0x1A as U+FFFD, so that text where a lossy decoder left U+FFFD can still be encoded.
///
/// The tables are Python's codecs (`latin-1`, `iso-8859-2`, `mac-roman`, `cp437`,
/// `windows-125x`) as ftfy 6.3 patches them; the encodings are generated, in
/// `Tables/SingleByteEncoding+Codecs.swift`.
struct SingleByteEncoding: Sendable {
    /// Python's codec name, for diagnostics.
    let name: String
    /// What bytes 0x80…0xFF decode to.
    private let high: [UInt32]
    /// What byte 0x1A decodes to: U+001A, or U+FFFD in the sloppy code pages.
    private let substitute: UInt32
    /// scalar → byte for every non-ASCII entry and for ``substitute``.
    private let bytes: [UInt32: UInt8]

    /// Called only by the generated encodings (`SingleByteEncoding+Codecs.swift`).
    init(name: String, high: [UInt32], substitute: UInt32) {
        precondition(high.count == 128, "\(name): \(high.count) high entries, expected 128")
        self.name = name
        self.high = high
        self.substitute = substitute
        var bytes: [UInt32: UInt8] = [substitute: 0x1A]
        for (offset, scalar) in high.enumerated() { bytes[scalar] = UInt8(0x80 + offset) }
        self.bytes = bytes
    }

    /// Whether this is one of ftfy's "sloppy" code pages (whose byte 0x1A stands for U+FFFD).
    var isSloppy: Bool { name.hasPrefix("sloppy-") }

    /// The character of one byte.
    func decode(_ byte: UInt8) -> Unicode.Scalar {
        switch byte {
        case 0x1A: Unicode.Scalar(substitute)!
        case 0x00..<0x80: Unicode.Scalar(byte)
        default: Unicode.Scalar(high[Int(byte) - 0x80])!
        }
    }

    /// The bytes of `scalars`, or `nil` if one has no byte in this encoding (ftfy's
    /// `possible_encoding` is exactly "this is not `nil`").
    func encode(_ scalars: [Unicode.Scalar]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.value < 0x80, scalar.value != 0x1A {
                out.append(UInt8(scalar.value))
            } else if let byte = bytes[scalar.value] {
                out.append(byte)
            } else {
                return nil
            }
        }
        return out
    }
}
