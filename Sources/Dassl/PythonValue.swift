/// A value of a yacs config: the Python types yacs allows (`_VALID_TYPES`: tuple, list, str,
/// int, float, bool, None).
public enum PythonValue: Sendable, Equatable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([PythonValue])
    case tuple([PythonValue])

    /// Python's name of the type, as yacs's type-mismatch message says it.
    public var typeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        }
    }

    /// Python's `repr`: `None`, `True`, `16`, `1e-05`, `'base'`, `[0.5, 0.5]`, `(224, 224)`, `(-1,)`.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let x): return Self.repr(x)
        case .string(let s): return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let items): return items.count == 1 ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
        }
    }

    /// Python's float repr, which Swift's shortest round-trip form matches (`0.0025`, `1e-05`,
    /// `200.0`, `1e+16`, `inf`, `nan`).
    static func repr(_ x: Double) -> String { "\(x)" }

    /// The number as a Double, for an int or a float.
    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .float(let x): x
        default: nil
        }
    }

    /// The items of a list or a tuple.
    public var items: [PythonValue]? {
        switch self {
        case .list(let items), .tuple(let items): items
        default: nil
        }
    }

    /// yacs's `_check_and_coerce_cfg_value_type`: `self` as the value replacing `original`, or
    /// nil when yacs refuses the types. The same type passes; None on either side passes; a
    /// list replaces a tuple and the other way round, converted to the original's type. An int
    /// for a float is a mismatch, as in yacs.
    public func coerced(toTypeOf original: PythonValue) -> PythonValue? {
        switch (self, original) {
        case (.none, _), (_, .none): return self
        case (.list(let items), .tuple): return .tuple(items)
        case (.tuple(let items), .list): return .list(items)
        default: return typeName == original.typeName ? self : nil
        }
    }
}
