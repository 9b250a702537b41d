import Dassl
import Foundation
import Testing

/// libyaml's events read into a tree: order, styles, marks, and its errors with file:line:column.
@Suite struct YAMLParserTests {
    func parse(_ text: String) throws -> YAMLNode? { try YAMLParser.parse(Array(text.utf8), source: "t.yaml") }

    @Test func mappingsKeepKeyOrderScalarStyleAndMarks() throws {
        let node = try #require(try parse("OPTIM:\n  NAME: \"sgd\"\n  LR: 0.0025\nA: [1, 'x']\n"))
        guard case .mapping(let top, _) = node, case .mapping(let optim, _) = top[0].value, case .sequence(let items, _) = top[1].value else {
            Issue.record("unexpected tree \(node)")
            return
        }
        #expect(top.map(\.key.text) == ["OPTIM", "A"] && optim.map(\.key.text) == ["NAME", "LR"])
        #expect(optim[0].key.mark == YAMLMark(line: 2, column: 3))
        #expect(optim[0].value == .scalar(YAMLScalar(text: "sgd", isPlain: false, mark: YAMLMark(line: 2, column: 9))))
        #expect(optim[1].value == .scalar(YAMLScalar(text: "0.0025", isPlain: true, mark: YAMLMark(line: 3, column: 7))))
        #expect(items.count == 2)
    }

    @Test func anEmptyStreamIsNoDocumentAndAnAliasCopiesItsAnchor() throws {
        #expect(try parse("") == nil)
        #expect(try parse("# only a comment\n") == nil)
        let node = try #require(try parse("a: &x [1, 2]\nb: *x\n"))
        guard case .mapping(let pairs, _) = node, case .sequence(let a, _) = pairs[0].value, case .sequence(let b, _) = pairs[1].value else {
            Issue.record("unexpected tree \(node)")
            return
        }
        #expect(a == b)
    }

    /// libyaml's problem and its mark, 1-based, after the file name.
    static let malformed: [(String, String)] = [
        ("OPTIM:\n  LR: 0.1\n LR2: 1\n", "t.yaml:3:2: invalid YAML: did not find expected key (while parsing a block mapping at 1:1)"),
        ("A: [1, 2\nB: 3\n", "t.yaml:2:2: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)"),
        ("A: \"open\n", "t.yaml:2:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at 1:4)"),
        ("A: 1\n---\nB: 2\n", "t.yaml:2:1: invalid YAML: expected a single document in the stream, but found another document"),
        ("A: *nothing\n", "t.yaml:1:4: invalid YAML: found undefined alias 'nothing'"),
    ]

    @Test(arguments: malformed)
    func malformedYAMLNamesFileLineAndColumn(text: String, message: String) {
        #expect(throws: DasslError.self) { try parse(text) }
        do { _ = try parse(text) } catch { #expect("\(error)" == message) }
    }
}
