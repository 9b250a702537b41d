import AutoDiff

/// The house closeness rule: `|a − b| ≤ max(atol, rtol·max(|a|, |b|))`.
public struct Tolerance: Sendable, CustomStringConvertible {
    public var atol: Float
    public var rtol: Float

    public init(atol: Float, rtol: Float) {
        self.atol = atol
        self.rtol = rtol
    }

    public func allows(_ a: Float, _ b: Float) -> Bool {
        ratio(a, b) <= 1
    }

    /// `|a − b|` as a multiple of what the tolerance allows (≤ 1 passes).
    public func ratio(_ a: Float, _ b: Float) -> Float {
        if a == b { return 0 }
        if a.isNaN || b.isNaN { return .infinity }
        return Swift.abs(a - b) / Swift.max(atol, rtol * Swift.max(Swift.abs(a), Swift.abs(b)))
    }

    public var description: String { "atol \(atol), rtol \(rtol)" }
}

/// The worst element of a comparison, for failure messages.
public struct Mismatch: Sendable, CustomStringConvertible {
    public let index: Int
    public let actual: Float
    public let expected: Float
    public let ratio: Float
    public var passes: Bool { ratio <= 1 }

    public var description: String {
        "worst element \(index): got \(actual), expected \(expected) (\(ratio)× the tolerance)"
    }
}

/// Compares two equally long arrays; returns the worst element.
public func compare(_ actual: [Float], _ expected: [Float], _ tolerance: Tolerance) -> Mismatch {
    precondition(actual.count == expected.count, "compare: \(actual.count) vs \(expected.count) values")
    var worst = Mismatch(index: -1, actual: 0, expected: 0, ratio: 0)
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
