import AutoDiff

/// Spherical k-means on L2-normalised feature rows (cosine similarity), seeded with
/// k-means++ from a `RandomStream`, then Lloyd iterations until assignments stop changing.
/// Deterministic for a given stream: ties go to the lower centroid index, sums run in row order.
///
/// Memory: the rows are read where they are (``FeatureMatrix``, e.g. a mapped feature file),
/// each normalised as it is read; per row only its norm, its k-means++ weight and its
/// assignment are held.
public struct KMeans {
    /// Cluster index of each row.
    public var assignments: [Int]
    /// Normalised centroids, k rows of the feature width.
    public var centroids: [[Float]]

    /// - Parameters:
    ///   - rows: n feature vectors (any norm; they are normalised here).
    ///   - k: clusters, 1 ≤ k ≤ n.
    public init(rows: [[Float]], k: Int, maxIterations: Int = 100, stream: inout RandomStream) {
        self.init(rows: FeatureMatrix(rows), subset: Array(rows.indices), k: k, maxIterations: maxIterations, stream: &stream)
    }

    /// Clusters the rows `subset` of `rows` (assignments follow `subset`'s order).
    public init(rows: FeatureMatrix, subset: [Int], k: Int, maxIterations: Int = 100, stream: inout RandomStream) {
        precondition(k >= 1 && k <= subset.count, "k-means with k = \(k) on \(subset.count) rows")
        let width = rows.width
        let norms = subset.map { Self.norm(rows[$0]) }
        /// Element j of row `i` of the subset, normalised.
        @inline(__always) func element(_ v: UnsafeBufferPointer<Float>, _ norm: Float, _ j: Int) -> Float { norm > 0 ? v[j] / norm : v[j] }
        /// The cosine of row `i` of the subset and a normalised centre, summed in order.
        func similarity(_ i: Int, _ centre: [Float]) -> Float {
            let v = rows[subset[i]], n = norms[i]
            var s: Float = 0
            for j in 0..<width { s += element(v, n, j) * centre[j] }
            return s
        }
        func normalisedRow(_ i: Int) -> [Float] {
            let v = rows[subset[i]], n = norms[i]
            return (0..<width).map { element(v, n, $0) }
        }
        // k-means++: each next centre drawn with probability ∝ (1 − best cosine)².
        var centres = [normalisedRow(stream.int(below: subset.count))]
        var best = [Float](repeating: .infinity, count: subset.count)  // min over the centres of 1 − cosine
        while centres.count < k {
            let newest = centres[centres.count - 1]
            var weights = [Double](repeating: 0, count: subset.count)
            for i in subset.indices {
                best[i] = min(best[i], 1 - similarity(i, newest))
                weights[i] = Double(best[i]).squared
            }
            let total = weights.reduce(0, +)
            var pick = 0
            if total > 0 {
                var u = stream.uniformDouble() * total
                while pick < weights.count - 1 && u >= weights[pick] { u -= weights[pick]; pick += 1 }
            } else {
                pick = stream.int(below: subset.count)
            }
            centres.append(normalisedRow(pick))
        }
        var assignment = [Int](repeating: -1, count: subset.count)
        for _ in 0..<maxIterations {
            var next = [Int](repeating: 0, count: subset.count)
            for i in subset.indices {
                var bestCentre = 0, bestSimilarity = -Float.infinity
                for c in 0..<k {
                    let s = similarity(i, centres[c])
                    if s > bestSimilarity { (bestCentre, bestSimilarity) = (c, s) }
                }
                next[i] = bestCentre
            }
            if next == assignment { break }
            assignment = next
            // Each centre's sum over its rows in row order.
            var sums = [[Float]](repeating: [Float](repeating: 0, count: width), count: k)
            var members = [Int](repeating: 0, count: k)
            for (i, c) in assignment.enumerated() {
                let v = rows[subset[i]], n = norms[i]
                for j in 0..<width { sums[c][j] += element(v, n, j) }
                members[c] += 1
            }
            for c in 0..<k where members[c] > 0 { centres[c] = Self.normalised(sums[c]) }  // an empty cluster keeps its centre
        }
        assignments = assignment
        centroids = centres
    }

    /// √(Σ vᵢ²), summed in order.
    static func norm<C: Collection>(_ v: C) -> Float where C.Element == Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = Self.norm(v)
        return norm > 0 ? v.map { $0 / norm } : v
    }
}

extension Double {
    fileprivate var squared: Double { self * self }
}
