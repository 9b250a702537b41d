/// A yacs `CfgNode` tree: every key Dassl's defaults and the trainers' `extend_cfg` declare,
/// each with its value and where that value was last set, merged as yacs merges.
///
/// Keys are dotted paths (`OPTIM.LR`); sections (`OPTIM`) hold keys and are never values.
/// ``merge(file:)`` is `merge_from_file` (PyYAML `safe_load`, then yacs's `_merge_a_into_b`),
/// ``merge(opts:)`` is `merge_from_list`, ``set(_:_:origin:)`` is `train.py`'s `reset_cfg`
/// assignment. Both merges refuse a key the defaults lack and a value of another type than the
/// default's (``PythonValue/coerced(toTypeOf:)``), as yacs does.
public struct ConfigTree: Sendable {
    /// A key's value and where it was set.
    public struct Leaf: Sendable, Equatable {
        public var value: PythonValue
        public var origin: ConfigOrigin
    }

    /// The section keys (`OPTIM`, `TRAINER.PROMETAR`).
    public private(set) var sections: Set<String> = []
    /// The value keys in declaration order.
    public private(set) var keys: [String] = []
    private var leaves: [String: Leaf] = [:]

    /// The tree a YAML mapping declares, every value from `origin` (the defaults).
    init(declaring node: YAMLNode, source: String, origin: ConfigOrigin) throws {
        try declare(node, prefix: "", source: source, origin: origin)
    }

    private mutating func declare(_ node: YAMLNode, prefix: String, source: String, origin: ConfigOrigin) throws {
        guard case .mapping(let pairs, _) = node else { preconditionFailure("\(source): the defaults must be a mapping") }
        for (key, value) in pairs {
            let full = prefix + key.text
            if case .mapping = value {
                sections.insert(full)
                try declare(value, prefix: full + ".", source: source, origin: origin)
            } else {
                keys.append(full)
                leaves[full] = Leaf(value: try Self.value(of: value, source: source, key: full).yacsDecoded, origin: origin)
            }
        }
    }

    /// The value at `key` and where it was set.
    /// - Precondition: `key` is one of ``keys``.
    public subscript(key: String) -> Leaf {
        guard let leaf = leaves[key] else { preconditionFailure("\(key) is not a key of the Dassl defaults") }
        return leaf
    }

    /// `cfg.merge_from_file(path)`.
    /// - Throws: ``DasslError`` naming the file, line and column.
    public mutating func merge(file path: String) throws {
        guard let node = try YAMLParser.parse(contentsOf: path) else { return }  // an empty file: an empty config
        try merge(node, source: path)
    }

    /// Merges a parsed YAML document read from `source`.
    public mutating func merge(_ node: YAMLNode, source: String) throws {
        guard case .mapping(let pairs, _) = node else {
            throw DasslError.invalid(origin: .file(path: source, mark: node.mark), key: nil, reason: "the config must be a mapping of keys")
        }
        try merge(pairs, prefix: "", source: source)
    }

    private mutating func merge(_ pairs: [(key: YAMLScalar, value: YAMLNode)], prefix: String, source: String) throws {
        for (key, node) in pairs {
            let full = prefix + key.text, origin = ConfigOrigin.file(path: source, mark: key.mark)
            if sections.contains(full) {
                guard case .mapping(let children, _) = node else {
                    let found = (try? Self.value(of: node, source: source, key: full).yacsDecoded) ?? PythonValue.none
                    throw DasslError.typeMismatch(origin: origin, key: full, expected: "CfgNode", found: found)
                }
                try merge(children, prefix: full + ".", source: source)
            } else if let leaf = leaves[full] {
                if case .mapping = node { throw DasslError.typeMismatch(origin: origin, key: full, expected: leaf.value.typeName, found: .string("{…}")) }
                let value = try Self.value(of: node, source: source, key: full).yacsDecoded
                guard let coerced = value.coerced(toTypeOf: leaf.value) else {
                    throw DasslError.typeMismatch(origin: origin, key: full, expected: leaf.value.typeName, found: value)
                }
                leaves[full] = Leaf(value: coerced, origin: origin)
            } else {
                throw DasslError.unknownKey(origin: origin, key: full)
            }
        }
    }

    /// `cfg.merge_from_list(opts)`: `KEY VALUE` pairs, each value read with literal_eval when it
    /// is a Python literal (`16`, `0.01`, `True`, `"(224, 224)"`), else the word itself (`base`).
    public mutating func merge(opts words: [String]) throws {
        guard words.count % 2 == 0 else {
            throw DasslError.invalid(origin: .commandLine(option: nil), key: nil,
                                     reason: "the trailing KEY VALUE list has an odd length (\(words.count) words: \(words.joined(separator: " "))); yacs refuses it too")
        }
        for pair in stride(from: 0, to: words.count, by: 2) {
            let key = words[pair], value = PythonValue(literal: words[pair + 1]) ?? .string(words[pair + 1])
            let origin = ConfigOrigin.commandLine(option: nil)
            if sections.contains(key) { throw DasslError.typeMismatch(origin: origin, key: key, expected: "CfgNode", found: value) }
            guard let leaf = leaves[key] else { throw DasslError.unknownKey(origin: origin, key: key) }
            guard let coerced = value.coerced(toTypeOf: leaf.value) else {
                throw DasslError.typeMismatch(origin: origin, key: key, expected: leaf.value.typeName, found: value)
            }
            leaves[key] = Leaf(value: coerced, origin: origin)
        }
    }

    /// `cfg.KEY = value`, as `reset_cfg` assigns a flag (no type check, as in yacs).
    /// - Precondition: `key` is one of ``keys``.
    public mutating func set(_ key: String, _ value: PythonValue, origin: ConfigOrigin) {
        precondition(leaves[key] != nil, "\(key) is not a key of the Dassl defaults")
        leaves[key] = Leaf(value: value, origin: origin)
    }

    /// PyYAML's value of a scalar or a sequence (its items resolved, not literal_eval'd).
    static func value(of node: YAMLNode, source: String, key: String) throws -> PythonValue {
        switch node {
        case .scalar(let scalar):
            guard let value = PythonValue(yaml: scalar) else {
                throw DasslError.invalid(origin: .file(path: source, mark: scalar.mark), key: key,
                                         reason: "'\(scalar.text)' is a YAML timestamp, which no yacs value can hold")
            }
            return value
        case .sequence(let items, _):
            return .list(try items.map { try value(of: $0, source: source, key: key) })
        case .mapping(_, let mark):
            throw DasslError.invalid(origin: .file(path: source, mark: mark), key: key, reason: "a mapping inside a list is not a config value")
        }
    }
}
