/// Named tensors laid end to end in one flat buffer, in a fixed order: how a step's per-task
/// gradients (and their scalar losses) travel through a reduction as one vector.
///
/// Each entry is one segment (`segments[i]` holds entry i's values), so a reduction can pick
/// a scale per tensor.
public struct FlatLayout: Sendable, Equatable {
    public let names: [String]
    public let shapes: [[Int]]
    public let segments: [Range<Int>]
    /// Values in all.
    public let count: Int

    /// Each tensor group in turn, its tensors in sorted-name order, then one scalar (shape [])
    /// per name.
    public init(_ groups: [[String: Tensor]], scalars: [String] = []) {
        let entries = groups.flatMap { g in g.keys.sorted().map { (name: $0, shape: g[$0]!.shape) } } + scalars.map { (name: $0, shape: [Int]()) }
        var segments: [Range<Int>] = [], offset = 0
        for (_, shape) in entries {
            segments.append(offset..<(offset + shape.product))
            offset += shape.product
        }
        names = entries.map(\.name)
        shapes = entries.map(\.shape)
        self.segments = segments
        count = offset
    }

    /// The values of `tensors` (which must hold every entry, with its shape) in layout order.
    public func pack(_ tensors: [String: Tensor]) -> [Float] {
        var flat: [Float] = []
        flat.reserveCapacity(count)
        for (name, shape) in zip(names, shapes) {
            guard let t = tensors[name] else { preconditionFailure("packing: no value for '\(name)'") }
            precondition(t.shape == shape, "\(name): shape \(t.shape), the layout has \(shape)")
            flat += t.storage
        }
        return flat
    }

    /// Every entry back from a flat buffer of this layout.
    public func unpack(_ flat: [Float]) -> [String: Tensor] {
        precondition(flat.count == count, "unpacking \(flat.count) values, the layout has \(count)")
        var out: [String: Tensor] = [:]
        for (i, name) in names.enumerated() { out[name] = Tensor(shape: shapes[i], values: Array(flat[segments[i]])) }
        return out
    }
}
