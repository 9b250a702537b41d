import CYAML
import Foundation
import TensorIO

/// Reads one YAML document into a ``YAMLNode`` tree with libyaml's event API.
///
/// What PyYAML's `safe_load` takes, it takes: block and flow collections, every scalar style,
/// anchors and aliases (an alias is a copy of its anchored node), comments. A stream of more
/// than one document is refused as `safe_load` refuses it; an empty stream is nil (yacs
/// reads it as an empty config). Keys must be scalars.
public enum YAMLParser {
    /// Parses the file at `path`.
    /// - Throws: ``DasslError/unreadable(path:)``, ``DasslError/syntax(source:line:column:problem:)``
    ///   with libyaml's problem and mark.
    public static func parse(contentsOf path: String) throws -> YAMLNode? {
        // Mapped, not FileManager.contents: the latter leaks its buffer for an empty file
        // (found by the yaml fuzz target under LeakSanitizer).
        guard let file = try? MappedFile(path: path) else { throw DasslError.unreadable(path: path) }
        return try parse([UInt8](file.bytes), source: path)
    }

    /// Parses `bytes` (UTF-8); `source` names them in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws -> YAMLNode? {
        guard !bytes.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw DasslError.syntax(source: source, line: 1, column: 1, problem: "libyaml could not start") }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buffer in
            // libyaml reads the buffer while parsing: it stays alive for the whole parse.
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, buffer.count)
            var reader = EventReader(parser: &parser, source: source)
            return try reader.stream()
        }
    }

    /// One event, copied out of libyaml's.
    struct Event {
        var type: yaml_event_type_t
        var mark: YAMLMark
        var text = ""
        var isPlain = false
        var tag: String?
        var anchor: String?
    }

    /// The recursive descent over the events: stream → document → node.
    struct EventReader {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        let source: String
        var anchors: [String: YAMLNode] = [:]

        init(parser: UnsafeMutablePointer<yaml_parser_t>, source: String) {
            self.parser = parser
            self.source = source
        }

        mutating func next() throws -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else {
                let p = parser.pointee
                let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
                let context = p.context.map { " " + String(cString: $0) + " at \(Int(p.context_mark.line) + 1):\(Int(p.context_mark.column) + 1)" } ?? ""
                throw DasslError.syntax(source: source, line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1,
                                        problem: problem + (context.isEmpty ? "" : " (" + context.dropFirst() + ")"))
            }
            defer { yaml_event_delete(&event) }
            var copy = Event(type: event.type, mark: YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1))
            func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? { p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) } }
            switch event.type {
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                copy.text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                copy.isPlain = s.style == YAML_PLAIN_SCALAR_STYLE
                copy.tag = string(s.tag)
                copy.anchor = string(s.anchor)
            case YAML_SEQUENCE_START_EVENT:
                copy.tag = string(event.data.sequence_start.tag)
                copy.anchor = string(event.data.sequence_start.anchor)
            case YAML_MAPPING_START_EVENT:
                copy.tag = string(event.data.mapping_start.tag)
                copy.anchor = string(event.data.mapping_start.anchor)
            case YAML_ALIAS_EVENT:
                copy.anchor = string(event.data.alias.anchor)
            default:
                break
            }
            return copy
        }

        mutating func stream() throws -> YAMLNode? {
            _ = try next()  // STREAM-START
            var event = try next()
            guard event.type == YAML_DOCUMENT_START_EVENT else { return nil }  // STREAM-END: empty
            let root = try node(try next())
            _ = try next()  // DOCUMENT-END
            event = try next()
            guard event.type == YAML_STREAM_END_EVENT else {
                throw DasslError.syntax(source: source, line: event.mark.line, column: event.mark.column,
                                        problem: "expected a single document in the stream, but found another document")
            }
            return root
        }

        mutating func node(_ event: Event) throws -> YAMLNode {
            let result: YAMLNode
            switch event.type {
            case YAML_SCALAR_EVENT:
                result = .scalar(YAMLScalar(text: event.text, isPlain: event.isPlain && event.tag == nil, tag: event.tag, mark: event.mark))
            case YAML_SEQUENCE_START_EVENT:
                var items: [YAMLNode] = []
                while true {
                    let item = try next()
                    if item.type == YAML_SEQUENCE_END_EVENT { break }
                    items.append(try node(item))
                }
                result = .sequence(items, mark: event.mark)
            case YAML_MAPPING_START_EVENT:
                var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
                while true {
                    let key = try next()
                    if key.type == YAML_MAPPING_END_EVENT { break }
                    guard case .scalar(let scalar) = try node(key) else {
                        throw DasslError.syntax(source: source, line: key.mark.line, column: key.mark.column, problem: "a mapping key must be a scalar")
                    }
                    let value = try node(try next())
                    // PyYAML's construct_mapping: a repeated key's later value replaces the earlier.
                    if let i = pairs.firstIndex(where: { $0.key.text == scalar.text }) { pairs[i].value = value } else { pairs.append((scalar, value)) }
                }
                result = .mapping(pairs, mark: event.mark)
            case YAML_ALIAS_EVENT:
                guard let name = event.anchor, let target = anchors[name] else {
                    throw DasslError.syntax(source: source, line: event.mark.line, column: event.mark.column,
                                            problem: "found undefined alias '\(event.anchor ?? "")'")
                }
                return target
            default:
                throw DasslError.syntax(source: source, line: event.mark.line, column: event.mark.column, problem: "unexpected YAML event")
            }
            if let anchor = event.anchor { anchors[anchor] = result }
            return result
        }
    }
}
