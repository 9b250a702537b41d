extension Tensor {
    /// A constant tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: [Float](repeating: 0, count: shape.product))
    }

    /// A constant tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        full(shape, 1)
    }

    /// A constant tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, values: [Float](repeating: value, count: shape.product))
    }
}
