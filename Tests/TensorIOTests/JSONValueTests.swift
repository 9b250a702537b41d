import Testing
@testable import TensorIO

@Suite struct JSONValueTests {
    @Test func parsesEveryValueKind() throws {
        let value = try JSONValue(parsing: """
            {"null": null, "yes": true, "no": false, "int": -42, "double": 2.5,
             "string": "text", "array": [1, [2], {}], "object": {"nested": []}}
            """)
        #expect(value == [
            "null": .null, "yes": true, "no": false, "int": -42, "double": 2.5,
            "string": "text", "array": [1, [2], .object([:])], "object": ["nested": []],
        ])
        #expect(value.objectValue?.keys == ["null", "yes", "no", "int", "double", "string", "array", "object"])
    }

    @Test(arguments: [
        ("0", JSONValue.int(0)),
        ("-0", .int(0)),
        ("17", .int(17)),
        ("9223372036854775807", .int(.max)),
        ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .double(0x1p63)),
        ("-9223372036854775809", .double(-0x1p63)),
        ("1.0", .double(1)),
        ("-0.5", .double(-0.5)),
        ("0.1", .double(0.1)),
        ("1e2", .double(100)),
        ("1E+2", .double(100)),
        ("25e-2", .double(0.25)),
        ("2.5E-1", .double(0.25)),
        ("1e-400", .double(0)),
        ("123456789012345678901234567890", .double(1.2345678901234568e29)),
    ])
    func parsesNumbers(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test(arguments: ["01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3", "1e400", "-1e400",
                      "NaN", "Infinity", "-Infinity", "0x10", "1_000"])
    func rejectsInvalidNumbers(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test func decodesEveryEscape() throws {
        let value = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u0000""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀\u{0}"))
    }

    @Test func keepsRawUTF8() throws {
        #expect(try JSONValue(parsing: "\"héllo wörld 😀 中文\"") == "héllo wörld 😀 中文")
        #expect(try JSONValue(parsing: "\"a\\nü\"") == "a\nü")  // escape after non-ASCII start
    }

    @Test(arguments: [
        (#""\ud83d""#, "unpaired surrogate"),
        (#""\ud83d\u0041""#, "unpaired surrogate"),
        (#""\ud83dx""#, "unpaired surrogate"),
        (#""\ude00""#, "unpaired surrogate"),
        (#""\x""#, "invalid escape"),
        (#""\u12g4""#, "hex digits"),
        ("\"a\u{1}b\"", "control characters"),
        ("\"a\nb\"", "control characters"),
        (#""abc"#, "unterminated string"),
        (#""abc\"#, "unterminated string"),
    ])
    func rejectsMalformedStrings(text: String, message: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],              // never valid in UTF-8
        [0x22, 0xC0, 0xAF, 0x22],        // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0xE2, 0x82, 0x22],        // truncated sequence
        [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // invalid after an escape (slow path)
    ] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: bytes) }
        #expect(error?.message == "invalid UTF-8 in string")
    }

    @Test func locatesErrorsByLineAndColumn() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2 \"c\"\n}"
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.description == "line 3, column 10: expected ',' or '}' in object")
    }

    @Test func countsColumnsInScalarsNotBytes() {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: "[\"é😀\", x]") }
        #expect(error?.line == 1)
        #expect(error?.column == 8)
    }

    @Test(arguments: [
        ("", "line 1, column 1: expected a JSON value, found end of input"),
        ("  \n ", "line 2, column 2: expected a JSON value, found end of input"),
        ("[1, 2", "line 1, column 6: expected ',' or ']' in array, found end of input"),
        ("[1,]", "line 1, column 4: expected a JSON value"),
        ("{\"a\":1,}", "line 1, column 8: expected a string key in object"),
        ("{\"a\" 1}", "line 1, column 6: expected ':' after object key"),
        ("{'a': 1}", "line 1, column 2: expected a string key in object"),
        ("[1 2]", "line 1, column 4: expected ',' or ']' in array"),
        ("tru", "line 1, column 1: invalid literal, expected 'true'"),
        ("nul", "line 1, column 1: invalid literal, expected 'null'"),
        ("[1] // comment", "line 1, column 5: unexpected data after the JSON value"),
        ("\u{FEFF}{}", "line 1, column 1: expected a JSON value"),
    ])
    func reportsSyntaxErrors(text: String, description: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.description == description)
    }

    @Test(arguments: ["{} x", "1 2", "[1]]", "{}{}", "\"a\"\"b\"", "null,"])
    func rejectsTrailingGarbage(text: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.message == "unexpected data after the JSON value")
    }

    @Test func acceptsSurroundingWhitespace() throws {
        #expect(try JSONValue(parsing: " \t\r\n[ 1 , { } ]\n ") == [1, .object([:])])
    }

    @Test func rejectsDuplicateKeysNamingTheKey() {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: #"{"a": 1, "b": 2, "a": 3}"#) }
        #expect(error?.description == "line 1, column 18: duplicate key 'a' in object")
        #expect(error?.duplicateKey == "a")
        #expect(error?.depth == 1)

        let nested = #expect(throws: JSONError.self) { try JSONValue(parsing: #"[{"x": {"k": 1, "k": 2}}]"#) }
        #expect(nested?.duplicateKey == "k")
        #expect(nested?.depth == 3)
    }

    @Test func limitsNestingDepthInsteadOfOverflowingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000)
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: deep) }
        #expect(error?.message.contains("nesting deeper than") == true)

        let allowed = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        _ = try JSONValue(parsing: allowed)
    }

    @Test func parsesAVocabularySizedObject() throws {
        let entries = (0..<50_000).map { #""tok\#($0)</w>": \#($0)"# }
        let value = try JSONValue(parsing: "{" + entries.joined(separator: ",") + "}")
        let object = try #require(value.objectValue)
        #expect(object.count == 50_000)
        #expect(object["tok49999</w>"] == 49_999)
        #expect(object.keys.first == "tok0</w>")
    }

    @Test func accessorsReturnValuesOnlyForTheirKind() {
        let int: JSONValue = 3
        #expect(int.intValue == 3)
        #expect(int.doubleValue == 3.0)
        #expect(int.stringValue == nil)
        let double: JSONValue = 3.5
        #expect(double.intValue == nil)
        #expect(double.doubleValue == 3.5)
        #expect(JSONValue.string("s").stringValue == "s")
        #expect(JSONValue.bool(false).boolValue == false)
        #expect(JSONValue.null.isNull)
        #expect(JSONValue.null.boolValue == nil)
        #expect(([1, 2] as JSONValue).arrayValue == [1, 2])
        #expect((["k": "v"] as JSONValue)["k"] == "v")
        #expect((["k": "v"] as JSONValue)["missing"] == nil)
        #expect(JSONValue.int(1)["k"] == nil)
    }
}

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrderAndIndexesKeys() {
        var object: JSONObject = ["z": 1, "a": 2]
        object["m"] = 3
        object["z"] = 10
        #expect(object.keys == ["z", "a", "m"])
        #expect(object.values == [10, 2, 3])
        #expect(object.count == 3)
        object["z"] = nil
        #expect(object.keys == ["a", "m"])
        #expect(object["m"] == 3)
        #expect(object["z"] == nil)
        #expect(object.map(\.key) == ["a", "m"])
    }

    @Test func equalityIgnoresKeyOrder() {
        let forward: JSONObject = ["a": 1, "b": 2]
        let backward: JSONObject = ["b": 2, "a": 1]
        #expect(forward == backward)
        #expect(forward != ["a": 1, "b": 3])
        #expect(forward != ["a": 1])
    }
}
