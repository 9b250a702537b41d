import AutoDiff

/// The house closeness rule: `|a − b| ≤ max(atol, rtol·max(|a|, |b|))`, evaluated in the
/// precision of the values compared (Float32 or Float64).
///
/// `atol` and `rtol` are kept in Float64, so a tolerance written for Float64 values keeps all
/// its digits; a comparison of Float32 values rounds them to Float32 once, and a tolerance
/// built from Float32 values round-trips exactly.
public struct Tolerance: Sendable, CustomStringConvertible {
    public var atol: Double
    public var rtol: Double

    public init<Value: BinaryFloatingPoint>(atol: Value, rtol: Value) {
        self.atol = Double(atol)
        self.rtol = Double(rtol)
    }

    /// Whether `a` and `b` are close; equal values (infinities included) always are, NaN never.
    public func allows<Value: BinaryFloatingPoint>(_ a: Value, _ b: Value) -> Bool {
        if a == b { return true }
        return Swift.abs(a - b) <= Swift.max(Value(atol), Value(rtol) * Swift.max(Swift.abs(a), Swift.abs(b)))
    }

    /// `|a − b|` as a multiple of what the tolerance allows (≤ 1 passes).
    public func ratio<Value: BinaryFloatingPoint>(_ a: Value, _ b: Value) -> Value {
        if a == b { return 0 }
        if a.isNaN || b.isNaN { return .infinity }
        return Swift.abs(a - b) / Swift.max(Value(atol), Value(rtol) * Swift.max(Swift.abs(a), Swift.abs(b)))
    }

    public var description: String { "atol \(Self.shortest(atol)), rtol \(Self.shortest(rtol))" }

    /// A value that came from Float32 printed as Float32 (`1e-05`, not `9.99999974737875e-06`).
    private static func shortest(_ x: Double) -> String {
        Double(Float(x)) == x ? "\(Float(x))" : "\(x)"
    }
}

/// The worst element of a comparison, for failure messages.
public struct Mismatch<Value: BinaryFloatingPoint & Sendable & CustomStringConvertible>: Sendable, CustomStringConvertible {
    public let index: Int
    public let actual: Value
    public let expected: Value
    public let ratio: Value
    public var passes: Bool { ratio <= 1 }

    public var description: String {
        "worst element \(index): got \(actual), expected \(expected) (\(ratio)× the tolerance)"
    }
}

/// Compares two equally long arrays (Float32 or Float64); returns the worst element.
public func compare<Value>(_ actual: [Value], _ expected: [Value], _ tolerance: Tolerance) -> Mismatch<Value> {
    precondition(actual.count == expected.count, "compare: \(actual.count) vs \(expected.count) values")
    var worst = Mismatch<Value>(index: -1, actual: 0, expected: 0, ratio: 0)
    for i in actual.indices {
        let r = tolerance.ratio(actual[i], expected[i])
        if r > worst.ratio || worst.index < 0 {
            worst = Mismatch(index: i, actual: actual[i], expected: expected[i], ratio: r)
        }
    }
    return worst
}

/// The largest magnitude in `values` (0 for an empty array).
public func maxMagnitude(_ values: [Float]) -> Float {
    values.reduce(0) { Swift.max($0, Swift.abs($1)) }
}
