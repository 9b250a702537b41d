/// ftfy 6.3's two mojibake detectors, matched by hand over Unicode scalars:
///
/// - ``isBad(_:)``: `badness.is_bad`, a search for any of the ~40 "unlikely juxtapositions" of
///   `BADNESS_RE` (an accented capital after a lowercase accented letter, a currency sign after
///   a box-drawing character, `Ã` + NBSP, ...). `fix_encoding` only tries to re-decode text this
///   flags.
/// - ``utf8LikeRuns(in:)``: the matches of `chardata.UTF8_DETECTOR_RE`, runs that look like
///   UTF-8 lead + continuation bytes decoded one byte per character.
///
/// The character classes are ``MojibakeCharacterClasses``; Python `re` semantics are kept:
/// `\s` is `str.isspace`, `\w` a letter, number, code point with a numeric value, or `_`.
enum MojibakeHeuristic {
    /// The classes a scalar belongs to, as a bit set.
    struct Classes: OptionSet, Sendable {
        let rawValue: UInt32

        static let common = Classes(rawValue: 1 << 0)
        static let c1 = Classes(rawValue: 1 << 1)
        static let bad = Classes(rawValue: 1 << 2)
        static let law = Classes(rawValue: 1 << 3)
        static let currency = Classes(rawValue: 1 << 4)
        static let startPunctuation = Classes(rawValue: 1 << 5)
        static let endPunctuation = Classes(rawValue: 1 << 6)
        static let numeric = Classes(rawValue: 1 << 7)
        static let kaomoji = Classes(rawValue: 1 << 8)
        static let upperAccented = Classes(rawValue: 1 << 9)
        static let lowerAccented = Classes(rawValue: 1 << 10)
        static let upperCommon = Classes(rawValue: 1 << 11)
        static let lowerCommon = Classes(rawValue: 1 << 12)
        static let box = Classes(rawValue: 1 << 13)
        static let utf8FirstOf2 = Classes(rawValue: 1 << 14)
        static let utf8FirstOf3 = Classes(rawValue: 1 << 15)
        static let utf8FirstOf4 = Classes(rawValue: 1 << 16)
        static let utf8Continuation = Classes(rawValue: 1 << 17)
        static let utf8ContinuationStrict = Classes(rawValue: 1 << 18)
    }

    /// Every scalar in some class → its classes.
    private static let membership: [UInt32: Classes] = {
        typealias C = MojibakeCharacterClasses
        let table: [(Classes, [ClosedRange<UInt32>])] = [
            (.common, C.common), (.c1, C.c1), (.bad, C.bad), (.law, C.law),
            (.currency, C.currency), (.startPunctuation, C.startPunctuation),
            (.endPunctuation, C.endPunctuation), (.numeric, C.numeric), (.kaomoji, C.kaomoji),
            (.upperAccented, C.upperAccented), (.lowerAccented, C.lowerAccented),
            (.upperCommon, C.upperCommon), (.lowerCommon, C.lowerCommon), (.box, C.box),
            (.utf8FirstOf2, C.utf8FirstOf2), (.utf8FirstOf3, C.utf8FirstOf3),
            (.utf8FirstOf4, C.utf8FirstOf4), (.utf8Continuation, C.utf8Continuation),
            (.utf8ContinuationStrict, C.utf8ContinuationStrict),
        ]
        var membership: [UInt32: Classes] = [:]
        for (classes, ranges) in table {
            for range in ranges {
                for value in range { membership[value, default: []].insert(classes) }
            }
        }
        return membership
    }()

    static func classes(of scalar: Unicode.Scalar) -> Classes {
        membership[scalar.value] ?? []
    }

    // MARK: - BADNESS_RE

    /// One position of a pattern: does the scalar (with its classes) fit?
    typealias Element = @Sendable (Unicode.Scalar, Classes) -> Bool

    /// A scalar in any of `classes` or among `scalars`.
    private static func any(_ classes: Classes, _ scalars: String = "") -> Element {
        let extra = Set(scalars.unicodeScalars)
        return { scalar, its in !its.isDisjoint(with: classes) || extra.contains(scalar) }
    }

    /// One of `scalars`.
    private static func oneOf(_ scalars: String) -> Element { any([], scalars) }

    private static let asciiLetter: Element = { scalar, _ in
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
    private static let asciiLowercase: Element = { scalar, _ in ("a"..."z").contains(scalar) }
    private static let space: Element = { scalar, _ in PythonText.isSpace(scalar) }
    /// Python `re`'s `\w` for `str` patterns: `str.isalnum()` or `_`.
    private static let word: Element = { scalar, _ in
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            true
        default:
            scalar == "_" || scalar.properties.numericType != nil
        }
    }

    /// The alternatives of `BADNESS_RE` in pattern order, each a fixed-length sequence
    /// (`[a-z]\s?[ÃÂ][ ]` is written as its two lengths; `^[ÃÂ][ ]` is ``anchoredBadness``).
    private static let badness: [[Element]] = {
        let bad = Classes.bad, lowerAccented = Classes.lowerAccented
        let upperAccented = Classes.upperAccented, box = Classes.box
        let start = Classes.startPunctuation, end = Classes.endPunctuation
        let currency = Classes.currency, numeric = Classes.numeric, law = Classes.law
        let lowerCommon = Classes.lowerCommon, upperCommon = Classes.upperCommon
        let c1 = Classes.c1, common = Classes.common
        let accented: Classes = [lowerAccented, upperAccented]
        let arabic: Element = any([common, currency, bad, numeric, start], "ŸŠ®°µ»")
        return [
            [any(c1)],
            [any([bad, accented, box, start, end, currency, numeric, law]), any(bad)],
            [asciiLetter, any([lowerCommon, upperCommon]), any(bad)],
            [any(bad), any([accented, box, start, end, currency, numeric, law])],
            [any([lowerAccented, lowerCommon, box, end, currency, numeric]), any(upperAccented)],
            [any([box, end, currency, numeric]), any(lowerAccented)],
            [any([lowerAccented, box, end]), any(currency)],
            [space, any(upperAccented), any(currency)],
            [any([upperAccented, box]), any([numeric, law])],
            [any([accented, box, currency, end]), any(start), any(numeric)],
            [any([accented, currency, numeric, box, law]), any(end), any(start)],
            [any([currency, numeric, box]), any(start)],
            [asciiLowercase, any(upperAccented), any([start, currency])],
            [any(box), any(.kaomoji)],
            [any([accented, currency, numeric, start, end, law]), any(box)],
            [any(box), any(end)],
            [any(accented), any([start, end]), word],
            // The ligature œ when not followed by an unaccented Latin letter.
            [oneOf("Œœ"), { scalar, classes in !asciiLetter(scalar, classes) }],
            // Degree signs after capital letters.
            [any(upperAccented), oneOf("°")],
            // Common Windows-1252 two-character mojibake.
            [oneOf("ÂÃÎÐ"), any([start, end], "€œŠš¢£Ÿž\u{A0}\u{AD}®©°·»–—´")],
            [oneOf("×"), oneOf("²³")],
            // Windows-1252 mojibake of Arabic words: four characters.
            [oneOf("ØÙ"), arabic, oneOf("ØÙ"), arabic],
            // Windows-1252 mojibake starting South Asian three-byte sequences.
            [oneOf("à"), oneOf("²µ¹¼½¾")],
            // MacRoman mojibake.
            [oneOf("√"), oneOf("±∂†≠®™´≤≥¥µø")],
            [oneOf("≈"), oneOf("°¢")],
            [oneOf("‚"), oneOf("Ä"), oneOf("ìîïòôúùû†°¢π")],
            [oneOf("‚"), oneOf("âó"), oneOf("àä°ê")],
            // Windows-1251 mojibake of U+2000 punctuation, Latin-1 and Cyrillic.
            [oneOf("в"), oneOf("Ђ")],
            [oneOf("ВГРС"), any([c1, bad, start, end, currency], "°µ"), oneOf("ВГРС")],
            [oneOf("Г"), oneOf("ў"), oneOf("В"), oneOf("Ђ"), oneOf("В"),
             { scalar, _ in scalar != "\n" }, { scalar, classes in
                 scalar == " " || asciiLetter(scalar, classes) }],
            // Windows-1252 encodings of 'à' and 'á', and of NBSP itself.
            [oneOf("Ã"), oneOf("\u{A0}¡")],
            [asciiLowercase, oneOf("ÃÂ"), oneOf(" ")],
            [asciiLowercase, space, oneOf("ÃÂ"), oneOf(" ")],
            // Â before the very character it encodes.
            [any(end, "abcdefghijklmnopqrstuvwxyz.,?!"), oneOf("Â"), any([start, end], " ")],
            // Windows-1253 mojibake of U+2000 punctuation, Latin-1 and Greek.
            [oneOf("β"), oneOf("€"), oneOf("™\u{A0}Ά\u{AD}®°")],
            [oneOf("ΒΓΞΟ"), any([c1, bad, start, end, currency], "°"), oneOf("ΒΓΞΟ")],
            // Windows-1257 mojibake of U+2000 punctuation.
            [oneOf("ā"), oneOf("€")],
        ]
    }()

    /// `^[ÃÂ][ ]`, the one alternative anchored at the start of the text.
    private static let anchoredBadness: [Element] = [oneOf("ÃÂ"), oneOf(" ")]

    /// ftfy's `is_bad`: whether `BADNESS_RE` matches anywhere in `text`.
    static func isBad(_ text: [Unicode.Scalar]) -> Bool {
        let classes = text.map(classes(of:))
        func matches(_ pattern: [Element], at start: Int) -> Bool {
            guard start + pattern.count <= text.count else { return false }
            return pattern.indices.allSatisfy { pattern[$0](text[start + $0], classes[start + $0]) }
        }
        if matches(anchoredBadness, at: 0) { return true }
        return text.indices.contains { start in
            badness.contains { matches($0, at: start) }
        }
    }

    // MARK: - UTF8_DETECTOR_RE

    /// The matches of `(?<![strict continuation])([lead2][cont]|[lead3][cont]{2}|[lead4][cont]{3})+`
    /// in `text`, leftmost first and not overlapping, as index ranges.
    ///
    /// The three lead classes are disjoint, so each repetition has at most one way to match and
    /// the greedy `+` never needs to backtrack.
    static func utf8LikeRuns(in text: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = text.map(classes(of:))
        /// The end of one repetition starting at `start`, or `nil`.
        func sequenceEnd(at start: Int) -> Int? {
            let lead = classes[start]
            let continuations = lead.contains(.utf8FirstOf2) ? 1
                : lead.contains(.utf8FirstOf3) ? 2
                : lead.contains(.utf8FirstOf4) ? 3 : 0
            guard continuations > 0, start + continuations < text.count else { return nil }
            for offset in 1...continuations
            where !classes[start + offset].contains(.utf8Continuation) {
                return nil
            }
            return start + continuations + 1
        }
        var runs: [Range<Int>] = []
        var start = 0
        while start < text.count {
            if start > 0, classes[start - 1].contains(.utf8ContinuationStrict) {
                start += 1
                continue
            }
            guard var end = sequenceEnd(at: start) else {
                start += 1
                continue
            }
            while end < text.count, let next = sequenceEnd(at: end) { end = next }
            runs.append(start..<end)
            start = end
        }
        return runs
    }
}
