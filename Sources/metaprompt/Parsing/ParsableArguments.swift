/// A type whose stored properties declare options (``Option``, ``Flag``, ``Argument``,
/// ``OptionGroup``): a command, or a group of options several commands share.
protocol ParsableArguments {
    /// The declarations with their defaults, before parsing.
    init()
    /// Rules between options, checked after parsing and before the command runs; throws
    /// ``UsageError``.
    func validate() throws
}

extension ParsableArguments {
    func validate() throws {}

    /// The declarations, in property order, groups expanded in place.
    var argumentDefinitions: [ArgumentDefinition] {
        Mirror(reflecting: self).children.flatMap { child -> [ArgumentDefinition] in
            guard let declaration = child.value as? any ArgumentDeclaration, let label = child.label else { return [] }
            // The compiler names a wrapped property's storage `_name`.
            return declaration.definitions(property: label.hasPrefix("_") ? String(label.dropFirst()) : label)
        }
    }

    /// The options and flags the command line gave, as spelled (`--model`), in declaration order.
    func givenOptions() -> [String] {
        argumentDefinitions.filter { $0.kind != .positional && $0.isGiven() }.map(\.spelling)
    }

    /// Every group's ``validate()`` (nested groups first), then this one's.
    func validateAll() throws {
        for child in Mirror(reflecting: self).children {
            if let declaration = child.value as? any GroupDeclaration { try declaration.group.validateAll() }
        }
        try validate()
    }
}
