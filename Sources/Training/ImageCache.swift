import AutoDiff

/// Preprocessed images by pair index, the most recently used kept up to a capacity: GRAM's
/// tasks decode their images when they are built, and pairs drawn again soon are not decoded
/// twice. At 224² an image is 602 KB of floats, so the default 256 holds about 150 MB.
/// Used from one thread (a rank's task builder).
public final class ImageCache {
    public static let defaultCapacity = 256
    let capacity: Int
    let load: (Int) throws -> Tensor
    private var entries: [Int: (tensor: Tensor, used: Int)] = [:]
    private var clock = 0
    /// Decodes so far (misses), for tests.
    public private(set) var loads = 0

    /// - Parameter load: the preprocessed image of a pair; its errors pass through.
    public init(capacity: Int, load: @escaping (Int) throws -> Tensor) {
        precondition(capacity >= 1, "an image cache needs room for one image, not \(capacity)")
        self.capacity = capacity
        self.load = load
    }

    /// Pair `i`'s image, from the cache or loaded (evicting the least recently used).
    public func pixels(_ i: Int) throws -> Tensor {
        clock += 1
        if let hit = entries[i] {
            entries[i] = (hit.tensor, clock)
            return hit.tensor
        }
        let tensor = try load(i)
        loads += 1
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
        entries[i] = (tensor, clock)
        return tensor
    }
}
