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

    /// The pieces `findall` returns for `text`.
    static func words(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var words: [String] = []
        var index = 0
        while index < scalars.count {
            let end = matchEnd(scalars, at: index)
            if end > index {
                var word = String.UnicodeScalarView()
                word.append(contentsOf: scalars[index..<end])
                words.append(String(word))
                index = end
            } else {
                index += 1
            }
        }
        return words
    }

    /// The end of the match starting at `start`, or `start` if no alternative matches there.
    private static func matchEnd(_ scalars: [Unicode.Scalar], at start: Int) -> Int {
        let first = scalars[start]
        for literal in literals
        where literal[0] == first && start + literal.count <= scalars.count {
            if zip(literal, scalars[start...]).allSatisfy(matchesIgnoringCase) {
                return start + literal.count
            }
        }
        switch characterClass(scalars[start]) {
        case .letter:
            var end = start + 1
            while end < scalars.count, characterClass(scalars[end]) == .letter { end += 1 }
            return end
        case .number:
            return start + 1
        case .other:
            var end = start + 1
            while end < scalars.count, characterClass(scalars[end]) == .other { end += 1 }
            return end
        case .unmatched:
            return start
        }
    }

    private enum CharacterClass { case letter, number, other, unmatched }

    private static func characterClass(_ scalar: Unicode.Scalar) -> CharacterClass {
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
