/// HTML character references, decoded two ways: Python's `html.unescape` (which open_clip applies
/// twice) and ftfy's stricter `unescape_html` (which `fix_text` applies first).
///
/// Both work on Unicode scalars and compare names scalar by scalar, never with `String`'s
/// canonical equivalence (under which `&\u{212A}appa;`, with a Kelvin sign, would be `&Kappa;`).
enum HTMLUnescaper {
    /// Python's `html.unescape` (HTML5 rules): every match of
    /// `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` is replaced:
    ///
    /// - a numeric reference by its code point, except that 0x00, 0x0D and 0x80…0x9F map as HTML5
    ///   says (U+FFFD, CR, Windows-1252), surrogates and values above U+10FFFF become U+FFFD, and
    ///   the HTML5 "invalid" code points (most C0/C1 controls, noncharacters) are dropped;
    /// - a name (with or without `;`) by its entity; otherwise the longest prefix of at least two
    ///   characters that is an entity (necessarily a legacy one without `;`, like `&amp` in
    ///   `&ampx;`) followed by the rest; otherwise it is kept.
    static func unescape(_ text: String) -> String {
        guard text.unicodeScalars.contains("&") else { return text }
        return String(String.UnicodeScalarView(unescape(Array(text.unicodeScalars))))
    }

    static func unescape(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains("&") else { return scalars }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "&", let (replacement, end) = reference(scalars, at: index) {
                out.append(contentsOf: replacement.unicodeScalars)
                index = end
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return out
    }

    /// ftfy's `unescape_html`: only matches of `&#?[0-9A-Za-z]{1,24};` are candidates. A name
    /// is replaced if it is an HTML5 entity with `;`, or the all-caps form of a lowercase one
    /// (`&EACUTE;` → `É`, with the value uppercased) that is not itself an entity; a numeric
    /// reference is replaced as `html.unescape` would, unless that leaves a `;` (a reference
    /// decoded only in part); anything else is kept.
    static func unescapeStrictly(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains("&") else { return scalars }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&", let end = strictReferenceEnd(scalars, at: index) else {
                out.append(scalars[index])
                index += 1
                continue
            }
            let match = Array(scalars[index..<end])
            let name = Array(scalars[(index + 1)..<end])
            if let value = strictNamedReferences[name] {
                out.append(contentsOf: value.unicodeScalars)
            } else if name.first == "#" {
                let decoded = unescape(match)
                out.append(contentsOf: decoded.contains(";") ? match : decoded)
            } else {
                out.append(contentsOf: match)
            }
            index = end
        }
        return out
    }

    // MARK: - html.unescape

    /// The replacement for the reference at `start` (an `&`) and the index after it, or `nil`
    /// if the pattern does not match there.
    private static func reference(_ scalars: [Unicode.Scalar],
                                  at start: Int) -> (String, Int)? {
        let count = scalars.count
        let first = start + 1
        guard first < count else { return nil }
        if scalars[first] == "#" {
            var digitsStart = first + 1
            let isHex: Bool
            if digitsStart < count, scalars[digitsStart].isASCIIDigit {
                isHex = false
            } else if digitsStart + 1 < count, scalars[digitsStart] == "x"
                        || scalars[digitsStart] == "X",
                      scalars[digitsStart + 1].hexDigitValue != nil {
                isHex = true
                digitsStart += 1
            } else {
                return nil
            }
            var end = digitsStart
            var value = 0  // saturates above U+10FFFF: any such value is replaced alike
            while end < count, let digit = isHex ? scalars[end].hexDigitValue
                                                  : scalars[end].decimalDigitValue {
                value = min(value * (isHex ? 16 : 10) + digit, 0x110000)
                end += 1
            }
            if end < count, scalars[end] == ";" { end += 1 }
            return (numericReference(value), end)
        }
        var end = first
        while end < count, end - first < 32, !isNameTerminator(scalars[end]) { end += 1 }
        guard end > first else { return nil }
        if end < count, scalars[end] == ";" { end += 1 }
        let name = Array(scalars[first..<end])
        if let value = namedReferences[name] { return (value, end) }
        // The longest prefix (at least two characters) that is an entity, then the rest.
        for length in stride(from: name.count - 1, through: 2, by: -1) {
            if let value = namedReferences[Array(name[..<length])] {
                return (value + String(String.UnicodeScalarView(name[length...])), end)
            }
        }
        return ("&" + String(String.UnicodeScalarView(name)), end)
    }

    /// `[\t\n\f <&#;]`: what ends a name in `html.unescape`.
    private static func isNameTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{C}", " ", "<", "&", "#", ";": true
        default: false
        }
    }

    /// A numeric reference's replacement (Python's `_replace_charref`).
    private static func numericReference(_ value: Int) -> String {
        switch value {
        case 0x00: return "\u{FFFD}"
        case 0x0D: return "\r"
        case 0x80...0x9F:
            // HTML5 maps these like Windows-1252; its five holes stay C1 controls.
            return String(SingleByteEncoding.sloppyWindows1252.decode(UInt8(value)))
        case 0xD800...0xDFFF, 0x110000...: return "\u{FFFD}"
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFDD0...0xFDEF: return ""
        case _ where value & 0xFFFE == 0xFFFE: return ""  // U+FFFE, U+FFFF, U+1FFFE, ...
        default: return String(Character(Unicode.Scalar(UInt32(value))!))
        }
    }

    // MARK: - ftfy's unescape_html

    /// The end of a match of `&#?[0-9A-Za-z]{1,24};` at `start`, or `nil`.
    private static func strictReferenceEnd(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        var index = start + 1
        if index < scalars.count, scalars[index] == "#" { index += 1 }
        let nameStart = index
        while index < scalars.count, scalars[index].isASCIIAlphanumeric { index += 1 }
        let length = index - nameStart
        guard (1...24).contains(length), index < scalars.count, scalars[index] == ";" else {
            return nil
        }
        return index + 1
    }

    // MARK: - Tables

    /// `html.entities.html5`: name (without `&`, with `;` where the table has it) → value.
    static let namedReferences: [[Unicode.Scalar]: String] = {
        var table: [[Unicode.Scalar]: String] = [:]
        for line in HTMLEntityTable.entries.split(separator: "\n") {
            let fields = line.split(separator: " ")
            var value = String.UnicodeScalarView()
            for field in fields.dropFirst() {
                value.append(Unicode.Scalar(UInt32(field, radix: 16)!)!)
            }
            table[Array(fields[0].unicodeScalars)] = String(value)
        }
        return table
    }()

    /// ftfy's `HTML_ENTITIES` (without the `&`): the names with `;`, plus, for each lowercase one
    /// whose all-caps form `html.unescape` leaves alone, that form mapped to the uppercased value.
    static let strictNamedReferences: [[Unicode.Scalar]: String] = {
        var table: [[Unicode.Scalar]: String] = [:]
        for (name, value) in namedReferences where name.last == ";" {
            table[name] = value
            let text = String(String.UnicodeScalarView(name))
            let upper = text.uppercased()
            if text == text.lowercased(), upper != text, unescape("&" + upper) == "&" + upper {
                table[Array(upper.unicodeScalars)] = value.uppercased()
            }
        }
        return table
    }()
}

fileprivate extension Unicode.Scalar {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }

    var isASCIIAlphanumeric: Bool {
        ("0"..."9").contains(self) || ("a"..."z").contains(self) || ("A"..."Z").contains(self)
    }

    /// The value of an ASCII decimal digit.
    var decimalDigitValue: Int? { isASCIIDigit ? Int(value - 0x30) : nil }

    /// The value of an ASCII hexadecimal digit.
    var hexDigitValue: Int? {
        switch self {
        case "0"..."9": Int(value - 0x30)
        case "a"..."f": Int(value - 0x61 + 10)
        case "A"..."F": Int(value - 0x41 + 10)
        default: nil
        }
    }
}
