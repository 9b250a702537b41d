/// One option, flag or positional argument as the parser and the help text see it: what a
/// property wrapper (``Option``, ``Flag``, ``Argument``) declares, named after its property.
struct ArgumentDefinition {
    enum Kind { case option, flag, positional }

    let kind: Kind
    /// The option's name without `--`, or a positional's label ("benchmark").
    let name: String
    /// The value's name in help texts ("N", "DIR", "coop|vpt|ivlp"); empty for a flag.
    let valueName: String
    let help: String
    /// The default as the help text shows it; nil when there is none to show.
    let defaultText: String?
    let isRequired: Bool
    /// Options: may be given several times; positionals: takes the remaining words.
    let isRepeatable: Bool
    /// What a valid value is, for errors ("an integer in 1...1024").
    let expectation: String
    let isEnumeration: Bool
    /// Stores the value `word` spells (a flag ignores it); false when it is not a valid value.
    let assign: (_ word: String) -> Bool
    /// Whether the command line gave it.
    let isGiven: () -> Bool

    /// How messages name it: `--name`, or a positional's value name.
    var spelling: String { kind == .positional ? valueName : "--" + name }

    /// Its entry in the option list: `--steps N`, `--first-order`, `TEXT ...`.
    var label: String {
        switch kind {
        case .option: "--\(name) \(valueName)"
        case .flag: "--\(name)"
        case .positional: isRepeatable ? valueName + " ..." : valueName
        }
    }

    /// Its entry in the synopsis: `--model DIR`, `[--seed S]`, `[--set key=value ...]`.
    var synopsis: String {
        switch kind {
        case .option: isRequired ? label : "[\(label)\(isRepeatable ? " ..." : "")]"
        case .flag: "[\(label)]"
        case .positional: isRepeatable ? "[\(label)]" : label
        }
    }

    /// The option name of a property: camelCase in kebab-case, a run of capitals one word
    /// (`tasksPerStep` → `tasks-per-step`, `promptLR` → `prompt-lr`).
    static func name(forProperty property: String) -> String {
        let characters = Array(property)
        var words: [String] = [], word = ""
        for (i, c) in characters.enumerated() {
            if c.isUppercase && !word.isEmpty {
                let afterCapital = characters[i - 1].isUppercase
                let beforeLowercase = i + 1 < characters.count && characters[i + 1].isLowercase
                if !afterCapital || beforeLowercase {
                    words.append(word)
                    word = ""
                }
            }
            word.append(c)
        }
        words.append(word)
        return words.map { $0.lowercased() }.joined(separator: "-")
    }
}

/// A property wrapper the parser finds by reflection.
protocol ArgumentDeclaration {
    /// What it declares, for the stored property `property` (its name without the wrapper's `_`).
    func definitions(property: String) -> [ArgumentDefinition]
}

/// The parsed state a property wrapper shares with the parser: the wrapper is a value the
/// parser reaches only through `Mirror`, which cannot write, so both hold this reference.
final class ArgumentStorage<Value> {
    /// nil until the command line gives it.
    var value: Value?
}
