/// A mistake in how the command was called: exit code 64 (EX_USAGE) and the usage text.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
