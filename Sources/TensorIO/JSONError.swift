/// A JSON syntax error, located by 1-based line and column (columns count Unicode scalars).
///
/// The description reads `line 3, column 14: expected ',' or '}' in object`; callers prepend
/// the file name.
public struct JSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, e.g. `expected ',' or '}' in object`.
    public let message: String
    /// The 1-based line of the offending byte.
    public let line: Int
    /// The 1-based column of the offending byte on its line.
    public let column: Int
    /// The repeated key, when the error is a duplicate key in an object.
    public let duplicateKey: String?
    /// How many arrays and objects enclose the error: 1 for a member of the top-level object.
    public let depth: Int

    public var description: String { "line \(line), column \(column): \(message)" }
}
