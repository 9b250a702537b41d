extension PythonValue {
    /// Python's `ast.literal_eval(text)` for the literals a config holds, or nil where
    /// literal_eval raises (yacs then keeps the text as a string: `base`, `sgd`, `ViT-B/16`).
    ///
    /// Numbers (`16`, `-1`, `0x10`, `1_000`, `0.0025`, `1e-5`, `.5`, `1.`), one sign, strings in
    /// single or double quotes (adjacent ones concatenated, `r` prefix), `True`, `False`,
    /// `None`, lists, tuples (`(224, 224)`, `(-1, )`, `()`, and a bare `1, 2`). Dicts, sets,
    /// bytes, complex numbers and triple-quoted strings are not config values here: nil.
    public init?(literal text: String) {
        var scanner = LiteralScanner(Array(text.unicodeScalars))
        // literal_eval strips leading spaces and tabs; trailing ones are the tokenizer's.
        scanner.skipSpaces()
        guard let value = scanner.expression(), scanner.atEnd else { return nil }
        self = value
    }
}

/// The recursive descent behind ``PythonValue/init(literal:)``.
struct LiteralScanner {
    let scalars: [Unicode.Scalar]
    var i = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { i == scalars.count }
    var peek: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 } }

    mutating func eat(_ c: Unicode.Scalar) -> Bool {
        skipSpaces()
        guard peek == c else { return false }
        i += 1
        skipSpaces()
        return true
    }

    /// `item (',' item)* [',']`: a tuple when there is a comma.
    mutating func expression() -> PythonValue? {
        guard let first = item() else { return nil }
        guard eat(",") else { return first }
        var items = [first]
        while !atEnd && peek != ")" {
            guard let next = item() else { return nil }
            items.append(next)
            if !eat(",") { break }
        }
        return .tuple(items)
    }

    mutating func item() -> PythonValue? {
        skipSpaces()
        guard let c = peek else { return nil }
        let value: PythonValue?
        switch c {
        case "(":
            i += 1
            skipSpaces()
            if eat(")") { value = .tuple([]); break }
            guard let inner = expression(), eat(")") else { return nil }
            value = inner
        case "[":
            i += 1
            var items: [PythonValue] = []
            skipSpaces()
            while !eat("]") {
                guard let next = item() else { return nil }
                items.append(next)
                if !eat(",") {
                    guard eat("]") else { return nil }
                    break
                }
            }
            value = .list(items)
        case "'", "\"", "r", "R":
            if c == "r" || c == "R", i + 1 < scalars.count, scalars[i + 1] == "'" || scalars[i + 1] == "\"" {
                value = strings()
            } else if c == "'" || c == "\"" {
                value = strings()
            } else {
                value = name()
            }
        case "+", "-":
            i += 1
            skipSpaces()
            guard let n = number() else { return nil }
            switch n {
            case .int(let v): value = .int(c == "-" ? -v : v)
            case .float(let v): value = .float(c == "-" ? -v : v)
            default: return nil
            }
        case "0"..."9", ".":
            value = number()
        default:
            value = name()
        }
        skipSpaces()
        return value
    }

    /// `True`, `False`, `None`; any other name is not a literal.
    mutating func name() -> PythonValue? {
        let start = i
        while let c = peek, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) { i += 1 }
        switch String(String.UnicodeScalarView(scalars[start..<i])) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return PythonValue.none
        default: return nil
        }
    }

    /// One or more adjacent string literals, concatenated.
    mutating func strings() -> PythonValue? {
        var text = ""
        repeat {
            var raw = false
            if peek == "r" || peek == "R" { raw = true; i += 1 }
            guard let quote = peek, quote == "'" || quote == "\"" else { return nil }
            i += 1
            // Triple quotes are not config values here.
            if peek == quote, i + 1 < scalars.count, scalars[i + 1] == quote { return nil }
            var closed = false
            while let c = peek {
                i += 1
                if c == quote { closed = true; break }
                if c == "\n" { return nil }
                if c == "\\", let e = peek {
                    i += 1
                    if raw { text.unicodeScalars.append(c); text.unicodeScalars.append(e); continue }
                    switch e {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    case "r": text += "\r"
                    case "0": text += "\0"
                    case "\\", "'", "\"": text.unicodeScalars.append(e)
                    case "\n": break
                    default: text.unicodeScalars.append(c); text.unicodeScalars.append(e)
                    }
                    continue
                }
                text.unicodeScalars.append(c)
            }
            guard closed else { return nil }
            skipSpaces()
        } while peek == "'" || peek == "\"" || ((peek == "r" || peek == "R") && i + 1 < scalars.count && (scalars[i + 1] == "'" || scalars[i + 1] == "\""))
        return .string(text)
    }

    /// An int or float literal, Python's grammar (underscores between digits; no leading
    /// zeros on a nonzero decimal int; no `j` suffix).
    mutating func number() -> PythonValue? {
        let start = i
        while let c = peek, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "." ||
            ((c == "+" || c == "-") && i > start && (scalars[i - 1] == "e" || scalars[i - 1] == "E") && !isPrefixed(start)) { i += 1 }
        let token = String(String.UnicodeScalarView(scalars[start..<i]))
        let digits = #"[0-9](?:_?[0-9])*"#
        if token.wholeMatch(of: try! Regex(#"0(?:_?0)*|[1-9](?:_?[0-9])*"#)) != nil {
            return Int(token.replacingOccurrences(of: "_", with: "")).map { .int($0) }
        }
        for (prefix, radix, alphabet) in [("0x", 16, "[0-9a-fA-F]"), ("0o", 8, "[0-7]"), ("0b", 2, "[01]")] {
            if token.lowercased().hasPrefix(prefix), token.dropFirst(2).wholeMatch(of: try! Regex("(?:_?\(alphabet))+")) != nil {
                return Int(token.dropFirst(2).replacingOccurrences(of: "_", with: ""), radix: radix).map { .int($0) }
            }
        }
        let exponent = "[eE][+-]?\(digits)"
        let float = try! Regex("(?:\(digits)\\.(?:\(digits))?|\\.\(digits))(?:\(exponent))?|\(digits)\(exponent)")
        guard token.wholeMatch(of: float) != nil, let x = Double(token.replacingOccurrences(of: "_", with: "")) else { return nil }
        return .float(x)
    }

    /// Whether the number starting at `start` is a 0x/0o/0b literal (its `e` is a digit, not
    /// an exponent).
    func isPrefixed(_ start: Int) -> Bool {
        start + 1 < scalars.count && scalars[start] == "0" && "xXoObB".unicodeScalars.contains(scalars[start + 1])
    }
}
