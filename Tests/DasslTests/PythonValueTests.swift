import Dassl
import Testing

/// Values as yacs gets them: PyYAML `safe_load` (YAML 1.1 resolvers), then literal_eval of strings.
@Suite struct PythonValueTests {
    /// `ast.literal_eval(text)`, or nil where Python raises (yacs keeps the text).
    static let literals: [(String, PythonValue?)] = [
        ("16", .int(16)), ("-1", .int(-1)), ("0x10", .int(16)), ("1_000", .int(1000)), ("010", nil),
        ("0.0025", .float(0.0025)), ("1e-5", .float(1e-5)), ("5e-4", .float(5e-4)), (".5", .float(0.5)), ("1.", .float(1)), ("-1.0", .float(-1)),
        ("True", .bool(true)), ("False", .bool(false)), ("None", PythonValue.none), ("true", nil),
        ("'a photo of a'", .string("a photo of a")), ("\"bicubic\"", .string("bicubic")), ("'a' \"b\"", .string("ab")),
        ("(224, 224)", .tuple([.int(224), .int(224)])), ("(-1, )", .tuple([.int(-1)])), ("()", .tuple([])), ("(5)", .int(5)),
        ("1, 2", .tuple([.int(1), .int(2)])),
        ("[0.5, 'x', [1]]", .list([.float(0.5), .string("x"), .list([.int(1)])])), ("[]", .list([])),
        ("base", nil), ("sgd", nil), ("ViT-B/16", nil), ("a photo of a", nil), ("", nil), ("inf", nil), ("1j", nil), ("{'a': 1}", nil),
        ("[1, 2", nil), ("'open", nil), ("--1", nil),
    ]

    @Test(arguments: literals)
    func literalEvalMatchesPython(text: String, value: PythonValue?) {
        #expect(PythonValue(literal: text) == value, "\(text)")
    }

    /// A config file's scalar as yacs stores it: `safe_load`, then literal_eval of a str.
    static let scalars: [(text: String, plain: Bool, loaded: PythonValue, stored: PythonValue)] = [
        ("1e-5", true, .string("1e-5"), .float(1e-5)),  // YAML 1.1 floats need a dot
        ("1.0e-5", true, .float(1e-5), .float(1e-5)),
        ("0.0025", true, .float(0.0025), .float(0.0025)),
        ("4", true, .int(4), .int(4)),
        ("010", true, .int(8), .int(8)),  // YAML 1.1 octal
        ("True", true, .bool(true), .bool(true)),
        ("yes", true, .bool(true), .bool(true)),
        ("None", true, .string("None"), PythonValue.none),  // not YAML's null, but literal_eval's None
        ("~", true, PythonValue.none, PythonValue.none),
        ("", true, PythonValue.none, PythonValue.none),
        ("(224, 224)", true, .string("(224, 224)"), .tuple([.int(224), .int(224)])),
        ("a photo of a", false, .string("a photo of a"), .string("a photo of a")),
        ("bicubic", false, .string("bicubic"), .string("bicubic")),
        ("True", false, .string("True"), .bool(true)),  // yacs literal_evals quoted strings too
        ("1e-5", false, .string("1e-5"), .float(1e-5)),
        ("ViT-B/16", true, .string("ViT-B/16"), .string("ViT-B/16")),
    ]

    @Test(arguments: scalars)
    func scalarsAreReadAsPyYAMLThenYacsReadThem(text: String, plain: Bool, loaded: PythonValue, stored: PythonValue) {
        let value = PythonValue(yaml: YAMLScalar(text: text, isPlain: plain, mark: YAMLMark(line: 1, column: 1)))
        #expect(value == loaded && value?.yacsDecoded == stored, "\(text) (plain: \(plain)) → \(String(describing: value))")
    }

    @Test func timestampsAreNoConfigValue() {
        #expect(PythonValue(yaml: YAMLScalar(text: "2024-01-01", isPlain: true, mark: YAMLMark(line: 1, column: 1))) == nil)
    }

    /// yacs's `_check_and_coerce_cfg_value_type`.
    @Test func coercionIsYacs() {
        #expect(PythonValue.list([.int(1)]).coerced(toTypeOf: .tuple([])) == .tuple([.int(1)]))
        #expect(PythonValue.tuple([.int(1)]).coerced(toTypeOf: .list([])) == .list([.int(1)]))
        #expect(PythonValue.none.coerced(toTypeOf: .float(1)) == PythonValue.none)
        #expect(PythonValue.int(1).coerced(toTypeOf: .float(0.5)) == nil)  // yacs: an int is no float
        #expect(PythonValue.bool(true).coerced(toTypeOf: .int(0)) == nil)
        #expect(PythonValue.string("x").coerced(toTypeOf: .string("")) == .string("x"))
    }

    @Test func reprIsPythons() {
        #expect(PythonValue.tuple([.int(224), .int(224)]).description == "(224, 224)")
        #expect(PythonValue.tuple([.int(-1)]).description == "(-1,)")
        #expect(PythonValue.float(1e-5).description == "1e-05")
        #expect(PythonValue.list([.string("a"), .bool(false), PythonValue.none]).description == "['a', False, None]")
    }
}
