import Testing
@testable import CLIP

/// The cleaning and splitting steps on their own, and more whole-tokenizer cases. Every expected
/// value here was produced by the real thing (Python 3.11: open_clip 3.3.0's `tokenize`,
/// ftfy 6.3.1, `html.unescape`, `regex` with open_clip's pattern, `str.lower`/`str.split`) and
/// pasted in as a literal; nothing here needs Python to run.
@Suite struct TokenizerCleaningTests {
    // MARK: - Whole tokenizer

    /// Text, open_clip's cleaned text, and its ids between SOT and EOT.
    @Test(arguments: [
        ("ΣΑΣ ΟΔΥΣΣΕΥΣ",  // final sigma
         "σας οδυσσευς",
         [139, 225, 138, 109, 139, 480, 138, 123, 138, 112, 139, 227, 139, 225, 139, 225, 138,
          113, 139, 227, 139, 480]),
        ("İstanbul",  // full lowercase mapping: i + combining dot
         "i\u{307}stanbul",
         [328, 16384, 11231]),
        ("â€œquotedâ€\u{9D}",  // Windows-1252 mojibake of curly quotes, then uncurled
         "\"quoted\"",
         [257, 27706, 257]),
        ("voilÃ le travail",  // NBSP of the mojibake turned into a space
         "voilà le travail",
         [947, 543, 21259, 579, 752, 21189]),
        ("The Mona Lisa doesnâ€™t have eyebrows.",
         "the mona lisa doesn't have eyebrows.",
         [518, 19143, 7424, 2503, 713, 720, 19923, 269]),
        ("schÃ¶n",
         "schön",
         [844, 7255, 333]),
        ("ã“ã‚“ã«ã¡ã¯",  // lossy mojibake ftfy leaves alone
         "ã\"ã'\"ã«ã¡ã¯",
         [127, 352, 257, 127, 352, 19479, 127, 352, 14434, 127, 352, 10830, 127, 352, 43593]),
        ("Â£5 and Ã la carte",
         "£5 and à la carte",
         [1950, 276, 537, 21259, 1210, 44949]),
        ("&amp;amp;amp; triple",  // ftfy unescapes once, open_clip twice more
         "& triple",
         [261, 7673]),
        ("<b>&amp;amp;</b>",  // a "<": ftfy takes it for HTML and leaves entities to open_clip
         "<b>&</b>",
         [283, 321, 29, 5, 34308, 321, 285]),
        ("&ampx; &notit; &#x41;&#65&#0;&#128;&#xD800;",  // html.unescape's HTML5 rules
         "&x; ¬it; aa\u{FFFD}€\u{FFFD}",
         [261, 343, 282, 126, 361, 585, 282, 3894, 47356, 34919, 39802]),
        ("P&EACUTE;REZ &Eacute;t&eacute;",  // ftfy's all-caps entities
         "pérez été",
         [43167, 15192, 3459, 39694]),
        ("Ｈｅｌｌｏ\u{3000}Ｗｏｒｌｄ ｶﾞ",
         "hello world ガ",
         [3306, 1002, 3909, 361]),
        ("\u{1B}[31mred\u{1B}[0m text",
         "red text",
         [736, 4160]),
        ("line1\u{D}\u{A}line2\u{2028}line3\u{85}line4",  // U+0085 is read as Windows-1252 "…"
         "line1 line2 line3…line4",
         [1148, 272, 1148, 273, 1148, 274, 959, 1148, 275]),
        ("ﬃ ﬄ ﬅ ﬆ ŉ",
         "ffi ffl ſt st 'n",
         [1021, 328, 39490, 129, 123, 339, 545, 262, 333]),
        ("it'ſ x\u{345}y",  // 'ſ matches 's under IGNORECASE; U+0345 matches nothing
         "it'ſ x\u{345}y",
         [585, 6, 129, 379, 343, 344]),
        ("cafe\u{301} \u{1100}\u{1161}\u{11A8}",  // NFC, Hangul jamo composed
         "café 각",
         [15304, 21122, 479]),
        ("a <end_of_text> in the middle",
         "a <end_of_text> in the middle",
         [320, 49407, 530, 518, 3694]),
        ("\u{FEFF}BOM\u{200B}text",  // BOM removed; ZERO WIDTH SPACE is not whitespace
         "bom\u{200B}text",
         [19469, 9844, 4160]),
        ("Tab\u{9}and\u{B}vertical\u{0}null",  // ftfy deletes VT and NUL before the split
         "tab andverticalnull",
         [14724, 672, 624, 34191, 47376]),
        (" \u{A0} nbsp \u{3000} ",
         "nbsp",
         [6459, 4393]),
        // In HTML mode only open_clip's unescape sees the references, after ftfy's NFC: the
        // compatibility ideograph and the Greek oxia stay distinct from their canonical twins.
        ("< &#xF900; \u{8C48} &#x1F71; \u{3AC}",
         "< \u{F900} \u{8C48} \u{1F71} \u{3AC}",
         [283, 171, 97, 478, 164, 109, 486, 157, 121, 365, 138, 361]),
    ] as [(String, String, [Int])])
    func moreCasesMatchOpenCLIP(text: String, cleaned: String, ids: [Int]) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(codePoints(CLIPTextCleaner.clean(text)) == codePoints(cleaned))
        let row = [49406] + ids + [49407]
        #expect(tokenizer.tokenize([text]) == [row + Array(repeating: 0, count: 77 - row.count)])
    }

    // MARK: - HTML

    /// Input, Python's `html.unescape`, ftfy's `unescape_html`.
    @Test(arguments: [
        ("&amp;", "&", "&"),
        ("&amp", "&", "&amp"),
        ("&ampx;", "&x;", "&ampx;"),
        ("&AMP;", "&", "&"),
        ("&Amp;", "&Amp;", "&Amp;"),
        ("&notit;", "¬it;", "&notit;"),
        ("&notin;", "∉", "∉"),
        ("&#65;", "A", "A"),
        ("&#x41", "A", "&#x41"),
        ("&#X41;", "A", "A"),
        ("&#0;", "\u{FFFD}", "\u{FFFD}"),
        ("&#13;", "\u{D}", "\u{D}"),
        ("&#128;", "€", "€"),
        ("&#129;", "\u{81}", "\u{81}"),
        ("&#xD800;", "\u{FFFD}", "\u{FFFD}"),
        ("&#x110000;", "\u{FFFD}", "\u{FFFD}"),
        ("&#99999999999999999999;", "\u{FFFD}", "\u{FFFD}"),
        ("&#1;", "", ""),
        ("&#xFFFE;", "", ""),
        ("&#x1FFFF;", "", ""),
        ("&#xFDD0;", "", ""),
        ("&#;", "&#;", "&#;"),
        ("&#x;", "&#x;", "&#x;"),
        ("&", "&", "&"),
        ("& amp;", "& amp;", "& amp;"),
        ("&EACUTE;", "&EACUTE;", "É"),
        ("&eacute", "é", "&eacute"),
        ("&SZLIG;", "&SZLIG;", "SS"),
        ("&nTILDE;", "&nTILDE;", "&nTILDE;"),
        ("&#12a;", "\u{C}a;", "&#12a;"),
        ("&#xyz;", "&#xyz;", "&#xyz;"),
        ("&Kappa;", "Κ", "Κ"),
        ("&\u{212A}appa;", "&\u{212A}appa;", "&\u{212A}appa;"),  // Kelvin sign: not a name
        ("&abcdefghijklmnopqrstuvwxyzabcdefghijk;", "&abcdefghijklmnopqrstuvwxyzabcdefghijk;",
         "&abcdefghijklmnopqrstuvwxyzabcdefghijk;"),
        ("&lt;&gt;&quot;&apos;&nbsp;", "<>\"'\u{A0}", "<>\"'\u{A0}"),
    ])
    func htmlReferencesDecodeAsPythonAndFtfy(text: String, html: String, ftfy: String) {
        #expect(codePoints(HTMLUnescaper.unescape(text)) == codePoints(html))
        let strict = HTMLUnescaper.unescapeStrictly(Array(text.unicodeScalars))
        #expect(strict.map(\.value) == codePoints(ftfy))
    }

    // MARK: - Python str

    @Test(arguments: [
        ("ΣΑΣ", "σας"),
        ("Σ", "σ"),
        ("ΑΣ.", "ας."),
        ("ΑΣ\u{301}", "ας\u{301}"),
        ("Σ\u{301}Α", "σ\u{301}α"),
        ("1Σ", "1σ"),
        ("aΣb", "aσb"),
        ("İ", "i\u{307}"),
        ("ẞ", "ß"),
        ("ǅ", "ǆ"),
        ("\u{212A}", "k"),
        ("\u{2126}", "ω"),
    ])
    func lowercaseIsPythons(text: String, lowered: String) {
        #expect(codePoints(PythonText.lowercased(text)) == codePoints(lowered))
    }

    @Test func whitespaceIsPythonsIsspace() {
        let spaces = "\t\n\u{B}\u{C}\r\u{1C}\u{1D}\u{1E}\u{1F} \u{85}\u{A0}\u{1680}\u{2000}\u{200A}"
            + "\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}"
        #expect(PythonText.collapsingWhitespace(spaces + "a" + spaces + "b" + spaces) == "a b")
        // Not whitespace for Python: ZERO WIDTH SPACE, MONGOLIAN VOWEL SEPARATOR, BOM.
        let kept = "a\u{200B}b\u{180E}c\u{FEFF}d"
        #expect(codePoints(PythonText.collapsingWhitespace(kept)) == codePoints(kept))
    }

    // MARK: - Split pattern

    @Test(arguments: [
        ("it's", ["it", "'s"]),
        ("it'S", ["it", "'S"]),
        ("it'ſ", ["it", "'ſ"]),
        ("''s", ["''", "s"]),
        ("'sx", ["'s", "x"]),
        ("<start_of_text><end_of_text>", ["<start_of_text>", "<end_of_text>"]),
        ("<start_of_tex", ["<", "start", "_", "of", "_", "tex"]),
        ("a1b22", ["a", "1", "b", "2", "2"]),
        ("x\u{345}y", ["x", "y"]),
        ("!\u{345}!", ["!", "!"]),
        ("e\u{301}", ["e", "\u{301}"]),
        ("½Ⅷ²", ["½", "Ⅷ", "²"]),
        ("a\u{3000}b\u{200B}c", ["a", "b", "\u{200B}", "c"]),
        ("tab\u{B}x", ["tab", "x"]),
        ("ǅx", ["ǅx"]),
        ("😀👍🏽!", ["😀👍🏽!"]),
    ])
    func splitMatchesOpenCLIPsPattern(text: String, words: [String]) {
        #expect(codePoints(CLIPWordSplitter.words(in: text)) == codePoints(words))
    }

    // MARK: - ftfy

    @Test(arguments: [
        ("cafÃ©", "café"),
        ("â€œquotedâ€\u{9D}", "\"quoted\""),
        ("voilÃ le travail", "voilà le travail"),
        ("Ã la carte", "à la carte"),
        ("Ã s vezes", "às vezes"),
        ("schÃ¶n", "schön"),
        ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет"),
        ("Ã\u{A0}", "à"),
        ("\u{80}\u{81}\u{9F}", "€\u{81}Ÿ"),
        ("ﬁne ＦＵＬＬ\u{3000}ｶﾞ", "fine FULL ガ"),
        ("\u{1B}[31mred\u{1B}[0m", "red"),
        ("a\u{D}\u{A}b\u{D}c\u{2028}d\u{85}e", "a\u{A}b\u{A}c\u{A}d…e"),
        ("x\u{0}\u{B}\u{7F}\u{FEFF}y", "xy"),
        ("&lt;tag&gt;", "<tag>"),
        ("<p>&lt;tag&gt;</p>", "<p>&lt;tag&gt;</p>"),
        ("&lt;\u{A}<\u{A}&lt;", "<\u{A}<\u{A}&lt;"),  // HTML mode from the first "<" on
        ("e\u{301}", "é"),
        ("\u{1100}\u{1161}\u{11A8}", "각"),
        ("‘single’ “double” ʼ", "'single' \"double\" '"),
        ("ŉ ǅ ﬅ", "'n Dž ſt"),
        ("The Mona Lisa doesnâ€™t", "The Mona Lisa doesn't"),
        ("lÃ©vite", "lévite"),
        ("×²", "ײ"),  // Windows-1252 mojibake of Hebrew
        ("café", "café"),
    ])
    func fixTextMatchesFtfy(text: String, fixed: String) {
        #expect(codePoints(TextFixer.fixText(text)) == codePoints(fixed))
    }

    @Test(arguments: [
        ("cafÃ©", true),
        ("café", false),
        ("Ã©", true),
        ("×²", true),
        ("naïve", false),
        ("Ð¿Ñ€Ð¸", true),
        ("â€œ", true),
        ("√±", true),
        ("a Ã ", true),
        ("Ã ", true),
        ("ÂÂ", false),
        ("œx", false),
        ("œ1", true),
        ("ГўВЂВ\"x", true),
        ("££", false),
    ])
    func mojibakeHeuristicMatchesFtfy(text: String, isBad: Bool) {
        #expect(MojibakeHeuristic.isBad(Array(text.unicodeScalars)) == isBad)
    }
}
