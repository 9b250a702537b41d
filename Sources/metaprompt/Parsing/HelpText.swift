/// `metaprompt NAME --help`, generated from the declarations: the synopsis, the command's
/// discussion, then one entry per positional and option with its help and default.
enum HelpText {
    /// Lines are wrapped at this many columns.
    static let width = 100
    /// Labels up to this long share a line with their help; longer ones get a line of their own.
    static let labelColumn = 24

    static func usage(command: String, discussion: String, definitions: [ArgumentDefinition]) -> String {
        let positionals = definitions.filter { $0.kind == .positional }, options = definitions.filter { $0.kind != .positional }
        // The default is one item of the wrapped text: a quoted default stays on one line.
        let entries = (positionals + options).map { (label: $0.label, words: words($0.help) + ($0.defaultText.map { ["(default \($0))"] } ?? [])) }
            + [(label: "-h, --help", words: words("print this help"))]
        let widest = entries.map(\.label.count).filter { $0 <= labelColumn }.max() ?? 0
        let indent = 2 + widest + 3

        var lines = wrap(definitions.map(\.synopsis), first: "usage: \(command) ", indent: "usage: \(command) ".count)
        if !discussion.isEmpty { lines += [""] + discussion.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        func section(_ title: String, _ entries: ArraySlice<(label: String, words: [String])>) {
            guard !entries.isEmpty else { return }
            lines += ["", title + ":"]
            for entry in entries {
                if entry.label.count <= widest {
                    let head = "  " + entry.label + String(repeating: " ", count: indent - 2 - entry.label.count)
                    lines += wrap(entry.words, first: head, indent: indent)
                } else {
                    lines.append("  " + entry.label)
                    lines += wrap(entry.words, first: String(repeating: " ", count: indent), indent: indent)
                }
            }
        }
        section("arguments", entries[..<positionals.count])
        section("options", entries[positionals.count...])
        return lines.joined(separator: "\n")
    }

    /// The words of a help text, for ``wrap(_:first:indent:)``.
    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    /// `items` separated by spaces after `first`, in lines of at most ``width`` columns (an
    /// item longer than a line gets one to itself); continuation lines start at `indent`.
    static func wrap(_ items: [String], first: String, indent: Int) -> [String] {
        var lines: [String] = [], line = first, empty = true
        for item in items {
            if !empty && line.count + 1 + item.count > width {
                lines.append(line)
                line = String(repeating: " ", count: indent)
                empty = true
            }
            line += (empty ? "" : " ") + item
            empty = false
        }
        lines.append(line)
        return lines
    }
}
