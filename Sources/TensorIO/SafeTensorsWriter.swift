/// Writes safetensors files that Python's `safetensors` (and so PyTorch) can load.
///
/// Tensors are laid out in sorted-name order, so equal inputs give byte-identical files.
/// The header is compact JSON (`__metadata__` first, then tensors by name) padded with spaces
/// to a multiple of 8 bytes, as the reference Rust implementation does, which keeps the data
/// buffer 8-byte aligned in the file.
public enum SafeTensorsWriter {
    /// Writes `tensors` and `metadata` to `path` atomically (see ``AtomicFile``).
    ///
    /// - Precondition: each payload's element count equals the product of its shape, and no
    ///   tensor is named `__metadata__`.
    /// - Throws: ``AtomicFileError`` if the file cannot be written; `path` is then unchanged.
    public static func write(_ tensors: [String: TensorPayload], metadata: [String: String] = [:],
                             to path: String) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata`.
    ///
    /// - Precondition: as for ``write(_:metadata:to:)``.
    public static func encode(_ tensors: [String: TensorPayload], metadata: [String: String] = [:]) -> [UInt8] {
        let names = tensors.keys.sorted()
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            precondition(name != "__metadata__", "SafeTensorsWriter: '__metadata__' is reserved, not a tensor name")
            precondition(tensor.shape.allSatisfy { $0 >= 0 } && tensor.count == tensor.shape.reduce(1, *),
                         "SafeTensorsWriter: tensor '\(name)' has \(tensor.count) values but shape \(tensor.shape)")
            let byteCount = tensor.count * tensor.dtype.byteSize
            header[name] = [
                "dtype": .string(tensor.dtype.rawValue),
                "shape": .array(tensor.shape.map { .int(Int64($0)) }),
                "data_offsets": [.int(Int64(offset)), .int(Int64(offset + byteCount))],
            ]
            offset += byteCount
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))

        let length = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init)
        // Raw copies: appending an UnsafeRawBufferPointer to an array goes byte by byte.
        return [UInt8](unsafeUninitializedCapacity: 8 + headerBytes.count + offset) { buffer, count in
            func append(_ bytes: UnsafeRawBufferPointer) {
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[count...])
                    .copyMemory(from: bytes)
                count += bytes.count
            }
            length.withUnsafeBytes(append)
            headerBytes.withUnsafeBytes(append)
            for name in names { tensors[name]!.withUnsafeBytes(append) }
        }
    }
}
