/// A JSON object: string keys mapped to ``JSONValue``s, in insertion (document) order.
///
/// Lookups go through a dictionary index, so `object[key]` is O(1); iteration and
/// serialization follow the stored order. Two objects are equal when they hold the same keys
/// with equal values, whatever their order (RFC 8259 objects are unordered).
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The keys in stored order.
    public private(set) var keys: [String] = []
    /// The values, parallel to ``keys``.
    public private(set) var values: [JSONValue] = []
    private var positions: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object holding `pairs` in the given order.
    ///
    /// - Precondition: no key repeats.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs {
            precondition(insertNew(key, value), "JSONObject: duplicate key '\(key)'")
        }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value stored under `key`. Setting a new key appends it; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { positions[key].map { values[$0] } }
        set {
            if let position = positions[key] {
                if let newValue {
                    values[position] = newValue
                } else {
                    remove(at: position)
                }
            } else if let newValue {
                _ = insertNew(key, newValue)
            }
        }
    }

    /// Appends `key` unless it is already present; returns whether it was appended.
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard positions[key] == nil else { return false }
        positions[key] = keys.count
        keys.append(key)
        values.append(value)
        return true
    }

    private mutating func remove(at position: Int) {
        positions[keys[position]] = nil
        keys.remove(at: position)
        values.remove(at: position)
        for index in position..<keys.count { positions[keys[index]] = index }
    }

    /// Iterates `(key, value)` pairs in stored order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        zip(keys, values).lazy.map { (key: $0, value: $1) }.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.keys.allSatisfy { lhs[$0] == rhs[$0] }
    }
}
