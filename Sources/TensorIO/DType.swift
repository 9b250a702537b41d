#if _endian(big)
#error("TensorIO reads and writes little-endian tensor data with plain copies; big-endian hosts are unsupported")
#endif

/// An element type of a safetensors tensor, spelled as in the file header.
public enum DType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .F64, .I64: 8
        case .F32, .I32: 4
        case .F16, .BF16, .I16: 2
        case .I8, .U8, .BOOL: 1
        }
    }

    /// Whether elements are floating-point numbers (read with `floats(_:)`); the others are
    /// integers or Booleans (read with `int64s(_:)`).
    public var isFloatingPoint: Bool {
        switch self {
        case .F64, .F32, .F16, .BF16: true
        case .I64, .I32, .I16, .I8, .U8, .BOOL: false
        }
    }
}
