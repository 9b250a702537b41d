/// Why a safetensors file cannot be read, or a tensor cannot be read from it.
///
/// Every case names the file; cases about one tensor name it too. The description is a
/// sentence for the user, e.g. `model.safetensors: tensor 'text.ctx': data_offsets [0, 40]
/// hold 40 bytes but F32 × [2, 3] needs 24`.
public enum SafeTensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or mapped; `reason` is the system's (`strerror`) text.
    case unreadable(path: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case tooShort(path: String, size: Int)
    /// The header length exceeds the 100 MB limit (the reference implementation's).
    case headerTooLarge(path: String, length: UInt64)
    /// The header length runs past the end of the file.
    case truncatedHeader(path: String, headerLength: Int, fileSize: Int)
    /// The header is not valid UTF-8 JSON.
    case invalidHeader(path: String, error: JSONError)
    /// The header is JSON but not an object.
    case headerNotObject(path: String)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(path: String, reason: String)
    /// Two entries in the header have the same name.
    case duplicateTensor(path: String, name: String)
    /// An entry lacks `dtype`, `shape` or `data_offsets`, or one of them has the wrong type.
    case invalidEntry(path: String, name: String, reason: String)
    /// The entry's `dtype` is not one of ``DType``.
    case unknownDType(path: String, name: String, dtype: String)
    /// The entry's shape has a negative dimension.
    case negativeDimension(path: String, name: String, shape: [Int])
    /// The entry's `data_offsets` are negative or begin after they end.
    case invalidOffsets(path: String, name: String, begin: Int, end: Int)
    /// The entry ends beyond the data buffer: the file holds `found` bytes but needs `expected`.
    case truncatedData(path: String, name: String, expected: Int, found: Int)
    /// The entry's byte count is not `dtype.byteSize × shape.product`.
    case sizeMismatch(path: String, name: String, dtype: DType, shape: [Int], begin: Int, end: Int)
    /// Two entries share bytes of the data buffer.
    case overlappingTensors(path: String, name: String, other: String)
    /// Bytes `begin..<end` of the data buffer belong to no tensor (the format forbids holes).
    case unusedBytes(path: String, begin: Int, end: Int)
    /// The file has no tensor of that name.
    case missingTensor(path: String, name: String)
    /// The tensor's dtype cannot be read as the requested kind of number.
    case dtypeMismatch(path: String, name: String, dtype: DType, requested: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "\(path): cannot read safetensors file: \(reason)"
        case .tooShort(let path, let size):
            "\(path): not a safetensors file: \(size) bytes, shorter than the 8-byte header length"
        case .headerTooLarge(let path, let length):
            "\(path): header length \(length) exceeds the 100000000-byte limit (not a safetensors file?)"
        case .truncatedHeader(let path, let headerLength, let fileSize):
            "\(path): truncated file: the header needs a file of at least \(8 + headerLength) bytes but it has \(fileSize)"
        case .invalidHeader(let path, let error):
            "\(path): header is not valid JSON: \(error)"
        case .headerNotObject(let path):
            "\(path): header is not a JSON object"
        case .invalidMetadata(let path, let reason):
            "\(path): __metadata__ must map strings to strings: \(reason)"
        case .duplicateTensor(let path, let name):
            "\(path): tensor '\(name)' appears twice in the header"
        case .invalidEntry(let path, let name, let reason):
            "\(path): tensor '\(name)': \(reason)"
        case .unknownDType(let path, let name, let dtype):
            "\(path): tensor '\(name)': unknown dtype '\(dtype)' (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .negativeDimension(let path, let name, let shape):
            "\(path): tensor '\(name)': shape \(shape) has a negative dimension"
        case .invalidOffsets(let path, let name, let begin, let end):
            "\(path): tensor '\(name)': data_offsets [\(begin), \(end)] must be non-negative with begin ≤ end"
        case .truncatedData(let path, let name, let expected, let found):
            "\(path): truncated file: tensor '\(name)' needs a file of at least \(expected) bytes but it has \(found)"
        case .sizeMismatch(let path, let name, let dtype, let shape, let begin, let end):
            "\(path): tensor '\(name)': data_offsets [\(begin), \(end)] hold \(end - begin) bytes but \(dtype) × \(shape) needs \(Self.byteCount(dtype, shape).map(String.init) ?? "more than Int.max")"
        case .overlappingTensors(let path, let name, let other):
            "\(path): tensor '\(name)' overlaps tensor '\(other)' in the data buffer"
        case .unusedBytes(let path, let begin, let end):
            "\(path): bytes \(begin)..<\(end) of the data buffer belong to no tensor"
        case .missingTensor(let path, let name):
            "\(path): no tensor named '\(name)'"
        case .dtypeMismatch(let path, let name, let dtype, let requested):
            "\(path): tensor '\(name)' is \(dtype), which cannot be read as \(requested)"
        }
    }

    /// `dtype.byteSize × shape.product`, or `nil` on overflow.
    static func byteCount(_ dtype: DType, _ shape: [Int]) -> Int? {
        var count = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
