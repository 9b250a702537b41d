/// A positional argument, in declaration order among the command's positionals:
///
///     @Argument(help: "which benchmark") var benchmark: Benchmark   // one word, required
///     @Argument(valueName: "TEXT", help: "texts") var texts: [String]  // the remaining words
///
/// Messages call it by the property's name in kebab-case ("missing benchmark (kernels, …)").
@propertyWrapper
struct Argument<Value>: ArgumentDeclaration {
    private let valueName: String?
    private let help: String
    private let initial: Value?
    private let expectation: String
    private let isEnumeration: Bool
    private let isRepeatable: Bool
    private let parse: (String, Value?) -> Value?
    private let storage = ArgumentStorage<Value>()

    var wrappedValue: Value {
        if let value = storage.value { return value }
        guard let initial else { preconditionFailure("a required positional argument was read before parsing") }
        return initial
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        let storage = storage, parse = parse
        let name = ArgumentDefinition.name(forProperty: property)
        return [ArgumentDefinition(
            kind: .positional, name: name, valueName: valueName ?? name.uppercased(), help: help, defaultText: nil,
            isRequired: initial == nil, isRepeatable: isRepeatable, expectation: expectation, isEnumeration: isEnumeration,
            assign: { word in
                guard let value = parse(word, storage.value) else { return false }
                storage.value = value
                return true
            },
            isGiven: { storage.value != nil })]
    }
}

extension Argument where Value: OptionValue {
    /// One required word.
    init(valueName: String? = nil, help: String) {
        self.valueName = valueName ?? (Value.isEnumeration ? Value.defaultValueName : nil)
        self.help = help
        initial = nil
        expectation = Value.expectation
        isEnumeration = Value.isEnumeration
        isRepeatable = false
        parse = { word, _ in Value(argument: word) }
    }
}

extension Argument {
    /// The remaining words, none or more.
    init<Element: OptionValue>(wrappedValue: [Element] = [], valueName: String? = nil, help: String) where Value == [Element] {
        self.valueName = valueName
        self.help = help
        initial = wrappedValue
        expectation = Element.expectation
        isEnumeration = Element.isEnumeration
        isRepeatable = true
        parse = { word, soFar in
            guard let element = Element(argument: word) else { return nil }
            return (soFar ?? []) + [element]
        }
    }
}
