/// ftfy 6.3's `fix_encoding`: undoes mojibake, UTF-8 that was decoded in a single-byte encoding
/// (`cafÃ©` → `café`, `â€œ` → `“`).
///
/// One step, repeated until the text stops changing:
///
/// 1. ASCII text, and text ``MojibakeHeuristic/isBad(_:)`` does not flag, is left alone.
/// 2. For each candidate encoding in turn (Latin-1, the sloppy Windows-1252, -1251, -1250, -1253,
///    -1254 and -1257, ISO 8859-2, Mac Roman, CP437) that can encode the whole text: encode it,
///    restore NBSP bytes that became spaces (`restore_byte_a0`, not for Mac Roman), mark lossy
///    sequences (`replace_lossy_sequences`, sloppy encodings only), and decode as UTF-8 (with the
///    CESU-8 and Java-null variants). The first that decodes is the result.
/// 3. Otherwise fix the UTF-8-like runs one by one (`decode_inconsistent_utf8`).
/// 4. Otherwise, if the text is Latin-1, re-read it as strict Windows-1252.
/// 5. Otherwise replace C1 controls as `fix_c1_controls` does.
extension TextFixer {
    /// `ftfy.fix_encoding(text)`.
    static func fixEncoding(_ text: Scalars) -> Scalars {
        var text = text
        while true {
            let previous = text
            text = fixEncodingStep(text)
            if text == previous { return text }
        }
    }

    /// One step of `fix_encoding` (ftfy's `_fix_encoding_one_step_and_explain`).
    private static func fixEncodingStep(_ text: Scalars) -> Scalars {
        if text.allSatisfy(\.isASCII) || !MojibakeHeuristic.isBad(text) { return text }

        var isLatin1 = false
        for encoding in SingleByteEncoding.mojibakeCandidates {
            guard var bytes = encoding.encode(text) else { continue }
            if encoding.name == SingleByteEncoding.latin1.name { isLatin1 = true }
            if encoding.name != SingleByteEncoding.macRoman.name,
               firstMatch(of: alteredUTF8, in: bytes, from: 0) != nil {
                bytes = restoreByteA0(bytes)
            }
            if encoding.isSloppy {
                bytes = replacingMatches(of: lossyUTF8, in: bytes) { _ in [0xEF, 0xBF, 0xBD] }
            }
            if let fixed = decodeUTF8Variants(bytes) { return fixed }
        }

        if !MojibakeHeuristic.utf8LikeRuns(in: text).isEmpty {
            let fixed = decodeInconsistentUTF8(text)
            if fixed != text { return fixed }
        }

        // ftfy checks for "windows-1252" among the possible encodings, a name its list never
        // holds (it has "sloppy-windows-1252"), so Latin-1 text is always re-read here.
        if isLatin1, let bytes = SingleByteEncoding.latin1.encode(text),
           let fixed = decodeStrictWindows1252(bytes), fixed != text {
            return fixed
        }
        if text.contains(where: isC1Control) { return fixC1Controls(text) }
        return text
    }

    /// `decode_inconsistent_utf8`: each UTF-8-like run that is shorter than the whole text and
    /// looks bad on its own is replaced by its own `fix_encoding`.
    private static func decodeInconsistentUTF8(_ text: Scalars) -> Scalars {
        var out = Scalars()
        var position = 0
        for run in MojibakeHeuristic.utf8LikeRuns(in: text) {
            out += text[position..<run.lowerBound]
            let part = Array(text[run])
            out += part.count < text.count && MojibakeHeuristic.isBad(part)
                ? fixEncoding(part) : part
            position = run.upperBound
        }
        out += text[position...]
        return out
    }

    // MARK: - Byte transcoders

    /// A byte class, as ranges.
    private typealias ByteClass = [ClosedRange<UInt8>]
    /// A fixed-length byte pattern; alternatives are tried in order at each position.
    private typealias BytePattern = [ByteClass]

    private static let continuationByte: ByteClass = [0x80...0xBF]
    /// Continuation bytes other than 0x85 and 0xA0 (which `restore_byte_a0` expects to have
    /// been turned into spaces or line breaks).
    private static let altered: ByteClass = [0x80...0x84, 0x86...0x9F, 0xA1...0xBF]

    /// `ALTERED_UTF8_RE`: UTF-8 sequences in which a 0xA0 byte has become a space.
    private static let alteredUTF8: [BytePattern] = [
        [[0xC2...0xC3, 0xC5...0xC5, 0xCE...0xCE, 0xD0...0xD0, 0xD9...0xD9], [0x20...0x20]],
        [[0xE2...0xE3], [0x20...0x20], altered],
        [[0xE0...0xE3], altered, [0x20...0x20]],
        [[0xF0...0xF0], [0x20...0x20], continuationByte, continuationByte],
        [[0xF0...0xF0], continuationByte, [0x20...0x20], continuationByte],
        [[0xF0...0xF0], continuationByte, continuationByte, [0x20...0x20]],
    ]

    /// `LOSSY_UTF8_RE`: UTF-8 sequences in which a byte was lost (0x1A, the sloppy encodings'
    /// byte for U+FFFD, or `?`).
    private static let lossyUTF8: [BytePattern] = {
        let sub: ByteClass = [0x1A...0x1A]
        let lost: ByteClass = [0x1A...0x1A, 0x3F...0x3F]
        let lostOrContinuation: ByteClass = lost + continuationByte
        let subOrContinuation: ByteClass = sub + continuationByte
        let ed: ByteClass = [0xED...0xED]
        return [
            [[0xC2...0xDF], sub],
            [[0xC2...0xC3], [0x3F...0x3F]],
            [ed, [0xA0...0xAF], lost, ed, [0xB0...0xBF], lostOrContinuation],
            [ed, [0xA0...0xAF], lostOrContinuation, ed, [0xB0...0xBF], lost],
            [[0xE0...0xEF], lost, subOrContinuation],
            [[0xE0...0xEF], subOrContinuation, lost],
            [[0xF0...0xF4], lost, subOrContinuation, subOrContinuation],
            [[0xF0...0xF4], subOrContinuation, lost, subOrContinuation],
            [[0xF0...0xF4], subOrContinuation, subOrContinuation, lost],
            [sub],
        ]
    }()

    /// `restore_byte_a0`: first `C3 20` (a mojibake `à` whose NBSP became a space) gains its
    /// 0xA0 back as `C3 A0 20`, unless followed by a space, `quele`, `quela`, `quilo` or `s `
    /// (Portuguese `às`, `àquele`, ...); then every ``alteredUTF8`` match has its spaces
    /// turned into 0xA0.
    private static func restoreByteA0(_ bytes: [UInt8]) -> [UInt8] {
        let exceptions: [[UInt8]] = [" ", "quele", "quela", "quilo", "s "].map { Array($0.utf8) }
        var aGrave: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0xC3, index + 1 < bytes.count, bytes[index + 1] == 0x20,
               !exceptions.contains(where: { bytes[(index + 2)...].starts(with: $0) }) {
                aGrave += [0xC3, 0xA0, 0x20]
                index += 2
            } else {
                aGrave.append(bytes[index])
                index += 1
            }
        }
        return replacingMatches(of: alteredUTF8, in: aGrave) { match in
            match.map { $0 == 0x20 ? 0xA0 : $0 }
        }
    }

    /// The first position at or after `start` where one of `patterns` matches, with the
    /// length of the first alternative that matches there.
    private static func firstMatch(of patterns: [BytePattern], in bytes: [UInt8],
                                   from start: Int) -> (start: Int, length: Int)? {
        for position in start..<bytes.count {
            for pattern in patterns where position + pattern.count <= bytes.count {
                let fits = pattern.indices.allSatisfy { offset in
                    pattern[offset].contains { $0.contains(bytes[position + offset]) }
                }
                if fits { return (position, pattern.count) }
            }
        }
        return nil
    }

    /// Python's `pattern.sub(replacement, bytes)` for an alternation of fixed-length patterns.
    private static func replacingMatches(of patterns: [BytePattern], in bytes: [UInt8],
                                         with replacement: (ArraySlice<UInt8>) -> [UInt8])
        -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        while let match = firstMatch(of: patterns, in: bytes, from: position) {
            out += bytes[position..<match.start]
            out += replacement(bytes[match.start..<(match.start + match.length)])
            position = match.start + match.length
        }
        out += bytes[position...]
        return out
    }

    // MARK: - Decoders

    /// ftfy's `utf-8-variants` codec: strict UTF-8, plus CESU-8 surrogate pairs (six bytes
    /// `ED A0-AF 80-BF ED B0-BF 80-BF`) and Java's `C0 80` for U+0000. `nil` if invalid.
    static func decodeUTF8Variants(_ bytes: [UInt8]) -> Scalars? {
        var out = Scalars()
        out.reserveCapacity(bytes.count)
        var index = 0
        func byte(_ offset: Int, in range: ClosedRange<UInt8>) -> Bool {
            index + offset < bytes.count && range.contains(bytes[index + offset])
        }
        while index < bytes.count {
            let lead = bytes[index]
            var value: UInt32
            var length: Int
            switch lead {
            case 0x00...0x7F:
                (value, length) = (UInt32(lead), 1)
            case 0xC0 where byte(1, in: 0x80...0x80):
                (value, length) = (0, 2)
            case 0xED where byte(1, in: 0xA0...0xAF) && byte(2, in: 0x80...0xBF)
                && byte(3, in: 0xED...0xED) && byte(4, in: 0xB0...0xBF) && byte(5, in: 0x80...0xBF):
                value = 0x10000 + (UInt32(bytes[index + 1] & 0x0F) << 16)
                    + (UInt32(bytes[index + 2] & 0x3F) << 10)
                    + (UInt32(bytes[index + 4] & 0x0F) << 6) + UInt32(bytes[index + 5] & 0x3F)
                length = 6
            case 0xC2...0xDF where byte(1, in: 0x80...0xBF):
                (value, length) = (UInt32(lead & 0x1F), 2)
            case 0xE0 where byte(1, in: 0xA0...0xBF) && byte(2, in: 0x80...0xBF),
                 0xE1...0xEC where byte(1, in: 0x80...0xBF) && byte(2, in: 0x80...0xBF),
                 0xED where byte(1, in: 0x80...0x9F) && byte(2, in: 0x80...0xBF),
                 0xEE...0xEF where byte(1, in: 0x80...0xBF) && byte(2, in: 0x80...0xBF):
                (value, length) = (UInt32(lead & 0x0F), 3)
            case 0xF0 where byte(1, in: 0x90...0xBF) && byte(2, in: 0x80...0xBF)
                && byte(3, in: 0x80...0xBF),
                 0xF1...0xF3 where byte(1, in: 0x80...0xBF) && byte(2, in: 0x80...0xBF)
                && byte(3, in: 0x80...0xBF),
                 0xF4 where byte(1, in: 0x80...0x8F) && byte(2, in: 0x80...0xBF)
                && byte(3, in: 0x80...0xBF):
                (value, length) = (UInt32(lead & 0x07), 4)
            default:
                return nil
            }
            if length > 1, length < 6, lead != 0xC0 {
                for offset in 1..<length {
                    value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
                }
            }
            out.append(Unicode.Scalar(value)!)
            index += length
        }
        return out
    }

    /// Python's strict `windows-1252` codec: `nil` if a byte is one of its five holes.
    private static func decodeStrictWindows1252(_ bytes: [UInt8]) -> Scalars? {
        var out = Scalars()
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case 0x81, 0x8D, 0x8F, 0x90, 0x9D: return nil
            case 0x1A: out.append("\u{1A}")  // the sloppy table's U+FFFD is ftfy's addition
            default: out.append(SingleByteEncoding.sloppyWindows1252.decode(byte))
            }
        }
        return out
    }
}
