/// A safetensors file, validated and mapped into memory.
///
/// Layout (Hugging Face safetensors): an 8-byte little-endian `UInt64` header length `N`,
/// `N` bytes of UTF-8 JSON
/// `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "value"}}`, then the data buffer. Offsets are relative to the
/// start of the data buffer; element data is little-endian and row-major.
///
/// Opening checks the whole header against the file, so later reads cannot fail on a
/// malformed file: every entry's dtype, shape and offsets, that its bytes fit the file and
/// match its dtype and shape, and that the tensors cover the data buffer exactly once.
///
/// ```swift
/// let file = try SafeTensorsFile(path: "model.safetensors")
/// let weight = try file.floats("text_model.embeddings.token_embedding.weight")
/// ```
public struct SafeTensorsFile: Sendable {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        /// The element type in the file.
        public let dtype: DType
        /// The dimensions, outermost first; `[]` is a scalar.
        public let shape: [Int]
        /// The entry's bytes, as offsets into the data buffer.
        public let dataOffsets: Range<Int>

        /// The number of elements, the product of ``shape``.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The file's path, as given to ``init(path:)``.
    public let path: String
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// The tensor names, sorted.
    public let names: [String]

    private let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    /// The header length limit of the reference implementation.
    static let maximumHeaderLength = 100_000_000

    /// Maps and validates the file at `path`.
    ///
    /// - Throws: ``SafeTensorsError`` describing the first problem found.
    public init(path: String) throws {
        do {
            file = try MappedFile(path: path)
        } catch {
            throw SafeTensorsError.unreadable(path: path, reason: error.reason)
        }
        self.path = path
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw SafeTensorsError.tooShort(path: path, size: bytes.count) }
        let rawLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard rawLength <= Self.maximumHeaderLength else {
            throw SafeTensorsError.headerTooLarge(path: path, length: rawLength)
        }
        let headerLength = Int(rawLength)
        guard 8 + headerLength <= bytes.count else {
            throw SafeTensorsError.truncatedHeader(path: path, headerLength: headerLength, fileSize: bytes.count)
        }
        dataStart = 8 + headerLength

        let header: JSONValue
        do {
            header = try JSONValue(parsing: UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
        } catch let error as JSONError {
            if let name = error.duplicateKey, error.depth == 1 {
                throw SafeTensorsError.duplicateTensor(path: path, name: name)
            }
            throw SafeTensorsError.invalidHeader(path: path, error: error)
        }
        guard case .object(let object) = header else { throw SafeTensorsError.headerNotObject(path: path) }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(value, path: path)
            } else {
                entries[name] = try Self.parseEntry(name, value, path: path,
                                                     dataSize: bytes.count - dataStart, fileSize: bytes.count)
            }
        }
        try Self.checkCoverage(entries, dataSize: bytes.count - dataStart, path: path)
        self.metadata = metadata
        self.entries = entries
        self.names = entries.keys.sorted()
    }

    // MARK: Reading tensors

    /// Whether the file has a tensor named `name`.
    public func contains(_ name: String) -> Bool {
        entries[name] != nil
    }

    /// The header entry of tensor `name`.
    ///
    /// - Throws: ``SafeTensorsError/missingTensor(path:name:)``.
    public func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(path: path, name: name) }
        return entry
    }

    /// F32 tensor `name`'s elements where they are in the mapped file, without a copy; the
    /// buffer lives as long as the returned ``MappedFile`` (hold it while reading).
    ///
    /// - Throws: ``SafeTensorsError/missingTensor(path:name:)``, or
    ///   ``SafeTensorsError/dtypeMismatch(path:name:dtype:requested:)`` for other dtypes.
    public func mappedFloats(_ name: String) throws -> (values: UnsafeBufferPointer<Float>, owner: MappedFile) {
        let entry = try entry(name)
        guard entry.dtype == .F32 else {
            throw SafeTensorsError.dtypeMismatch(path: path, name: name, dtype: entry.dtype, requested: "F32 in place")
        }
        // Files this project writes pad the header to 8 bytes and lay F32 tensors at multiples
        // of 4; another writer's may not.
        let raw = data(of: entry)
        guard Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0 else {
            throw SafeTensorsError.unreadable(path: path, reason: "tensor '\(name)' is not 4-byte aligned in the file, so it cannot be read in place")
        }
        return (raw.bindMemory(to: Float.self), file)
    }

    /// The elements of floating-point tensor `name`, row-major, as `Float`.
    ///
    /// F32 is copied as is; F16 and BF16 widen exactly; F64 rounds to nearest `Float`.
    ///
    /// - Throws: ``SafeTensorsError/missingTensor(path:name:)``, or
    ///   ``SafeTensorsError/dtypeMismatch(path:name:dtype:requested:)`` for integer tensors.
    public func floats(_ name: String) throws -> [Float] {
        let entry = try entry(name)
        let data = data(of: entry)
        switch entry.dtype {
        case .F32: return copy(data, as: Float.self)
        case .F16: return convert(data, from: UInt16.self, floatFromHalfBits)
        case .BF16: return convert(data, from: UInt16.self, floatFromBFloat16Bits)
        case .F64: return convert(data, from: Double.self) { Float($0) }
        case .I64, .I32, .I16, .I8, .U8, .BOOL:
            throw SafeTensorsError.dtypeMismatch(path: path, name: name, dtype: entry.dtype,
                                                 requested: "floats (F32, F16, BF16 or F64)")
        }
    }

    /// The elements of integer or Boolean tensor `name`, row-major, widened to `Int64`
    /// (Booleans as 0 or 1).
    ///
    /// - Throws: ``SafeTensorsError/missingTensor(path:name:)``, or
    ///   ``SafeTensorsError/dtypeMismatch(path:name:dtype:requested:)`` for float tensors.
    public func int64s(_ name: String) throws -> [Int64] {
        let entry = try entry(name)
        let data = data(of: entry)
        switch entry.dtype {
        case .I64: return copy(data, as: Int64.self)
        case .I32: return convert(data, from: Int32.self) { Int64($0) }
        case .I16: return convert(data, from: Int16.self) { Int64($0) }
        case .I8: return convert(data, from: Int8.self) { Int64($0) }
        case .U8: return convert(data, from: UInt8.self) { Int64($0) }
        case .BOOL: return convert(data, from: UInt8.self) { $0 == 0 ? 0 : 1 }
        case .F64, .F32, .F16, .BF16:
            throw SafeTensorsError.dtypeMismatch(path: path, name: name, dtype: entry.dtype,
                                                 requested: "integers (I64, I32, I16, I8, U8 or BOOL)")
        }
    }

    private func data(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + entry.dataOffsets.lowerBound)..<(dataStart + entry.dataOffsets.upperBound)])
    }

    // Data offsets need not be aligned, hence copies and unaligned loads.
    private func copy<T>(_ data: UnsafeRawBufferPointer, as type: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: data.count / MemoryLayout<T>.size) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: data)
            count = buffer.count
        }
    }

    private func convert<Stored, Result>(
        _ data: UnsafeRawBufferPointer, from type: Stored.Type, _ transform: (Stored) -> Result
    ) -> [Result] {
        let stride = MemoryLayout<Stored>.size
        return (0..<(data.count / stride)).map {
            transform(data.loadUnaligned(fromByteOffset: $0 * stride, as: Stored.self))
        }
    }

    // MARK: Validation

    private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let object) = value else {
            throw SafeTensorsError.invalidMetadata(path: path, reason: "it is not an object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in object {
            guard case .string(let string) = value else {
                throw SafeTensorsError.invalidMetadata(path: path, reason: "the value of '\(key)' is \(value.serialized())")
            }
            metadata[key] = string
        }
        return metadata
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, path: String, dataSize: Int, fileSize: Int) throws -> Entry {
        func invalid(_ reason: String) -> SafeTensorsError {
            .invalidEntry(path: path, name: name, reason: reason)
        }
        guard case .object(let object) = value else {
            throw invalid("entry must be an object with dtype, shape and data_offsets")
        }
        guard let dtypeValue = object["dtype"] else { throw invalid("missing 'dtype'") }
        guard let dtypeName = dtypeValue.stringValue else { throw invalid("'dtype' must be a string") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(path: path, name: name, dtype: dtypeName)
        }
        guard let shapeValue = object["shape"] else { throw invalid("missing 'shape'") }
        guard let shape = shapeValue.arrayValue?.compactMap(\.intValue),
              shape.count == shapeValue.arrayValue?.count
        else { throw invalid("'shape' must be an array of integers") }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsError.negativeDimension(path: path, name: name, shape: shape)
        }
        guard let offsetsValue = object["data_offsets"] else { throw invalid("missing 'data_offsets'") }
        guard let offsets = offsetsValue.arrayValue?.compactMap(\.intValue),
              offsets.count == 2, offsetsValue.arrayValue?.count == 2
        else { throw invalid("'data_offsets' must be an array of two integers") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw SafeTensorsError.invalidOffsets(path: path, name: name, begin: begin, end: end)
        }
        guard end <= dataSize else {
            throw SafeTensorsError.truncatedData(path: path, name: name, expected: fileSize - dataSize + end,
                                                 found: fileSize)
        }
        guard SafeTensorsError.byteCount(dtype, shape) == end - begin else {
            throw SafeTensorsError.sizeMismatch(path: path, name: name, dtype: dtype, shape: shape, begin: begin, end: end)
        }
        return Entry(dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// Checks that the tensors tile the data buffer: no overlaps, no holes, nothing after.
    private static func checkCoverage(_ entries: [String: Entry], dataSize: Int, path: String) throws {
        let ordered = entries.sorted {
            ($0.value.dataOffsets.lowerBound, $0.value.dataOffsets.upperBound, $0.key)
                < ($1.value.dataOffsets.lowerBound, $1.value.dataOffsets.upperBound, $1.key)
        }
        var covered = 0
        var previous: String?
        for (name, entry) in ordered {
            let range = entry.dataOffsets
            if range.lowerBound < covered, let previous {
                throw SafeTensorsError.overlappingTensors(path: path, name: name, other: previous)
            }
            if range.lowerBound > covered {
                throw SafeTensorsError.unusedBytes(path: path, begin: covered, end: range.lowerBound)
            }
            covered = range.upperBound
            if !range.isEmpty { previous = name }
        }
        if covered < dataSize {
            throw SafeTensorsError.unusedBytes(path: path, begin: covered, end: dataSize)
        }
    }
}
