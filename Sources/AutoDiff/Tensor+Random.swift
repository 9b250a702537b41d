extension Tensor {
    /// A constant tensor of independent N(0, std²) draws from `stream`.
    public static func normal(_ shape: [Int], std: Float = 1, stream: inout RandomStream) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.product).map { _ in stream.normalFloat() * std })
    }

    /// A constant tensor of independent U[low, high) draws from `stream`.
    public static func uniform(_ shape: [Int], _ low: Float = 0, _ high: Float = 1,
                               stream: inout RandomStream) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.product).map { _ in low + (high - low) * stream.uniformFloat() })
    }
}
