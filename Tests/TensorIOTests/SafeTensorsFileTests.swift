import Foundation
import Testing
import TensorIO

@Suite struct SafeTensorsFileTests {
    /// Writes `bytes` to a temporary file and opens it.
    private func open(_ bytes: [UInt8], name: String = "model.safetensors") throws -> SafeTensorsFile {
        try withTemporaryDirectory { directory in
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return try SafeTensorsFile(path: path)
        }
    }

    @Test func decodesF16BitPatterns() throws {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00, 0x8000, 0x3555]
        let file = try open(safetensorsBytes(
            header: #"{"h": {"dtype": "F16", "shape": [2, 5], "data_offsets": [0, 20]}}"#,
            data: littleEndianBytes(bits)))
        let values = try file.floats("h")
        // Every binary16 value is exactly representable as Float, so equality is exact.
        #expect(values == [1, -2, 0x1p-24, 1023 * 0x1p-24, 0x1p-14, 65504, .infinity, -.infinity, -0.0,
                           0x1.554p-2])
        #expect(values[8].sign == .minus)
    }

    @Test func decodesF16NaNs() throws {
        let file = try open(safetensorsBytes(
            header: #"{"h": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}"#,
            data: littleEndianBytes([0x7E00, 0xFC01] as [UInt16])))
        let values = try file.floats("h")
        #expect(values.allSatisfy { $0.isNaN })
        #expect(values[1].sign == .minus)
    }

    @Test func decodesBF16BitPatterns() throws {
        let file = try open(safetensorsBytes(
            header: #"{"b": {"dtype": "BF16", "shape": [5], "data_offsets": [0, 10]}}"#,
            data: littleEndianBytes([0x3F80, 0xC000, 0x7F80, 0x0001, 0x4049] as [UInt16])))
        #expect(try file.floats("b") == [1, -2, .infinity, 0x1p-133, 3.140625])
    }

    @Test func narrowsF64ToNearestFloat() throws {
        let doubles: [Double] = [1.5, 0.1, -1e300, 1e-50]
        let file = try open(safetensorsBytes(
            header: #"{"d": {"dtype": "F64", "shape": [4], "data_offsets": [0, 32]}}"#,
            data: littleEndianBytes(doubles.map(\.bitPattern))))
        #expect(try file.floats("d") == [1.5, Float(0.1), -.infinity, 0])
    }

    @Test func widensEveryIntegerDType() throws {
        let data = littleEndianBytes([-5, .max] as [Int64]) + littleEndianBytes([-7, 7] as [Int32])
            + littleEndianBytes([-300, 300] as [Int16]) + [0x80, 0x7F] + [0xFF, 0x01] + [0, 1, 2]
        let header = """
            {"i64": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]},
             "i32": {"dtype": "I32", "shape": [2], "data_offsets": [16, 24]},
             "i16": {"dtype": "I16", "shape": [2], "data_offsets": [24, 28]},
             "i8": {"dtype": "I8", "shape": [2], "data_offsets": [28, 30]},
             "u8": {"dtype": "U8", "shape": [2], "data_offsets": [30, 32]},
             "bool": {"dtype": "BOOL", "shape": [3], "data_offsets": [32, 35]}}
            """
        let file = try open(safetensorsBytes(header: header, data: data))
        #expect(file.names == ["bool", "i16", "i32", "i64", "i8", "u8"])
        #expect(try file.int64s("i64") == [-5, .max])
        #expect(try file.int64s("i32") == [-7, 7])
        #expect(try file.int64s("i16") == [-300, 300])
        #expect(try file.int64s("i8") == [-128, 127])
        #expect(try file.int64s("u8") == [255, 1])
        #expect(try file.int64s("bool") == [0, 1, 1])
        let entry = try file.entry("bool")
        #expect(entry.dtype == .BOOL && entry.shape == [3] && entry.dataOffsets == 32..<35 && entry.elementCount == 3)
    }

    @Test func readsMetadataAndAcceptsPaddedHeaders() throws {
        let header = #"{"__metadata__": {"format": "pt"}, "x": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}"#
        let padded = header + String(repeating: " ", count: 7)
        let file = try open(safetensorsBytes(header: padded, data: littleEndianBytes([Float(2.5).bitPattern])))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.names == ["x"])
        #expect(file.contains("x"))
        #expect(!file.contains("__metadata__"))
        #expect(try file.floats("x") == [2.5])
    }

    @Test func reportsMissingTensorsAndDTypeMismatches() throws {
        let file = try open(safetensorsBytes(
            header: #"{"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]},"#
                + #" "w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#,
            data: [UInt8](repeating: 0, count: 12)), name: "ckpt.safetensors")

        let missing = #expect(throws: SafeTensorsError.self) { try file.floats("nope") }
        #expect(missing == .missingTensor(path: file.path, name: "nope"))
        #expect(missing?.description == "\(file.path): no tensor named 'nope'")
        #expect(throws: SafeTensorsError.missingTensor(path: file.path, name: "nope")) { try file.entry("nope") }

        let floats = #expect(throws: SafeTensorsError.self) { try file.floats("ids") }
        #expect(floats?.description == "\(file.path): tensor 'ids' is I64, which cannot be read as floats (F32, F16, BF16 or F64)")
        let ints = #expect(throws: SafeTensorsError.self) { try file.int64s("w") }
        #expect(ints?.description == "\(file.path): tensor 'w' is F32, which cannot be read as integers (I64, I32, I16, I8, U8 or BOOL)")
    }

    @Test func reportsUnreadableFiles() throws {
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: "/nonexistent/model.safetensors") }
        #expect(error?.description == "/nonexistent/model.safetensors: cannot read safetensors file: open: No such file or directory")
        try withTemporaryDirectory { directory in
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: directory) }
            #expect(error == .unreadable(path: directory, reason: "not a regular file"))
        }
    }

    // MARK: Malformed files

    struct Malformed: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: [UInt8]
        /// The tensor the error must name, if any.
        let tensor: String?
        let matches: @Sendable (SafeTensorsError) -> Bool
        var testDescription: String { label }

        init(_ label: String, _ bytes: [UInt8], tensor: String? = nil,
             _ matches: @escaping @Sendable (SafeTensorsError) -> Bool) {
            (self.label, self.bytes, self.tensor, self.matches) = (label, bytes, tensor, matches)
        }

        init(_ label: String, header: String, data: [UInt8] = [], tensor: String? = nil,
             _ matches: @escaping @Sendable (SafeTensorsError) -> Bool) {
            self.init(label, safetensorsBytes(header: header, data: data), tensor: tensor, matches)
        }
    }

    static let f32x6 = #""dtype": "F32", "shape": [2, 3]"#
    static let zeros24 = [UInt8](repeating: 0, count: 24)

    static let malformed: [Malformed] = [
        Malformed("empty file", []) { if case .tooShort(_, 0) = $0 { true } else { false } },
        Malformed("shorter than 8 bytes", [1, 2, 3]) { if case .tooShort(_, 3) = $0 { true } else { false } },
        Malformed("absurd header length", littleEndianBytes([200_000_000] as [UInt64])) {
            if case .headerTooLarge(_, 200_000_000) = $0 { true } else { false }
        },
        Malformed("header longer than file", littleEndianBytes([100] as [UInt64]) + Array("{}".utf8)) {
            if case .truncatedHeader(_, 100, 10) = $0 { true } else { false }
        },
        Malformed("header not JSON", header: "{\"x\": {\"dtype\": \"F32\",}}") {
            if case .invalidHeader(_, let error) = $0 { error.line == 1 && error.column == 23 } else { false }
        },
        Malformed("header not UTF-8", safetensorsBytes(header: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])) {
            if case .invalidHeader(_, let error) = $0 { error.message == "invalid UTF-8 in string" } else { false }
        },
        Malformed("empty header", header: "") { if case .invalidHeader = $0 { true } else { false } },
        Malformed("header not an object", header: "[1, 2]") { $0 == .headerNotObject(path: $0.path) },
        Malformed("entry not an object", header: #"{"x": [1]}"#, tensor: "x") {
            if case .invalidEntry = $0 { true } else { false }
        },
        Malformed("missing dtype", header: #"{"x": {"shape": [1], "data_offsets": [0, 4]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "missing 'dtype'") = $0 { true } else { false }
        },
        Malformed("dtype not a string", header: #"{"x": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "'dtype' must be a string") = $0 { true } else { false }
        },
        Malformed("missing shape", header: #"{"x": {"dtype": "F32", "data_offsets": [0, 4]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "missing 'shape'") = $0 { true } else { false }
        },
        Malformed("shape not integers", header: #"{"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "'shape' must be an array of integers") = $0 { true } else { false }
        },
        Malformed("shape not an array", header: #"{"x": {"dtype": "F32", "shape": 4, "data_offsets": [0, 4]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "'shape' must be an array of integers") = $0 { true } else { false }
        },
        Malformed("missing data_offsets", header: #"{"x": {"dtype": "F32", "shape": [1]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "missing 'data_offsets'") = $0 { true } else { false }
        },
        Malformed("three data_offsets", header: #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "'data_offsets' must be an array of two integers") = $0 { true } else { false }
        },
        Malformed("string data_offsets", header: #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": ["0", "4"]}}"#, tensor: "x") {
            if case .invalidEntry(_, _, "'data_offsets' must be an array of two integers") = $0 { true } else { false }
        },
        Malformed("unknown dtype", header: #"{"x": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}"#, tensor: "x") {
            if case .unknownDType(_, _, "F8_E4M3") = $0 { true } else { false }
        },
        Malformed("negative dimension", header: #"{"x": {"dtype": "F32", "shape": [2, -3], "data_offsets": [0, 0]}}"#, tensor: "x") {
            if case .negativeDimension(_, _, [2, -3]) = $0 { true } else { false }
        },
        Malformed("begin after end", header: #"{"x": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}}"#, data: zeros24, tensor: "x") {
            if case .invalidOffsets(_, _, 8, 4) = $0 { true } else { false }
        },
        Malformed("negative offset", header: #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, tensor: "x") {
            if case .invalidOffsets(_, _, -4, 0) = $0 { true } else { false }
        },
        Malformed("data truncated", header: "{\"x\": {\(f32x6), \"data_offsets\": [0, 24]}}", data: Array(zeros24[..<20]), tensor: "x") {
            if case .truncatedData(_, _, let expected, let found) = $0 { expected == found + 4 } else { false }
        },
        Malformed("byte count mismatch", header: "{\"x\": {\(f32x6), \"data_offsets\": [0, 20]}}", data: Array(zeros24[..<20]), tensor: "x") {
            if case .sizeMismatch(_, _, .F32, [2, 3], 0, 20) = $0 { true } else { false }
        },
        Malformed("shape overflows", header: #"{"x": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#, tensor: "x") {
            if case .sizeMismatch = $0 { true } else { false }
        },
        Malformed("duplicate tensor", header: "{\"x\": {\(f32x6), \"data_offsets\": [0, 24]}, \"x\": {\(f32x6), \"data_offsets\": [0, 24]}}",
                  data: zeros24, tensor: "x") {
            $0 == .duplicateTensor(path: $0.path, name: "x")
        },
        Malformed("duplicate field inside an entry", header: "{\"x\": {\(f32x6), \"dtype\": \"F32\", \"data_offsets\": [0, 24]}}", data: zeros24) {
            if case .invalidHeader(_, let error) = $0 { error.duplicateKey == "dtype" } else { false }
        },
        Malformed("overlapping tensors",
                  header: "{\"a\": {\(f32x6), \"data_offsets\": [0, 24]}, \"b\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [20, 28]}}",
                  data: zeros24 + [0, 0, 0, 0], tensor: "b") {
            $0 == .overlappingTensors(path: $0.path, name: "b", other: "a")
        },
        Malformed("hole between tensors",
                  header: "{\"a\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [8, 12]}}",
                  data: Array(zeros24[..<12])) {
            $0 == .unusedBytes(path: $0.path, begin: 4, end: 8)
        },
        Malformed("hole at start", header: #"{"a": {"dtype": "I32", "shape": [1], "data_offsets": [4, 8]}}"#, data: Array(zeros24[..<8])) {
            $0 == .unusedBytes(path: $0.path, begin: 0, end: 4)
        },
        Malformed("bytes after the last tensor", header: #"{"a": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}"#, data: Array(zeros24[..<6])) {
            $0 == .unusedBytes(path: $0.path, begin: 4, end: 6)
        },
        Malformed("metadata not an object", header: #"{"__metadata__": ["pt"]}"#) {
            if case .invalidMetadata = $0 { true } else { false }
        },
        Malformed("metadata value not a string", header: #"{"__metadata__": {"format": "pt", "epoch": 3}}"#) {
            if case .invalidMetadata(_, let reason) = $0 { reason.contains("'epoch'") } else { false }
        },
    ]

    @Test(arguments: malformed)
    func rejectsMalformedFiles(_ malformed: Malformed) throws {
        let error = try withTemporaryDirectory { directory in
            let path = directory + "/bad.safetensors"
            try Data(malformed.bytes).write(to: URL(fileURLWithPath: path))
            return #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: path) }
        }
        let unwrapped = try #require(error)
        #expect(malformed.matches(unwrapped), "\(unwrapped)")
        #expect(unwrapped.description.hasPrefix(unwrapped.path + ": "))
        #expect(unwrapped.path.hasSuffix("/bad.safetensors"))
        if let tensor = malformed.tensor {
            #expect(unwrapped.description.contains("'\(tensor)'"), "\(unwrapped)")
        }
    }

    @Test(arguments: [
        (safetensorsBytes(header: "{\"text.ctx\": {\(f32x6), \"data_offsets\": [0, 40]}}", data: zeros24 + zeros24[..<16]),
         "model.safetensors: tensor 'text.ctx': data_offsets [0, 40] hold 40 bytes but F32 × [2, 3] needs 24"),
        (safetensorsBytes(header: "{\"text.ctx\": {\(f32x6), \"data_offsets\": [0, 24]}}", data: Array(zeros24[..<10])),
         "model.safetensors: truncated file: tensor 'text.ctx' needs a file of at least 104 bytes but it has 90"),
        (littleEndianBytes([100] as [UInt64]) + Array("{}".utf8),
         "model.safetensors: truncated file: the header needs a file of at least 108 bytes but it has 10"),
        (safetensorsBytes(header: "{\n\"a\": 1\n\"b\": 2}"),
         "model.safetensors: header is not valid JSON: line 3, column 1: expected ',' or '}' in object"),
        (safetensorsBytes(header: #"{"a": {"dtype": "Q4", "shape": [], "data_offsets": [0, 1]}}"#, data: [0]),
         "model.safetensors: tensor 'a': unknown dtype 'Q4' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"),
        (safetensorsBytes(header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "b": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}"#, data: [0]),
         "model.safetensors: tensor 'b' overlaps tensor 'a' in the data buffer"),
    ])
    func describesErrorsForUsers(bytes: [UInt8], description: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/model.safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: path) }
            #expect(error?.description == directory + "/" + description)
        }
    }
}

extension SafeTensorsError {
    /// The file every case names.
    var path: String {
        switch self {
        case .unreadable(let path, _), .tooShort(let path, _), .headerTooLarge(let path, _),
             .truncatedHeader(let path, _, _), .invalidHeader(let path, _), .headerNotObject(let path),
             .invalidMetadata(let path, _), .duplicateTensor(let path, _), .invalidEntry(let path, _, _),
             .unknownDType(let path, _, _), .negativeDimension(let path, _, _),
             .invalidOffsets(let path, _, _, _), .truncatedData(let path, _, _, _),
             .sizeMismatch(let path, _, _, _, _, _), .overlappingTensors(let path, _, _),
             .unusedBytes(let path, _, _), .missingTensor(let path, _), .dtypeMismatch(let path, _, _, _):
            path
        }
    }
}
