/// Where a config value was set: Dassl's defaults (or a trainer's `extend_cfg`), a YAML file
/// at a line and column, or the command line (a flag, or an `opts` pair).
public enum ConfigOrigin: Sendable, Equatable, CustomStringConvertible {
    case defaults
    case file(path: String, mark: YAMLMark)
    /// `option` is the flag (`--seed`) or nil for a trailing `KEY VALUE` pair.
    case commandLine(option: String?)

    /// `configs/x.yaml:12:5`, `command line`, `command line (--seed)`, `Dassl's defaults`.
    public var description: String {
        switch self {
        case .defaults: "Dassl's defaults"
        case .file(let path, let mark): "\(path):\(mark)"
        case .commandLine(let option?): "command line (\(option))"
        case .commandLine(nil): "command line"
        }
    }
}

/// A Dassl config (YAML file, `opts`, the flags `train.py` maps) that cannot be read, or that
/// asks for what metaprompt does not do. Each message starts with where (file:line:column,
/// or "command line") and names the key.
public enum DasslError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    /// libyaml's problem at its mark.
    case syntax(source: String, line: Int, column: Int, problem: String)
    /// A key neither Dassl's defaults nor the trainers' `extend_cfg` declare (yacs: "Non-existent config key").
    case unknownKey(origin: ConfigOrigin, key: String)
    /// yacs's type check failed: `expected` is the default's Python type.
    case typeMismatch(origin: ConfigOrigin, key: String, expected: String, found: PythonValue)
    /// A value yacs cannot hold or a malformed `opts` list.
    case invalid(origin: ConfigOrigin, key: String?, reason: String)
    /// A value metaprompt cannot honour, and why.
    case refused(origin: ConfigOrigin, key: String, value: PythonValue, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path):
            "\(path): cannot read the config file"
        case .syntax(let source, let line, let column, let problem):
            "\(source):\(line):\(column): invalid YAML: \(problem)"
        case .unknownKey(let origin, let key):
            "\(origin): unknown key \(key) (neither Dassl's defaults nor the trainers' extend_cfg have it; yacs refuses it too)"
        case .typeMismatch(let origin, let key, let expected, let found):
            "\(origin): \(key) must be of type \(expected) as its default, got \(found.typeName) \(found) (yacs refuses the mismatch too)"
        case .invalid(let origin, let key?, let reason):
            "\(origin): \(key): \(reason)"
        case .invalid(let origin, nil, let reason):
            "\(origin): \(reason)"
        case .refused(let origin, let key, let value, let reason):
            "\(origin): \(key) \(value): \(reason)"
        }
    }
}
