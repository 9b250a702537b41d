/// Prompt tensor names and their order.
public enum PromptNames {
    /// `text.ctx`, `text.deep.1…` for a text depth, likewise `vision.*`; sorted.
    public static func ivlp(textDepth: Int, visionDepth: Int) -> [String] {
        var names: [String] = []
        if textDepth > 0 { names += ["text.ctx"] + (1..<textDepth).map { "text.deep.\($0)" } }
        if visionDepth > 0 { names += ["vision.ctx"] + (1..<visionDepth).map { "vision.deep.\($0)" } }
        return names.sorted()
    }

    /// The tower (`text` or `vision`) of a prompt name.
    public static func tower(of name: String) -> String {
        String(name.prefix { $0 != "." })
    }

    /// The prompted layer of a name: 0 for `*.ctx`, l for `*.deep.l`.
    public static func layer(of name: String) -> Int {
        name.hasSuffix(".ctx") ? 0 : Int(name.split(separator: ".").last!)!
    }
}
