import Foundation

/// A JSON value (RFC 8259), as read from config files, Hugging Face `config.json` and
/// `vocab.json`, dataset split files and safetensors headers.
///
/// Integer literals without fraction or exponent that fit `Int64` parse as ``int(_:)``;
/// every other number parses as ``double(_:)``. Objects keep their keys in document order.
///
/// ```swift
/// let config = try JSONValue(parsing: #"{"n_ctx": 4, "lr": 0.0025}"#)
/// config["n_ctx"]?.intValue      // 4
/// config["lr"]?.doubleValue      // 0.0025
/// ```
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses one JSON document from UTF-8 text.
    ///
    /// - Throws: ``JSONError`` with the line and column of the first problem.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { try JSONParser.parseDocument($0) }
    }

    /// Parses one JSON document from UTF-8 bytes (`[UInt8]`, `Data`, a raw buffer, ...).
    ///
    /// The whole buffer must be the document: anything but whitespace after the value is an
    /// error, and so is invalid UTF-8 inside strings.
    ///
    /// - Throws: ``JSONError`` with the line and column of the first problem.
    public init(parsing bytes: some ContiguousBytes) throws {
        self = try bytes.withUnsafeBytes { raw in
            try JSONParser.parseDocument(raw.bindMemory(to: UInt8.self))
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The string, if this is ``string(_:)``.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The integer, if this is ``int(_:)``; doubles are not truncated.
    public var intValue: Int? {
        if case .int(let value) = self { Int(exactly: value) } else { nil }
    }

    /// The number as a `Double`, if this is ``double(_:)`` or ``int(_:)``.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }

    /// The Boolean, if this is ``bool(_:)``.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The elements, if this is ``array(_:)``.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The object, if this is ``object(_:)``.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { value } else { nil }
    }

    /// Whether this is ``null``.
    public var isNull: Bool { self == .null }

    /// The member named `key`, or `nil` if this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    /// Builds an object in literal order; a repeated key is a programmer error.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}
