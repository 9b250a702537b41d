/// Parses a command's words into its declarations' storage.
///
/// Words: `--name VALUE`, `--name=VALUE`, `--flag`, `--help` or `-h` anywhere, and positionals
/// (any other word, including a lone `--`). Errors are ``UsageError``s, in this order: an
/// unknown option, a flag with a value or an option without one (as the words come); then,
/// unless help was asked for, an invalid value (as the words come); a missing, invalid or
/// unexpected positional; a missing required option (in declaration order).
struct ArgumentParser {
    enum Outcome { case parsed, help }

    private let definitions: [ArgumentDefinition]
    private let named: [String: ArgumentDefinition]

    init(_ definitions: [ArgumentDefinition]) {
        self.definitions = definitions
        var named: [String: ArgumentDefinition] = [:]
        for d in definitions where d.kind != .positional {
            precondition(named[d.name] == nil && d.name != "help", "--\(d.name) is declared twice")
            named[d.name] = d
        }
        self.named = named
        let positionals = definitions.filter { $0.kind == .positional }
        precondition(positionals.dropLast().allSatisfy { !$0.isRepeatable }, "only the last positional argument can take the remaining words")
    }

    func parse(_ words: [String]) throws -> Outcome {
        var given: [(definition: ArgumentDefinition, word: String)] = [], positional: [String] = []
        var help = false
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            if word == "--help" || word == "-h" {
                help = true
                continue
            }
            guard word.hasPrefix("--"), word.count > 2 else {
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2)), value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let definition = named[name] else { throw UsageError("unknown option --\(name)") }
            if definition.kind == .flag {
                guard value == nil else { throw UsageError("--\(name) takes no value") }
                given.append((definition, ""))
                continue
            }
            if value == nil {
                guard i < words.count else { throw UsageError("--\(name) needs a value") }
                value = words[i]
                i += 1
            }
            given.append((definition, value!))
        }
        if help { return .help }

        for (definition, word) in given where !definition.assign(word) {
            throw UsageError("\(definition.spelling) must be \(definition.expectation), got '\(word)'")
        }
        var rest = positional[...]
        for definition in definitions where definition.kind == .positional {
            if rest.isEmpty {
                guard !definition.isRequired else {
                    throw UsageError("missing \(definition.isEnumeration ? "\(definition.name) (\(definition.expectation))" : definition.valueName)")
                }
                continue
            }
            repeat {
                let word = rest.removeFirst()
                guard definition.assign(word) else {
                    throw UsageError(definition.isEnumeration ? "unknown \(definition.name) '\(word)' (\(definition.expectation))"
                                                              : "\(definition.valueName) must be \(definition.expectation), got '\(word)'")
                }
            } while definition.isRepeatable && !rest.isEmpty
        }
        if let extra = rest.first { throw UsageError("unexpected argument '\(extra)'") }
        if let missing = definitions.first(where: { $0.kind == .option && $0.isRequired && !$0.isGiven() }) {
            throw UsageError("missing \(missing.spelling)")
        }
        return .parsed
    }
}
