/// An option without a value, off unless given: `@Flag(help: "…") var resume = false` is
/// `--resume`. The name is the property's in kebab-case unless `name` says otherwise.
@propertyWrapper
struct Flag: ArgumentDeclaration {
    private let name: String?
    private let help: String
    private let storage = ArgumentStorage<Bool>()

    init(wrappedValue: Bool = false, name: String? = nil, help: String) {
        precondition(!wrappedValue, "a flag is off unless given")
        self.name = name
        self.help = help
    }

    var wrappedValue: Bool { storage.value ?? false }

    func definitions(property: String) -> [ArgumentDefinition] {
        let storage = storage
        return [ArgumentDefinition(
            kind: .flag, name: name ?? ArgumentDefinition.name(forProperty: property), valueName: "", help: help, defaultText: nil,
            isRequired: false, isRepeatable: false, expectation: "", isEnumeration: false,
            assign: { _ in
                storage.value = true
                return true
            },
            isGiven: { storage.value != nil })]
    }
}
