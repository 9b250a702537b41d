/// A `metaprompt` subcommand.
protocol Command {
    /// The word that selects it (`bench`, `inspect`, …).
    static var name: String { get }
    /// One line for `metaprompt --help`.
    static var summary: String { get }
    /// The full usage text for `metaprompt NAME --help`.
    static var usage: String { get }
    /// Runs with the words after the command name; throws `UsageError` for bad usage.
    static func run(_ words: [String]) throws
}
