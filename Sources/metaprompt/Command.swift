/// What `metaprompt --help` and `metaprompt NAME --help` say about a command.
struct CommandConfiguration {
    /// The word that selects it (`bench`, `inspect`, …).
    let name: String
    /// One line for `metaprompt --help`.
    let summary: String
    /// The prose of `metaprompt NAME --help`, between the synopsis and the option list.
    let discussion: String
}

/// A `metaprompt` subcommand: a type whose stored properties declare its options, with their
/// help. Parsing, the usage text and usage errors come from those declarations; then
/// ``ParsableArguments/validate()`` checks the rules between options, then ``run()`` works.
protocol Command: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    /// Does the command's work; throws ``UsageError`` for bad usage found only now.
    func run() throws
}

extension Command {
    /// The full usage text, `metaprompt NAME --help`.
    static var usage: String {
        HelpText.usage(command: "metaprompt " + configuration.name, discussion: configuration.discussion,
                       definitions: Self().argumentDefinitions)
    }

    /// Parses the words after the command's name, validates and runs, or prints the usage
    /// for `--help`; throws ``UsageError`` for bad usage.
    static func main(_ words: [String]) throws {
        let command = Self()
        switch try ArgumentParser(command.argumentDefinitions).parse(words) {
        case .help:
            print(usage)
        case .parsed:
            try command.validateAll()
            try command.run()
        }
    }
}
