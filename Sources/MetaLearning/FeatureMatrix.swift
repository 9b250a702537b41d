/// Feature rows of one width in one flat buffer: in memory, or mapped from a file (the buffer's
/// owner keeps it alive), so clustering millions of pairs reads the features where they are.
// @unchecked: the storage is never written after init.
public struct FeatureMatrix: @unchecked Sendable {
    public let count: Int
    public let width: Int
    let storage: UnsafeBufferPointer<Float>
    let owner: AnyObject

    /// `count` rows of `width` floats at `storage`, valid while `owner` lives.
    public init(count: Int, width: Int, storage: UnsafeBufferPointer<Float>, owner: AnyObject) {
        precondition(storage.count >= count * width, "\(count) rows of \(width) need \(count * width) floats, the buffer holds \(storage.count)")
        self.count = count
        self.width = width
        self.storage = storage
        self.owner = owner
    }

    /// A copy of `rows` (each of the same width).
    public init(_ rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "feature rows of different widths")
        let box = Storage(rows.flatMap { $0 })
        self.init(count: rows.count, width: width, storage: box.buffer, owner: box)
    }

    /// Row `i`.
    public subscript(i: Int) -> UnsafeBufferPointer<Float> { UnsafeBufferPointer(rebasing: storage[(i * width)..<((i + 1) * width)]) }

    final class Storage {
        let values: UnsafeMutableBufferPointer<Float>
        var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(values) }
        init(_ array: [Float]) {
            values = .allocate(capacity: max(array.count, 1))
            _ = values.initialize(from: array)
        }
        deinit { values.deallocate() }
    }
}
