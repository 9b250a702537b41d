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
    /// What a scalar is, as a bit set: the ``MojibakeCharacterClasses`` (`Classes.bad`, ...),
    /// a few predicates (`asciiLetter`, `space`, ...), and the explicit character sets of
    /// `BADNESS_RE` (bits assigned as the tables are built). A pattern position is a mask
    /// too, and a scalar fits it when they share a bit.
    struct Classes: OptionSet, Sendable {
        let rawValue: UInt64

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
        /// `[a-zA-Z]`
        static let asciiLetter = Classes(rawValue: 1 << 19)
        /// `[a-z]`
        static let asciiLowercase = Classes(rawValue: 1 << 20)
        /// `[^A-Za-z]`
        static let notASCIILetter = Classes(rawValue: 1 << 21)
        /// `.`: anything but a line feed.
        static let notNewline = Classes(rawValue: 1 << 22)
        /// `\s`: `str.isspace()`.
        static let space = Classes(rawValue: 1 << 23)
        /// `\w`: `str.isalnum()` or `_`.
        static let word = Classes(rawValue: 1 << 24)
        /// The first bit for explicit character sets.
        static let firstSetBit = 25
    }

    /// The compiled `BADNESS_RE` and the class of every scalar that is in some class or set.
    private struct Tables {
        /// The alternatives in pattern order, each a fixed-length sequence of masks
        /// (`[a-z]\s?[ÃÂ][ ]` is written as its two lengths); `^[ÃÂ][ ]` is `anchored`.
        var badness: [[Classes]] = []
        var anchored: [Classes] = []
        var membership: [UInt32: Classes] = [:]
        var ascii: [Classes] = []
    }

    private static let tables: Tables = {
        var tables = Tables()
        typealias C = MojibakeCharacterClasses
        let classRanges: [(Classes, [ClosedRange<UInt32>])] = [
            (.common, C.common), (.c1, C.c1), (.bad, C.bad), (.law, C.law),
            (.currency, C.currency), (.startPunctuation, C.startPunctuation),
            (.endPunctuation, C.endPunctuation), (.numeric, C.numeric), (.kaomoji, C.kaomoji),
            (.upperAccented, C.upperAccented), (.lowerAccented, C.lowerAccented),
            (.upperCommon, C.upperCommon), (.lowerCommon, C.lowerCommon), (.box, C.box),
            (.utf8FirstOf2, C.utf8FirstOf2), (.utf8FirstOf3, C.utf8FirstOf3),
            (.utf8FirstOf4, C.utf8FirstOf4), (.utf8Continuation, C.utf8Continuation),
            (.utf8ContinuationStrict, C.utf8ContinuationStrict),
        ]
        for (classes, ranges) in classRanges {
            for range in ranges {
                for value in range { tables.membership[value, default: []].insert(classes) }
            }
        }
        // Explicit sets get a bit each, on first use.
        var setBits: [String: Classes] = [:]
        func set(_ scalars: String) -> Classes {
            if let bit = setBits[scalars] { return bit }
            let bit = Classes(rawValue: 1 << UInt64(Classes.firstSetBit + setBits.count))
            precondition(bit.rawValue != 0, "BADNESS_RE has more character sets than bits")
            setBits[scalars] = bit
            for scalar in scalars.unicodeScalars {
                tables.membership[scalar.value, default: []].insert(bit)
            }
            return bit
        }
        func any(_ classes: Classes, _ scalars: String = "") -> Classes {
            scalars.isEmpty ? classes : classes.union(set(scalars))
        }

        let bad = Classes.bad, lowerAccented = Classes.lowerAccented
        let upperAccented = Classes.upperAccented, box = Classes.box
        let start = Classes.startPunctuation, end = Classes.endPunctuation
        let currency = Classes.currency, numeric = Classes.numeric, law = Classes.law
        let lowerCommon = Classes.lowerCommon, upperCommon = Classes.upperCommon
        let c1 = Classes.c1, common = Classes.common
        let accented: Classes = [lowerAccented, upperAccented]
        let arabic = any([common, currency, bad, numeric, start], "ŸŠ®°µ»")
        tables.badness = [
            [c1],
            [[bad, accented, box, start, end, currency, numeric, law], bad],
            [.asciiLetter, [lowerCommon, upperCommon], bad],
            [bad, [accented, box, start, end, currency, numeric, law]],
            [[lowerAccented, lowerCommon, box, end, currency, numeric], upperAccented],
            [[box, end, currency, numeric], lowerAccented],
            [[lowerAccented, box, end], currency],
            [.space, upperAccented, currency],
            [[upperAccented, box], [numeric, law]],
            [[accented, box, currency, end], start, numeric],
            [[accented, currency, numeric, box, law], end, start],
            [[currency, numeric, box], start],
            [.asciiLowercase, upperAccented, [start, currency]],
            [box, .kaomoji],
            [[accented, currency, numeric, start, end, law], box],
            [box, end],
            [accented, [start, end], .word],
            // The ligature œ when not followed by an unaccented Latin letter.
            [set("Œœ"), .notASCIILetter],
            // Degree signs after capital letters.
            [upperAccented, set("°")],
            // Common Windows-1252 two-character mojibake.
            [set("ÂÃÎÐ"), any([start, end], "€œŠš¢£Ÿž\u{A0}\u{AD}®©°·»–—´")],
            [set("×"), set("²³")],
            // Windows-1252 mojibake of Arabic words: four characters.
            [set("ØÙ"), arabic, set("ØÙ"), arabic],
            // Windows-1252 mojibake starting South Asian three-byte sequences.
            [set("à"), set("²µ¹¼½¾")],
            // MacRoman mojibake.
            [set("√"), set("±∂†≠®™´≤≥¥µø")],
            [set("≈"), set("°¢")],
            [set("‚"), set("Ä"), set("ìîïòôúùû†°¢π")],
            [set("‚"), set("âó"), set("àä°ê")],
            // Windows-1251 mojibake of U+2000 punctuation, Latin-1 and Cyrillic.
            [set("в"), set("Ђ")],
            [set("ВГРС"), any([c1, bad, start, end, currency], "°µ"), set("ВГРС")],
            [set("Г"), set("ў"), set("В"), set("Ђ"), set("В"), .notNewline,
             any(.asciiLetter, " ")],
            // Windows-1252 encodings of 'à' and 'á', and of NBSP itself.
            [set("Ã"), set("\u{A0}¡")],
            [.asciiLowercase, set("ÃÂ"), set(" ")],
            [.asciiLowercase, .space, set("ÃÂ"), set(" ")],
            // Â before the very character it encodes.
            [any(end, "abcdefghijklmnopqrstuvwxyz.,?!"), set("Â"), any([start, end], " ")],
            // Windows-1253 mojibake of U+2000 punctuation, Latin-1 and Greek.
            [set("β"), set("€"), set("™\u{A0}Ά\u{AD}®°")],
            [set("ΒΓΞΟ"), any([c1, bad, start, end, currency], "°"), set("ΒΓΞΟ")],
            // Windows-1257 mojibake of U+2000 punctuation.
            [set("ā"), set("€")],
        ]
        tables.anchored = [set("ÃÂ"), set(" ")]
        tables.ascii = (0..<128).map { value in
            classes(of: Unicode.Scalar(UInt8(value)), membership: tables.membership)
        }
        return tables
    }()

    /// The classes, predicates and sets `scalar` belongs to.
    static func classes(of scalar: Unicode.Scalar) -> Classes {
        scalar.isASCII ? tables.ascii[Int(scalar.value)]
            : classes(of: scalar, membership: tables.membership)
    }

    private static func classes(of scalar: Unicode.Scalar,
                                membership: [UInt32: Classes]) -> Classes {
        var classes = membership[scalar.value] ?? []
        switch scalar {
        case "a"..."z": classes.formUnion([.asciiLetter, .asciiLowercase])
        case "A"..."Z": classes.insert(.asciiLetter)
        default: classes.insert(.notASCIILetter)
        }
        if scalar != "\n" { classes.insert(.notNewline) }
        if PythonText.isSpace(scalar) { classes.insert(.space) }
        if isWordCharacter(scalar) { classes.insert(.word) }
        return classes
    }

    /// Python `re`'s `\w` for `str` patterns: `str.isalnum()` (a letter, or a code point with
    /// a numeric value) or `_`.
    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            true
        default:
            scalar == "_" || scalar.properties.numericType != nil
        }
    }

    // MARK: - BADNESS_RE

    /// ftfy's `is_bad`: whether `BADNESS_RE` matches anywhere in `text`.
    static func isBad(_ text: [Unicode.Scalar]) -> Bool {
        let classes = text.map(classes(of:))
        let tables = tables
        func matches(_ pattern: [Classes], at start: Int) -> Bool {
            guard start + pattern.count <= classes.count else { return false }
            for offset in pattern.indices
            where classes[start + offset].isDisjoint(with: pattern[offset]) {
                return false
            }
            return true
        }
        if matches(tables.anchored, at: 0) { return true }
        for start in classes.indices {
            for pattern in tables.badness where matches(pattern, at: start) { return true }
        }
        return false
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
