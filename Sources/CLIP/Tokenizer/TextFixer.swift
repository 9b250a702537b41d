/// ftfy 6.3's `fix_text` with its default configuration, the first step of open_clip's cleaning.
///
/// The text is cut after each `\n` (and every 1,000,000 code points) into segments, each fixed
/// on its own. A segment is fixed by applying, until nothing changes:
///
/// 1. `unescape_html` (HTML entities, strict form: ``HTMLUnescaper/unescapeStrictly(_:)``),
///    unless a `<` appeared in this or an earlier segment (the text is then taken for HTML);
/// 2. `fix_encoding`: mojibake, see `TextFixer+Encoding.swift`;
/// 3. `fix_c1_controls` (U+0080…U+009F read as Windows-1252), `fix_latin_ligatures` (`ﬁ` → `fi`),
///    `fix_character_width` (`Ｆ` → `F`, halfwidth katakana → standard), `uncurl_quotes`
///    (`’` → `'`, `“` → `"`), `fix_line_breaks` (CR, CRLF, U+2028, U+2029, U+0085 → LF),
///    `remove_terminal_escapes` (ANSI `ESC [ ... letter`), `remove_control_chars`;
/// 4. NFC normalization.
///
/// `fix_surrogates` has no counterpart: a Swift string cannot hold surrogate code points.
/// Comparisons are by code point, as in Python (never `String`'s canonical equivalence).
enum TextFixer {
    typealias Scalars = [Unicode.Scalar]

    /// ftfy's `max_decode_length`.
    static let maximumSegmentLength = 1_000_000

    /// `ftfy.fix_text(text)`.
    static func fixText(_ text: String) -> String {
        // Printable ASCII without "&", plus TAB, LF and FF, is what every fixer leaves alone.
        let isPlain = text.utf8.allSatisfy { byte in
            (0x20...0x7E).contains(byte) ? byte != UInt8(ascii: "&")
                : byte == 0x09 || byte == 0x0A || byte == 0x0C
        }
        if isPlain { return text }
        let scalars = Array(text.unicodeScalars)
        var out = Scalars()
        out.reserveCapacity(scalars.count)
        var unescapesHTML = true  // ftfy's "auto": on until a segment contains "<"
        var position = 0
        while position < scalars.count {
            var end = scalars[position...].firstIndex(of: "\n").map { $0 + 1 } ?? scalars.count
            end = min(end, position + maximumSegmentLength)
            let segment = Array(scalars[position..<end])
            if segment.contains("<") { unescapesHTML = false }
            out += fixSegment(segment, unescapingHTML: unescapesHTML)
            position = end
        }
        return String(String.UnicodeScalarView(out))
    }

    /// `ftfy.fix_and_explain` on one segment: every fixer in order, repeated until stable.
    static func fixSegment(_ segment: Scalars, unescapingHTML: Bool) -> Scalars {
        var text = segment
        while true {
            let original = text
            if unescapingHTML { text = HTMLUnescaper.unescapeStrictly(text) }
            text = fixEncoding(text)
            text = fixC1Controls(text)
            text = fixLatinLigatures(text)
            text = fixCharacterWidth(text)
            text = uncurlQuotes(text)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = removeControlCharacters(text)
            text = normalizedNFC(text)
            if text == original { return text }
        }
    }

    // MARK: - Character fixers

    /// `fix_c1_controls`: each U+0080…U+009F becomes its Windows-1252 character (the five
    /// undefined bytes stay as they are), as HTML5 decoders do.
    static func fixC1Controls(_ text: Scalars) -> Scalars {
        guard text.contains(where: isC1Control) else { return text }
        return text.map { scalar in
            isC1Control(scalar)
                ? SingleByteEncoding.sloppyWindows1252.decode(UInt8(scalar.value)) : scalar
        }
    }

    static func isC1Control(_ scalar: Unicode.Scalar) -> Bool {
        (0x80...0x9F).contains(scalar.value)
    }

    /// `fix_latin_ligatures`: the Latin typographic ligatures and the Dutch and Serbo-Croatian
    /// digraph letters become their letters (`ﬅ` becomes `ſt` and `ŉ` becomes `ʼn`, as ftfy does).
    static func fixLatinLigatures(_ text: Scalars) -> Scalars {
        guard text.contains(where: { latinLigatures[$0.value] != nil }) else { return text }
        return text.flatMap { latinLigatures[$0.value].map { Array($0.unicodeScalars) } ?? [$0] }
    }

    private static let latinLigatures: [UInt32: String] = [
        0x0132: "IJ", 0x0133: "ij", 0x0149: "\u{2BC}n",
        0x01C4: "D\u{17D}", 0x01C5: "D\u{17E}", 0x01C6: "d\u{17E}",
        0x01C7: "LJ", 0x01C8: "Lj", 0x01C9: "lj",
        0x01CA: "NJ", 0x01CB: "Nj", 0x01CC: "nj",
        0x01F1: "DZ", 0x01F2: "Dz", 0x01F3: "dz",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl",
        0xFB05: "\u{17F}t", 0xFB06: "st",
    ]

    /// `fix_character_width`: fullwidth ASCII, halfwidth katakana and Hangul, and the other
    /// forms of U+FF01…U+FFEF become their standard-width characters; U+3000 becomes a space.
    static func fixCharacterWidth(_ text: Scalars) -> Scalars {
        guard text.contains(where: { widthMap[$0.value] != nil }) else { return text }
        return text.flatMap { widthMap[$0.value] ?? [$0] }
    }

    /// ``CharacterWidthTable`` parsed.
    static let widthMap: [UInt32: Scalars] = {
        var map: [UInt32: Scalars] = [:]
        for line in CharacterWidthTable.entries.split(separator: "\n") {
            let fields = line.split(separator: " ").map { UInt32($0, radix: 16)! }
            map[fields[0]] = fields.dropFirst().map { Unicode.Scalar($0)! }
        }
        return map
    }()

    /// `uncurl_quotes`: `ʼ ‘ ’ ‚ ‛` → `'` and `“ ” „ ‟` → `"`.
    static func uncurlQuotes(_ text: Scalars) -> Scalars {
        guard text.contains(where: { (0x2018...0x201F).contains($0.value) || $0 == "\u{2BC}" })
        else { return text }
        return text.map { scalar in
            switch scalar.value {
            case 0x02BC, 0x2018...0x201B: "'"
            case 0x201C...0x201F: "\""
            default: scalar
            }
        }
    }

    /// `fix_line_breaks`: CRLF, CR, LINE SEPARATOR, PARAGRAPH SEPARATOR and NEXT LINE → LF.
    static func fixLineBreaks(_ text: Scalars) -> Scalars {
        guard text.contains(where: { ["\r", "\u{2028}", "\u{2029}", "\u{85}"].contains($0) })
        else { return text }
        var out = Scalars()
        out.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            switch text[index] {
            case "\r":
                out.append("\n")
                if index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            case "\u{2028}", "\u{2029}", "\u{85}":
                out.append("\n")
            default:
                out.append(text[index])
            }
            index += 1
        }
        return out
    }

    /// `remove_terminal_escapes`: deletes ANSI sequences `ESC [ (\d|;)* [A-Za-z]` (`\d` being any
    /// Unicode decimal digit, as in Python `re`).
    static func removeTerminalEscapes(_ text: Scalars) -> Scalars {
        guard text.contains("\u{1B}") else { return text }
        var out = Scalars()
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var end = index + 2
                while end < text.count,
                      text[end] == ";" || text[end].properties.generalCategory == .decimalNumber {
                    end += 1
                }
                if end < text.count, text[end].isASCII, text[end].properties.isAlphabetic {
                    index = end + 1
                    continue
                }
            }
            out.append(text[index])
            index += 1
        }
        return out
    }

    /// `remove_control_chars`: deletes the C0 controls other than TAB, LF, FF and CR, DEL, the
    /// deprecated Arabic format controls U+206A…U+206F, the byte-order mark U+FEFF and the
    /// interlinear annotation and object replacement characters U+FFF9…U+FFFC.
    static func removeControlCharacters(_ text: Scalars) -> Scalars {
        guard text.contains(where: isRemovedControl) else { return text }
        return text.filter { !isRemovedControl($0) }
    }

    private static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: true
        default: false
        }
    }

    /// Unicode NFC, by the standard library's implementation (`_nfcCodeUnits`, the one `String`
    /// comparison uses); Foundation's `precomposedStringWithCanonicalMapping` on Linux fails to
    /// compose an LV Hangul syllable with a trailing jamo.
    static func normalizedNFC(_ text: Scalars) -> Scalars {
        // Below U+0300 nothing composes or reorders.
        guard text.contains(where: { $0.value >= 0x300 }) else { return text }
        let string = String(String.UnicodeScalarView(text))
        return Array(String(decoding: string._nfcCodeUnits, as: UTF8.self).unicodeScalars)
    }
}
