extension PythonValue {
    /// What PyYAML's `safe_load` makes of a scalar: a quoted (or tagged) one is a str; a plain
    /// one goes through YAML 1.1's implicit resolvers (PyYAML `resolver.py`), so `~`, `null`
    /// and the empty scalar are None, `True` / `yes` / `off` bools, `16` / `0x10` / `010`
    /// (octal) ints, `0.0025` / `1.0e-5` / `.inf` floats — and `1e-5` (no dot), `None` and
    /// `(224, 224)` stay strs, which yacs then reads with literal_eval (``yacsDecoded``).
    /// - Returns: nil for a timestamp (`2024-01-01`), which no yacs value can hold.
    public init?(yaml scalar: YAMLScalar) {
        let text = scalar.text
        guard scalar.isPlain else {
            self = .string(text)
            return
        }
        if ["", "~", "null", "Null", "NULL"].contains(text) {
            self = .none
        } else if ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].contains(text) {
            self = .bool(true)
        } else if ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].contains(text) {
            self = .bool(false)
        } else if let int = Self.yamlInt(text) {
            self = .int(int)
        } else if let float = Self.yamlFloat(text) {
            self = .float(float)
        } else if text.prefixMatch(of: try! Regex(#"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"#)) != nil {
            return nil
        } else {
            self = .string(text)
        }
    }

    /// yacs's `_decode_cfg_value` of a leaf: a str is read with literal_eval when it is a
    /// Python literal (`'1e-5'` → 1e-05, `'(224, 224)'` → a tuple, `'None'` → None), else kept.
    /// Other values, and the items of a list, are kept as they are.
    public var yacsDecoded: PythonValue {
        guard case .string(let text) = self else { return self }
        return PythonValue(literal: text) ?? self
    }

    /// PyYAML's int resolver and `construct_yaml_int`: signs, `_` separators, `0b`, `0x`,
    /// a leading `0` for octal, base-60 `1:30`.
    static func yamlInt(_ text: String) -> Int? {
        guard text.wholeMatch(of: try! Regex(#"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"#)) != nil
        else { return nil }
        var body = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            body.removeFirst()
        }
        let value: Int?
        if body == "0" {
            value = 0
        } else if body.hasPrefix("0b") {
            value = Int(body.dropFirst(2), radix: 2)
        } else if body.hasPrefix("0x") {
            value = Int(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0") {
            value = Int(body.dropFirst(), radix: 8)
        } else if body.contains(":") {
            value = body.split(separator: ":").reduce(0 as Int?) { total, part in total.flatMap { t in Int(part).map { t * 60 + $0 } } }
        } else {
            value = Int(body)
        }
        return value.map { sign * $0 }
    }

    /// PyYAML's float resolver and `construct_yaml_float`: a dot is required (`1.0e-5`, `1.`,
    /// `.5`; `1e-5` is not a float to YAML 1.1), `.inf`, `.nan`, base-60 `1:30.5`.
    static func yamlFloat(_ text: String) -> Double? {
        guard text.wholeMatch(of: try! Regex(#"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"#)) != nil
        else { return nil }
        var body = text.replacingOccurrences(of: "_", with: "").lowercased()
        var sign = 1.0
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            body.removeFirst()
        }
        if body == ".inf" { return sign * .infinity }
        if body == ".nan" { return .nan }
        if body.contains(":") {
            let parts = body.split(separator: ":")
            var total = 0.0
            for part in parts { total = total * 60 + (Double(part) ?? 0) }
            return sign * total
        }
        return Double(body).map { sign * $0 }
    }
}
