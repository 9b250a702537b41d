/// An option that takes a value, `--name VALUE` or `--name=VALUE`, declared as a property:
///
///     @Option(help: "meta-steps", in: 1...1_000_000) var steps: Int = 300   // default 300
///     @Option(valueName: "DIR", help: "where to write") var output: String  // required
///     @Option(help: "stop after N steps") var maxSteps: Int?                // optional
///     @Option(help: "one override (repeatable)") var set: [String]          // repeatable
///
/// The name is the property's in kebab-case (`maxSteps` → `--max-steps`) unless `name` says
/// otherwise. A later occurrence replaces an earlier one, except for a repeatable option.
@propertyWrapper
struct Option<Value>: ArgumentDeclaration {
    private let name: String?
    private let valueName: String
    private let help: String
    /// The value when the option is not given; nil: the option is required.
    private let initial: Value?
    private let expectation: String
    private let isEnumeration: Bool
    private let isRepeatable: Bool
    /// (word, the value so far) → the new value, or nil when the word is not a valid value.
    private let parse: (String, Value?) -> Value?
    /// The default as the help text shows it.
    private let shownDefault: String?
    private let storage = ArgumentStorage<Value>()

    private init(name: String?, valueName: String, help: String, initial: Value?, expectation: String, isEnumeration: Bool,
                 isRepeatable: Bool, shownDefault: String?, parse: @escaping (String, Value?) -> Value?) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.initial = initial
        self.expectation = expectation
        self.isEnumeration = isEnumeration
        self.isRepeatable = isRepeatable
        self.shownDefault = shownDefault
        self.parse = parse
    }

    var wrappedValue: Value {
        if let value = storage.value { return value }
        guard let initial else { preconditionFailure("a required option was read before parsing") }
        return initial
    }

    /// `$name.isGiven`: whether the command line gave the option.
    var projectedValue: Self { self }

    var isGiven: Bool { storage.value != nil }

    /// The same declaration with another default, shown as `shown` (for a group whose
    /// commands differ in it).
    func defaulting(to value: Value, shown: String?) -> Self {
        Self(name: name, valueName: valueName, help: help, initial: value, expectation: expectation, isEnumeration: isEnumeration,
             isRepeatable: isRepeatable, shownDefault: shown, parse: parse)
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        let storage = storage, parse = parse
        return [ArgumentDefinition(
            kind: .option, name: name ?? ArgumentDefinition.name(forProperty: property), valueName: valueName, help: help,
            defaultText: shownDefault, isRequired: initial == nil, isRepeatable: isRepeatable, expectation: expectation,
            isEnumeration: isEnumeration,
            assign: { word in
                guard let value = parse(word, storage.value) else { return false }
                storage.value = value
                return true
            },
            isGiven: { storage.value != nil })]
    }
}

/// The default as the help text shows it: nothing for an empty one, quotes around one with
/// spaces.
private func shown(_ argument: String) -> String? {
    if argument.isEmpty { return nil }
    return argument.contains(" ") ? "\"\(argument)\"" : argument
}

extension Option where Value: OptionValue {
    /// An option with a default.
    init(wrappedValue: Value, name: String? = nil, valueName: String? = nil, help: String) {
        self.init(name: name, valueName: valueName ?? Value.defaultValueName, help: help, initial: wrappedValue,
                  expectation: Value.expectation, isEnumeration: Value.isEnumeration, isRepeatable: false,
                  shownDefault: shown(wrappedValue.argument), parse: { word, _ in Value(argument: word) })
    }

    /// A required option.
    init(name: String? = nil, valueName: String? = nil, help: String) {
        self.init(name: name, valueName: valueName ?? Value.defaultValueName, help: help, initial: nil,
                  expectation: Value.expectation, isEnumeration: Value.isEnumeration, isRepeatable: false,
                  shownDefault: nil, parse: { word, _ in Value(argument: word) })
    }
}

extension Option where Value == Int {
    /// An integer option with a default, valid in `range`.
    init(wrappedValue: Int, name: String? = nil, valueName: String? = nil, help: String, in range: ClosedRange<Int>) {
        self.init(name: name, valueName: valueName ?? Int.defaultValueName, help: help, initial: wrappedValue,
                  expectation: "an integer in \(range.lowerBound)...\(range.upperBound)", isEnumeration: false, isRepeatable: false,
                  shownDefault: String(wrappedValue), parse: { word, _ in
                      guard let value = Int(word), range.contains(value) else { return nil }
                      return value
                  })
    }
}

extension Option {
    /// An option that may be absent (nil unless given).
    init<Wrapped: OptionValue>(wrappedValue: Wrapped? = nil, name: String? = nil, valueName: String? = nil, help: String)
    where Value == Wrapped? {
        self.init(name: name, valueName: valueName ?? Wrapped.defaultValueName, help: help, initial: .some(wrappedValue),
                  expectation: Wrapped.expectation, isEnumeration: Wrapped.isEnumeration, isRepeatable: false,
                  shownDefault: wrappedValue.flatMap { shown($0.argument) }, parse: { word, _ in
                      // Explicit: a nil word must not become a parsed `.some(nil)`.
                      guard let value = Wrapped(argument: word) else { return nil }
                      return .some(value)
                  })
    }

    /// An integer option that may be absent, valid in `range` when given.
    init(wrappedValue: Int? = nil, name: String? = nil, valueName: String? = nil, help: String, in range: ClosedRange<Int>)
    where Value == Int? {
        self.init(name: name, valueName: valueName ?? Int.defaultValueName, help: help, initial: .some(wrappedValue),
                  expectation: "an integer in \(range.lowerBound)...\(range.upperBound)", isEnumeration: false, isRepeatable: false,
                  shownDefault: wrappedValue.map(String.init), parse: { word, _ in
                      guard let value = Int(word), range.contains(value) else { return nil }
                      return .some(value)
                  })
    }

    /// A repeatable option: the occurrences, in order, replace the default.
    init<Element: OptionValue>(wrappedValue: [Element] = [], name: String? = nil, valueName: String? = nil, help: String)
    where Value == [Element] {
        self.init(name: name, valueName: valueName ?? Element.defaultValueName, help: help, initial: wrappedValue,
                  expectation: Element.expectation, isEnumeration: Element.isEnumeration, isRepeatable: true,
                  shownDefault: nil, parse: { word, soFar in
                      guard let element = Element(argument: word) else { return nil }
                      return (soFar ?? []) + [element]
                  })
    }
}
