/// A tensor to write to a safetensors file: row-major elements and their shape.
///
/// The element count must equal the product of the shape (`[]` is a scalar with one element);
/// ``SafeTensorsWriter`` checks this as a precondition.
public enum TensorPayload: Sendable {
    case f32([Float], shape: [Int])
    case i64([Int64], shape: [Int])
    case i32([Int32], shape: [Int])

    /// The dtype written to the header.
    public var dtype: DType {
        switch self {
        case .f32: .F32
        case .i64: .I64
        case .i32: .I32
        }
    }

    /// The dimensions, outermost first.
    public var shape: [Int] {
        switch self {
        case .f32(_, let shape), .i64(_, let shape), .i32(_, let shape): shape
        }
    }

    /// The number of elements held.
    var count: Int {
        switch self {
        case .f32(let values, _): values.count
        case .i64(let values, _): values.count
        case .i32(let values, _): values.count
        }
    }

    /// Calls `body` with the elements' bytes (little-endian on every supported host).
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .f32(let values, _): try values.withUnsafeBytes(body)
        case .i64(let values, _): try values.withUnsafeBytes(body)
        case .i32(let values, _): try values.withUnsafeBytes(body)
        }
    }
}
