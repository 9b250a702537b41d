extension JSONValue {
    /// The value as JSON text.
    ///
    /// Object keys keep their stored order; integers print exactly; doubles print in the
    /// shortest form that parses back to the same `Double` (Swift's `description`); strings
    /// escape `"`, `\` and control characters and keep everything else as UTF-8. JSON has no
    /// infinities or NaN, so non-finite doubles print as `null` (as JavaScript does).
    ///
    /// - Parameter pretty: indent nested values by two spaces, one member per line.
    public func serialized(pretty: Bool = false) -> String {
        var output: [UInt8] = []
        Self.write(self, to: &output, pretty: pretty, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to output: inout [UInt8], pretty: Bool, indent: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number):
            output.append(contentsOf: (number.isFinite ? number.description : "null").utf8)
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", to: &output, pretty: pretty, indent: indent) {
                write($1, to: &$0, pretty: pretty, indent: indent + 1)
            }
        case .object(let object):
            writeContainer(Array(object), open: "{", close: "}", to: &output, pretty: pretty, indent: indent) {
                writeString($1.key, to: &$0)
                $0.append(contentsOf: (pretty ? ": " : ":").utf8)
                write($1.value, to: &$0, pretty: pretty, indent: indent + 1)
            }
        }
    }

    private static func writeContainer<Element>(
        _ elements: [Element], open: Unicode.Scalar, close: Unicode.Scalar,
        to output: inout [UInt8], pretty: Bool, indent: Int,
        writeElement: (inout [UInt8], Element) -> Void
    ) {
        output.append(UInt8(ascii: open))
        for (position, element) in elements.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            if pretty { newline(indent + 1, &output) }
            writeElement(&output, element)
        }
        if pretty && !elements.isEmpty { newline(indent, &output) }
        output.append(UInt8(ascii: close))
    }

    private static func newline(_ indent: Int, _ output: inout [UInt8]) {
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    private static func writeString(_ string: String, to output: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case ..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
