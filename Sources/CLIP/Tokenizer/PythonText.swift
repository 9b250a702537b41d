/// The Python `str` semantics that open_clip's cleaning relies on, which differ from Swift's.
enum PythonText {
    /// Python's `str.isspace()` for one code point (CPython `Py_UNICODE_ISSPACE`): the ASCII
    /// whitespace including the information separators U+001C…U+001F, and every code point
    /// whose bidirectional class is WS, B or S or whose category is Zs.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
             0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    /// `' '.join(text.split())`: drops leading and trailing whitespace and turns every run of
    /// whitespace (``isSpace(_:)``) into one space.
    static func collapsingWhitespace(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isSpace(scalar) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Python's `str.lower()`: each code point's full lowercase mapping (so `İ` becomes `i̇`),
    /// except that capital sigma becomes final `ς` in the Final_Sigma context (preceded by a
    /// cased letter and not followed by one, skipping case-ignorable code points), which
    /// Swift's `lowercased()` does not do.
    static func lowercased(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: text.utf8.map(\.lowercasedASCII), as: UTF8.self)
        }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\u{3A3}" {
                out.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else if scalar.isASCII {
                out.append(Unicode.Scalar(UInt8(ascii: scalar).lowercasedASCII))
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// CPython's `handle_capital_sigma`: `\p{cased} \p{case-ignorable}* Σ` not followed by
    /// `\p{case-ignorable}* \p{cased}`.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }
}

private extension UInt8 {
    var lowercasedASCII: UInt8 { (0x41...0x5A).contains(self) ? self + 0x20 : self }
}
