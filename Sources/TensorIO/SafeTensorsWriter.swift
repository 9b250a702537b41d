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
        for name in names {
            let tensor = tensors[name]!
            precondition(tensor.shape.allSatisfy { $0 >= 0 } && tensor.count == tensor.shape.reduce(1, *),
                         "SafeTensorsWriter: tensor '\(name)' has \(tensor.count) values but shape \(tensor.shape)")
        }
        let (headerBytes, offsets) = header(names.map { ($0, tensors[$0]!.dtype, tensors[$0]!.shape) }, metadata: metadata)
        let offset = offsets.values.map(\.upperBound).max() ?? 0
        // Raw copies: appending an UnsafeRawBufferPointer to an array goes byte by byte.
        return [UInt8](unsafeUninitializedCapacity: headerBytes.count + offset) { buffer, count in
            func append(_ bytes: UnsafeRawBufferPointer) {
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[count...])
                    .copyMemory(from: bytes)
                count += bytes.count
            }
            headerBytes.withUnsafeBytes(append)
            for name in names { tensors[name]!.withUnsafeBytes(append) }
        }
    }

    /// The start of a safetensors file holding tensors of these names, dtypes and shapes: the
    /// 8-byte header length and the padded header, as ``encode(_:metadata:)`` writes them; and
    /// each tensor's byte range in the data that follows (laid out in sorted-name order). A
    /// file written piece by piece (the header, then each tensor's bytes at `header.count +`
    /// its offset) equals the one `encode` makes.
    /// - Precondition: no tensor is named `__metadata__`; shapes are non-negative.
    public static func header(_ tensors: [(name: String, dtype: DType, shape: [Int])], metadata: [String: String] = [:])
        -> (bytes: [UInt8], offsets: [String: Range<Int>]) {
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))
        }
        var offset = 0
        var offsets: [String: Range<Int>] = [:]
        for (name, dtype, shape) in tensors.sorted(by: { $0.name < $1.name }) {
            precondition(name != "__metadata__", "SafeTensorsWriter: '__metadata__' is reserved, not a tensor name")
            precondition(shape.allSatisfy { $0 >= 0 }, "SafeTensorsWriter: tensor '\(name)' has shape \(shape)")
            let byteCount = shape.reduce(1, *) * dtype.byteSize
            header[name] = [
                "dtype": .string(dtype.rawValue),
                "shape": .array(shape.map { .int(Int64($0)) }),
                "data_offsets": [.int(Int64(offset)), .int(Int64(offset + byteCount))],
            ]
            offsets[name] = offset..<(offset + byteCount)
            offset += byteCount
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        return (withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init) + headerBytes, offsets)
    }
}
