/// Options declared once in a ``ParsableArguments`` type and included in every command that
/// takes them, as if declared there: `@OptionGroup var seeding: SeedOption` gives `--seed`.
/// A group's ``ParsableArguments/validate()`` runs before its command's.
@propertyWrapper
struct OptionGroup<Group: ParsableArguments>: ArgumentDeclaration, GroupDeclaration {
    let wrappedValue: Group

    init() { wrappedValue = Group() }

    /// A group made by one of its own initialisers (a command's own default for a shared
    /// option): `@OptionGroup var threading = ThreadOptions.environment`.
    init(wrappedValue: Group) { self.wrappedValue = wrappedValue }

    var group: any ParsableArguments { wrappedValue }

    func definitions(property: String) -> [ArgumentDefinition] { wrappedValue.argumentDefinitions }
}

/// An ``OptionGroup`` seen through `Mirror`.
protocol GroupDeclaration {
    var group: any ParsableArguments { get }
}
