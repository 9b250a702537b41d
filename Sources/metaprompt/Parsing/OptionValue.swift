/// A type an option or positional argument takes: parsed from one word, printed back for the
/// help text's defaults.
protocol OptionValue {
    /// The value `argument` spells; nil when it is not a valid value.
    init?(argument: String)
    /// What a valid word is, for errors: "an integer in 0...9223372036854775807", "a number",
    /// "coop, vpt or ivlp".
    static var expectation: String { get }
    /// The value name in the synopsis and the option list ("N", "coop|vpt|ivlp").
    static var defaultValueName: String { get }
    /// Whether the allowed words are a closed list (``expectation`` lists them).
    static var isEnumeration: Bool { get }
    /// The word that parses back to this value.
    var argument: String { get }
}

extension OptionValue {
    static var isEnumeration: Bool { false }
}

/// An option type whose values are a fixed list of words (its cases' raw values, in
/// declaration order).
protocol EnumeratedOptionValue: OptionValue, CaseIterable, RawRepresentable where RawValue == String {}

extension EnumeratedOptionValue {
    init?(argument: String) { self.init(rawValue: argument) }
    static var expectation: String { alternatives(allCases.map(\.rawValue)) }
    static var defaultValueName: String { allCases.map(\.rawValue).joined(separator: "|") }
    static var isEnumeration: Bool { true }
    var argument: String { rawValue }
}

/// "a", "a or b", "a, b or c".
func alternatives(_ words: [String]) -> String {
    guard let last = words.last else { return "" }
    return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " or " + last
}

extension String: OptionValue {
    init?(argument: String) { self = argument }
    static var expectation: String { "a string" }
    static var defaultValueName: String { "VALUE" }
    var argument: String { self }
}

/// Counts, sizes and seeds: non-negative unless the option declares its own range.
extension Int: OptionValue {
    init?(argument: String) {
        guard let value = Int(argument), value >= 0 else { return nil }
        self = value
    }
    static var expectation: String { "an integer in 0...\(Int.max)" }
    static var defaultValueName: String { "N" }
    var argument: String { String(self) }
}

/// Finite numbers only.
extension Double: OptionValue {
    init?(argument: String) {
        guard let value = Double(argument), value.isFinite else { return nil }
        self = value
    }
    static var expectation: String { "a number" }
    static var defaultValueName: String { "X" }
    /// The shortest form that reads back exactly, without a trailing ".0" (1, 0.08, 0.001).
    var argument: String {
        let text = String(self)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

/// `MIN,MAX` with 0 < MIN ≤ MAX ≤ 1: the area fraction range of a random resized crop.
struct CropScale: OptionValue, Equatable {
    let range: ClosedRange<Double>

    init(_ range: ClosedRange<Double>) { self.range = range }

    init?(argument: String) {
        let parts = argument.split(separator: ",").compactMap { Double($0) }
        guard parts.count == 2, parts[0] > 0, parts[0] <= parts[1], parts[1] <= 1 else { return nil }
        range = parts[0]...parts[1]
    }
    static var expectation: String { "MIN,MAX with 0 < MIN ≤ MAX ≤ 1" }
    static var defaultValueName: String { "MIN,MAX" }
    var argument: String { range.lowerBound.argument + "," + range.upperBound.argument }
}

/// A comma-separated list in one word (`1,2,3`); empty parts are skipped, so "" is the empty
/// list.
struct CommaSeparated<Element: OptionValue>: OptionValue {
    var elements: [Element]

    init?(argument: String) {
        var elements: [Element] = []
        for part in argument.split(separator: ",") {
            guard let element = Element(argument: String(part)) else { return nil }
            elements.append(element)
        }
        self.elements = elements
    }
    static var expectation: String { "comma-separated values, each \(Element.expectation)" }
    static var defaultValueName: String { Element.defaultValueName + ",..." }
    var argument: String { elements.map(\.argument).joined(separator: ",") }
}

extension CommaSeparated: ExpressibleByArrayLiteral {
    init(arrayLiteral elements: Element...) { self.elements = elements }
}
