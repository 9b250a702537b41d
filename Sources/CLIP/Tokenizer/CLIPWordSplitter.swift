/// open_clip's split pattern, matched by hand over Unicode scalars:
///
///     <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// compiled by Python's `regex` module with `IGNORECASE` and applied with `findall`.
///
/// At each position the alternatives are tried in order and the first that matches wins (an
/// alternation is ordered, not longest-match); where none matches, the scalar is skipped.
/// Letters are the general categories L*, numbers N*, `\s` is the Unicode White_Space property.
/// Two effects of `IGNORECASE` are reproduced: `ſ` (U+017F) matches `s`, so `'ſ` is the piece
/// `'s`; and U+0345 COMBINING GREEK YPOGEGRAMMENI, whose case folding is the letter `ι`, falls
/// outside both `[\p{L}]` and its negated class, so no alternative matches it and it is dropped.
enum CLIPWordSplitter {
    /// The literal alternatives, in pattern order.
    private static let literals: [[Unicode.Scalar]] = [
        "<start_of_text>", "<end_of_text>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
    ].map { Array($0.unicodeScalars) }

    private typealias Scalars = String.UnicodeScalarView

    /// The pieces `findall` returns for `text`.
    static func words(in text: String) -> [String] {
        let scalars = text.unicodeScalars
        var words: [String] = []
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let end = matchEnd(scalars, at: index)
            if end > index {
                words.append(String(scalars[index..<end]))
                index = end
            } else {
                index = scalars.index(after: index)
            }
        }
        return words
    }

    /// The end of the match starting at `start`, or `start` if no alternative matches there.
    private static func matchEnd(_ scalars: Scalars, at start: Scalars.Index) -> Scalars.Index {
        let first = scalars[start]
        if first == "<" || first == "'" {
            for literal in literals where literal[0] == first {
                if let end = literalEnd(literal, in: scalars, at: start) { return end }
            }
        }
        let kind = characterClass(first)
        switch kind {
        case .letter, .other:
            var end = scalars.index(after: start)
            while end < scalars.endIndex, characterClass(scalars[end]) == kind {
                end = scalars.index(after: end)
            }
            return end
        case .number:
            return scalars.index(after: start)
        case .unmatched:
            return start
        }
    }

    /// The end of `literal` matched case-insensitively at `start`, or `nil`.
    private static func literalEnd(_ literal: [Unicode.Scalar], in scalars: Scalars,
                                   at start: Scalars.Index) -> Scalars.Index? {
        var index = start
        for pattern in literal {
            guard index < scalars.endIndex, matchesIgnoringCase(pattern, scalars[index]) else {
                return nil
            }
            index = scalars.index(after: index)
        }
        return index
    }

    private enum CharacterClass { case letter, number, other, unmatched }

    private static let asciiClasses: [CharacterClass] = (0..<128).map {
        classify(Unicode.Scalar(UInt8($0)))
    }

    private static func characterClass(_ scalar: Unicode.Scalar) -> CharacterClass {
        scalar.isASCII ? asciiClasses[Int(scalar.value)] : classify(scalar)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> CharacterClass {
        if scalar.properties.isWhitespace || scalar == "\u{345}" { return .unmatched }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Simple case-insensitive equality with a pattern scalar (all ASCII): the scalar itself,
    /// its ASCII uppercase, and `ſ` for `s` (the only non-ASCII scalar whose simple case folding
    /// is a letter of the literals).
    private static func matchesIgnoringCase(_ pattern: Unicode.Scalar,
                                            _ scalar: Unicode.Scalar) -> Bool {
        if scalar == pattern { return true }
        if ("a"..."z").contains(pattern) {
            return scalar.value == pattern.value - 0x20 || (pattern == "s" && scalar == "\u{17F}")
        }
        return false
    }
}
