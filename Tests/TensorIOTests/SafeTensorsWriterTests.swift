import Foundation
import Testing
import TensorIO

@Suite struct SafeTensorsWriterTests {
    static let tensors: [String: TensorPayload] = [
        "vision.ctx": .f32([1, -2.5, .infinity, 0x1p-149, -0.0, 3.25], shape: [2, 3]),
        "labels": .i64([.min, -1, 0, .max], shape: [4]),
        "step": .i32([7], shape: []),
        "empty": .f32([], shape: [0, 3]),
        "counts": .i32([-1, 2], shape: [2, 1]),
    ]

    @Test func roundTripsTensorsAndMetadata() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/prompts.safetensors"
            try SafeTensorsWriter.write(Self.tensors, metadata: ["format": "pt", "seed": "1"], to: path)
            let file = try SafeTensorsFile(path: path)
            #expect(file.names == ["counts", "empty", "labels", "step", "vision.ctx"])
            #expect(file.metadata == ["format": "pt", "seed": "1"])

            let floats = try file.floats("vision.ctx")
            #expect(floats.map(\.bitPattern) == [1, -2.5, .infinity, 0x1p-149, -0.0, 3.25].map { Float($0).bitPattern })
            #expect(try file.entry("vision.ctx").shape == [2, 3])
            #expect(try file.int64s("labels") == [.min, -1, 0, .max])
            #expect(try file.entry("labels").dtype == .I64)
            #expect(try file.int64s("step") == [7])
            #expect(try file.entry("step").shape == [])
            #expect(try file.entry("step").dtype == .I32)
            #expect(try file.floats("empty") == [])
            #expect(try file.entry("empty").shape == [0, 3])
            #expect(try file.int64s("counts") == [-1, 2])
        }
    }

    @Test func laysOutTensorsInNameOrderBehindAPaddedHeader() throws {
        let bytes = SafeTensorsWriter.encode(
            ["b": .i32([1], shape: [1]), "a": .f32([2, 3], shape: [2])], metadata: ["format": "pt"])
        let headerLength = Int(bytes[0..<8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(header == json + String(repeating: " ", count: headerLength - json.utf8.count))
        #expect(Array(bytes[(8 + headerLength)...]) == littleEndianBytes([Float(2).bitPattern, Float(3).bitPattern, 1] as [UInt32]))
    }

    @Test func writesIdenticalBytesForEqualInputs() {
        #expect(SafeTensorsWriter.encode(Self.tensors) == SafeTensorsWriter.encode(Self.tensors))
    }

    @Test func writesAnEmptyFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/empty.safetensors"
            try SafeTensorsWriter.write([:], to: path)
            #expect(try SafeTensorsFile(path: path).names == [])
            #expect(FileManager.default.contents(atPath: path) == Data(littleEndianBytes([8] as [UInt64]) + Array("{}      ".utf8)))
        }
    }

    @Test func reportsUnwritablePaths() {
        let error = #expect(throws: AtomicFileError.self) {
            try SafeTensorsWriter.write(Self.tensors, to: "/nonexistent/dir/out.safetensors")
        }
        #expect(error?.path == "/nonexistent/dir/out.safetensors")
    }
}
