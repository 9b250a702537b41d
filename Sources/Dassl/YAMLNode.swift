/// A place in a YAML file: 1-based line and column, as PyYAML's messages count them.
public struct YAMLMark: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// A scalar as written: its text (escapes and folding already applied by libyaml), whether
/// it was plain (unquoted, so PyYAML's resolvers may read it as a number, bool or null),
/// its explicit tag if any, and where it starts.
public struct YAMLScalar: Sendable, Equatable {
    public var text: String
    public var isPlain: Bool
    /// The resolved tag of `!!str`-style annotations (`tag:yaml.org,2002:str`), nil when none.
    public var tag: String?
    public var mark: YAMLMark

    public init(text: String, isPlain: Bool, tag: String? = nil, mark: YAMLMark) {
        self.text = text
        self.isPlain = isPlain
        self.tag = tag
        self.mark = mark
    }
}

/// One YAML node, as libyaml's events describe it (``YAMLParser``): mappings keep their
/// keys in file order, scalars keep their text and style; nothing is resolved yet.
public indirect enum YAMLNode: Sendable, Equatable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode], mark: YAMLMark)
    /// Key-value pairs in file order; keys are scalars.
    case mapping([(key: YAMLScalar, value: YAMLNode)], mark: YAMLMark)

    /// Where the node starts.
    public var mark: YAMLMark {
        switch self {
        case .scalar(let s): s.mark
        case .sequence(_, let mark), .mapping(_, let mark): mark
        }
    }

    public static func == (a: YAMLNode, b: YAMLNode) -> Bool {
        switch (a, b) {
        case let (.scalar(x), .scalar(y)): x == y
        case let (.sequence(x, m), .sequence(y, n)): x == y && m == n
        case let (.mapping(x, m), .mapping(y, n)):
            m == n && x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}
