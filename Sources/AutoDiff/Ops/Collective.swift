// Collectives as recorded ops: one run's images or classes ("units") split over the ranks of a
// group, with every cross-rank sum in fixed point so that the bits do not depend on the split.
//
// Four ops, two dual pairs (each op's backward is the other op of its pair, itself recorded,
// so second-order graphs and their double backward stay exact across ranks):
//
//   gatherUnits   [local, …] → [total, …]   every rank's block, in unit order
//   shardUnits    [total, …] → [local, …]   this rank's block        (adjoint of gather)
//   replicated    […]        → [local, …]   one copy per local unit
//   unitSum       [local, …] → […]          Σ over all units, fixed point (adjoint of replicate)
//
// A replicated tensor (the same on every rank) used by per-unit work enters it through
// `replicated`; per-unit results leave through `gatherUnits`. A replicated tensor's gradient
// is then complete and the same on every rank: `unitSum` adds up the units' contributions.

/// The ranks that share one run's units, as the collective ops see them. Collectives must be
/// entered by every rank of the group in the same order; an implementation that cannot
/// complete one ends the job (a graph op cannot throw).
public protocol ShardGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's `buffer` (equal lengths), concatenated in rank order.
    func allGather(_ buffer: [Float]) -> [Float]
    /// Element-wise maximum over the ranks, in place.
    func allReduceMax(_ buffer: inout [Float])
    /// Element-wise integer sum over the ranks, in place (exact and associative).
    func allReduceSum(_ buffer: inout [Int64])
}

/// The group of one process: collectives are identities.
public final class SingleProcessGroup: ShardGroup {
    public static let shared = SingleProcessGroup()
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ buffer: [Float]) -> [Float] { buffer }
    public func allReduceMax(_ buffer: inout [Float]) {}
    public func allReduceSum(_ buffer: inout [Int64]) {}
}

/// `total` units split over a group in contiguous blocks, the first `total % size` ranks one
/// unit more (a rank's block may be empty when there are more ranks than units).
public struct UnitSharding: @unchecked Sendable {
    public let total: Int
    public let group: any ShardGroup

    public init(total: Int, group: any ShardGroup) {
        precondition(total >= 0, "sharding \(total) units")
        self.total = total
        self.group = group
    }

    /// The units of rank `r`.
    public func block(_ r: Int) -> Range<Int> {
        let (q, extra) = total.quotientAndRemainder(dividingBy: group.size)
        let lower = r * q + Swift.min(r, extra)
        return lower..<(lower + q + (r < extra ? 1 : 0))
    }

    /// This rank's units.
    public var local: Range<Int> { block(group.rank) }
    /// The largest block (every rank exchanges that many slots).
    public var slots: Int { (total + group.size - 1) / group.size }

    /// This rank's rows of a product with `perUnit` rows per unit, among every rank's.
    public func rows(perUnit: Int) -> RowBlock {
        RowBlock(start: local.lowerBound * perUnit, total: total * perUnit)
    }
}

extension Tensor {
    /// Every rank's block [local, …] concatenated in unit order → [total, …], the same on every
    /// rank. Backward: this rank's block of the gradient (`shardUnits`).
    public func gatherUnits(_ units: UnitSharding) -> Tensor {
        let inner = Array(shape.dropFirst())
        precondition(shape.first == units.local.count, "gatherUnits: \(shape) for \(units.local.count) local of \(units.total) units")
        if units.group.size == 1 { return self }
        let width = inner.product, slots = units.slots
        var padded = storage
        padded.append(contentsOf: repeatElement(0, count: (slots - units.local.count) * width))
        let all = units.group.allGather(padded)
        var values: [Float] = []
        values.reserveCapacity(units.total * width)
        for r in 0..<units.group.size {
            let start = r * slots * width
            values.append(contentsOf: all[start ..< start + units.block(r).count * width])
        }
        return Tensor.record("gatherUnits", shape: [units.total] + inner, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.shardUnits(units)]
        }
    }

    /// This rank's block [local, …] of a tensor [total, …] that is the same on every rank.
    /// Backward: the blocks' gradients gathered (`gatherUnits`), since every rank's block
    /// contributes to the replicated input.
    public func shardUnits(_ units: UnitSharding) -> Tensor {
        precondition(shape.first == units.total, "shardUnits: \(shape) for \(units.total) units")
        if units.group.size == 1 { return self }
        let local = units.local, inner = Array(shape.dropFirst()), width = inner.product
        let values = Array(storage[(local.lowerBound * width) ..< (local.upperBound * width)])
        return Tensor.record("shardUnits", shape: [local.count] + inner, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.gatherUnits(units)]
        }
    }

    /// One copy of this (replicated) tensor per local unit: [local] + shape.
    /// Backward: the units' gradients summed over every rank (`unitSum`).
    public func replicated(_ units: UnitSharding) -> Tensor {
        let n = units.local.count
        let values = makeStorage(n * count) { out in
            storage.withUnsafeBufferPointer { src in
                for u in 0..<n { (out + u * count).update(from: src.baseAddress!, count: count) }
            }
        }
        return Tensor.record("replicated", shape: [n] + shape, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.unitSum(units)]
        }
    }

    /// Σ over all `total` units of per-unit terms [local, …] → […], the same bits on every
    /// rank and for every split of the units.
    ///
    /// Float addition is not associative, so the terms are summed in 64-bit fixed point with
    /// one power-of-two scale, chosen from the exact maximum magnitude over all units so that
    /// `total` scaled terms cannot overflow (|x·s| < 2⁶²/total). A term below max·2⁻³⁸ loses
    /// low bits in the conversion (≤ 2⁻⁶²·total·max absolute); Float32 keeps 24, so the sum is
    /// within an ulp of the exact one. With a single unit there is nothing to add: its term is
    /// returned exactly. A NaN or infinite term makes every entry NaN.
    /// Cost: an all-reduce of one float and one of `count / local` integers.
    /// Backward: the gradient copied to every local unit (`replicated`).
    public func unitSum(_ units: UnitSharding) -> Tensor {
        let n = units.local.count
        precondition(shape.first == n, "unitSum: \(shape) for \(n) local of \(units.total) units")
        let inner = Array(shape.dropFirst()), width = inner.product
        let values = Self.fixedPointSum(storage, units: n, width: width, total: units.total, group: units.group)
        return Tensor.record("unitSum", shape: inner, storage: values, inputs: [self], keeping: [false]) { g, _, _, _ in
            [g.replicated(units)]
        }
    }

    static func fixedPointSum(_ x: [Float], units n: Int, width: Int, total: Int, group: any ShardGroup) -> [Float] {
        var largest: Float = 0, poison: Float = 0
        for v in x { largest = Swift.max(largest, v.magnitude); poison += v * 0 }
        var maximum = [poison.isNaN ? Float.infinity : largest]
        group.allReduceMax(&maximum)
        if !maximum[0].isFinite { return [Float](repeating: .nan, count: width) }
        // |x·2^k| < 2^(62 − ⌈log2 total⌉) for |x| ≤ max < 2^(e+1).
        let headroom = 62 - (Int.bitWidth - (Swift.max(total, 1) - 1).leadingZeroBitCount)
        let exponent = maximum[0] > 0 ? headroom - (Int(maximum[0].exponent) + 1) : 0
        let scale = Double(sign: .plus, exponent: exponent, significand: 1)
        var sums = [Int64](repeating: 0, count: width)
        if total == 1 {
            // One term: exact, whichever rank holds it (the others add zero).
            if n == 1 { for i in 0..<width { sums[i] = Int64(x[i].bitPattern) } }
            group.allReduceSum(&sums)
            return sums.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        }
        x.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { sums in
                for u in 0..<n {
                    let row = x.baseAddress! + u * width
                    for i in 0..<width { sums[i] &+= fixedPoint(Double(row[i]) * scale) }
                }
            }
        }
        group.allReduceSum(&sums)
        let unscale = Double(sign: .plus, exponent: -exponent, significand: 1)
        return sums.map { Float(Double($0) * unscale) }
    }

    /// y rounded half to even, as an integer (|y| < 2⁶³), without a libm call: below 2⁵²
    /// adding and subtracting 2⁵² rounds |y| to an integer; from 2⁵² on every double is one.
    @inline(__always)
    static func fixedPoint(_ y: Double) -> Int64 {
        let a = y.magnitude, big: Double = 4_503_599_627_370_496  // 2⁵²
        let r = a < big ? (a + big) - big : a
        return Int64(y < 0 ? -r : r)
    }
}
