import AutoDiff

/// Spherical k-means on L2-normalised feature rows (cosine similarity), seeded with
/// k-means++ from a `RandomStream`, then Lloyd iterations until assignments stop changing.
/// Deterministic for a given stream: ties go to the lower centroid index, sums run in row order.
public struct KMeans {
    /// Cluster index of each row.
    public var assignments: [Int]
    /// Normalised centroids, k rows of the feature width.
    public var centroids: [[Float]]

    /// - Parameters:
    ///   - rows: n feature vectors (any norm; they are normalised here).
    ///   - k: clusters, 1 ≤ k ≤ n.
    public init(rows: [[Float]], k: Int, maxIterations: Int = 100, stream: inout RandomStream) {
        precondition(k >= 1 && k <= rows.count, "k-means with k = \(k) on \(rows.count) rows")
        let x = rows.map(Self.normalised)
        func similarity(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        // k-means++: each next centre drawn with probability ∝ (1 − best cosine)².
        var centres = [x[stream.int(below: x.count)]]
        while centres.count < k {
            let weights = x.map { row in Double(centres.map { 1 - similarity(row, $0) }.min()!).squared }
            let total = weights.reduce(0, +)
            var pick = 0
            if total > 0 {
                var u = stream.uniformDouble() * total
                while pick < weights.count - 1 && u >= weights[pick] { u -= weights[pick]; pick += 1 }
            } else {
                pick = stream.int(below: x.count)
            }
            centres.append(x[pick])
        }
        var assignment = [Int](repeating: -1, count: x.count)
        for _ in 0..<maxIterations {
            let next = x.map { row -> Int in
                var best = 0, bestSimilarity = -Float.infinity
                for c in 0..<k {
                    let s = similarity(row, centres[c])
                    if s > bestSimilarity { (best, bestSimilarity) = (c, s) }
                }
                return best
            }
            if next == assignment { break }
            assignment = next
            for c in 0..<k {
                var sum = [Float](repeating: 0, count: x[0].count)
                var members = 0
                for (i, a) in assignment.enumerated() where a == c {
                    for j in sum.indices { sum[j] += x[i][j] }
                    members += 1
                }
                if members > 0 { centres[c] = Self.normalised(sum) }  // an empty cluster keeps its centre
            }
        }
        assignments = assignment
        centroids = centres
    }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }
}

extension Double {
    fileprivate var squared: Double { self * self }
}
