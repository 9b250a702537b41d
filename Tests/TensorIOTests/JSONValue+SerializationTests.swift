import Testing
import TensorIO

@Suite struct JSONSerializationTests {
    static let sample: JSONValue = [
        "name": "ViT-B/16", "layers": 12, "lr": 0.0025, "tags": ["a", "b"],
        "empty": [], "none": .null, "ok": true, "nested": ["k": .object([:])],
    ]

    @Test func compactKeepsStoredKeyOrder() {
        #expect(Self.sample.serialized() == """
            {"name":"ViT-B/16","layers":12,"lr":0.0025,"tags":["a","b"],"empty":[],"none":null,"ok":true,"nested":{"k":{}}}
            """)
    }

    @Test func prettyIndentsByTwoSpaces() {
        #expect(Self.sample.serialized(pretty: true) == """
            {
              "name": "ViT-B/16",
              "layers": 12,
              "lr": 0.0025,
              "tags": [
                "a",
                "b"
              ],
              "empty": [],
              "none": null,
              "ok": true,
              "nested": {
                "k": {}
              }
            }
            """)
    }

    @Test(arguments: [
        (JSONValue.double(0.1), "0.1"),
        (.double(1), "1.0"),
        (.double(-0.0), "-0.0"),
        (.double(1e-5), "1e-05"),
        (.double(1e100), "1e+100"),
        (.double(.leastNonzeroMagnitude), "5e-324"),
        (.double(1.7976931348623157e308), "1.7976931348623157e+308"),
        (.int(.min), "-9223372036854775808"),
        (.double(.nan), "null"),
        (.double(.infinity), "null"),
    ])
    func printsNumbersExactly(value: JSONValue, text: String) {
        #expect(value.serialized() == text)
    }

    @Test func escapesStrings() {
        let value = JSONValue.string("quote\" backslash\\ slash/ \n\r\t\u{8}\u{C}\u{1}\u{1F} é😀")
        #expect(value.serialized() == #""quote\" backslash\\ slash/ \n\r\t\b\f\u0001\u001f é😀""#)
    }

    @Test(arguments: [
        sample,
        JSONValue.string("\u{0}\u{7F}\u{FFFF}\u{10FFFF}\"\\"),
        [0.1, 1e-300, -2.5e300, 3, -7, .int(.max), .double(0x1p-1074)],
        [[[]], [.object([:])], .null],
        ["": "", "\u{0}": 1, "ключ": ["ü": false]],
    ])
    func roundTripsThroughText(value: JSONValue) throws {
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValue(parsing: value.serialized(pretty: true)) == value)
        let keys = try JSONValue(parsing: value.serialized()).objectValue?.keys
        #expect(keys == value.objectValue?.keys)
    }
}
