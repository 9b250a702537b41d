// libFuzzer target: the strict JSON parser (config files, split files, safetensors headers,
// tokenizer vocabularies), built by Tests/Fuzz/run.sh. Every input must either parse or throw
// a JSONError; a parsed value must serialise and parse back to an equal value.
import Foundation
import TensorIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue(parsing: UnsafeRawBufferPointer(bytes)) else { return 0 }
    for pretty in [false, true] {
        let text = value.serialized(pretty: pretty)
        guard let again = try? JSONValue(parsing: text) else { fatalError("serialised value does not parse: \(text.prefix(200))") }
        // NaN cannot occur (JSON has none), so equality is exact.
        if again != value { fatalError("round trip changed the value: \(text.prefix(200))") }
    }
    return 0
}
