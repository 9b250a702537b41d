/// open_clip's text cleaning for its `lower` mode (`_clean_lower`), before the split pattern:
///
///     ' '.join(html.unescape(html.unescape(ftfy.fix_text(text))).strip().split()).lower()
///
/// with ftfy's defaults (``TextFixer``), Python's `html.unescape` (``HTMLUnescaper``), and
/// Python's whitespace and lowercasing rules (``PythonText``).
enum CLIPTextCleaner {
    static func clean(_ text: String) -> String {
        let fixed = TextFixer.fixText(text)
        let unescaped = HTMLUnescaper.unescape(HTMLUnescaper.unescape(fixed))
        return PythonText.lowercased(PythonText.collapsingWhitespace(unescaped))
    }
}
