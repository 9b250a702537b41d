import AutoDiff
import Foundation
import MetaLearning
import Testing
import TestSupport

/// Spherical k-means (k-means++ seeding, Lloyd iterations on cosine similarity), as GRAM's
/// domain structure uses it.
@Suite struct KMeansTests {
    /// `perCluster` noisy copies of each basis direction eᵢ (i < clusters) in `width`
    /// dimensions, in cluster order, with norms spread over [0.5, 2].
    static func separated(clusters: Int, perCluster: Int, width: Int, noise: Float, seed: UInt64) -> [[Float]] {
        var stream = RandomStream(seed: seed, 1)
        return (0..<clusters).flatMap { c in
            (0..<perCluster).map { _ in
                let scale = 0.5 + 1.5 * stream.uniformFloat()
                return (0..<width).map { j in scale * ((j == c ? 1 : 0) + noise * stream.normalFloat()) }
            }
        }
    }

    static func random(_ n: Int, width: Int, seed: UInt64) -> [[Float]] {
        var stream = RandomStream(seed: seed, 2)
        return (0..<n).map { _ in (0..<width).map { _ in stream.normalFloat() } }
    }

    /// The clusters as a set of member sets (independent of how they are numbered).
    static func partition(_ assignments: [Int]) -> Set<Set<Int>> {
        Set(Dictionary(grouping: assignments.indices) { assignments[$0] }.values.map(Set.init))
    }

    static func unit(_ x: [Double]) -> [Double] {
        let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return x.map { $0 / norm }
    }

    static func normalised(_ v: [Float]) -> [Double] { unit(v.map(Double.init)) }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        zip(normalised(a), normalised(b)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    // Float32 sums of ≤ 24 unit vectors, then a normalisation: ≲ 24·2⁻²⁴ ≈ 1.4·10⁻⁶ relative
    // in the worst case; entries of unit vectors are ≤ 1, so 2·10⁻⁶ absolute.
    static let unitVectorTolerance = Tolerance(atol: 2e-6, rtol: 0)

    @Test func wellSeparatedClustersAreRecovered() {
        let rows = Self.separated(clusters: 3, perCluster: 5, width: 4, noise: 0.05, seed: 1)
        var stream = RandomStream(seed: 1, 3)
        let result = KMeans(rows: rows, k: 3, stream: &stream)
        #expect(Self.partition(result.assignments) == [Set(0..<5), Set(5..<10), Set(10..<15)])
        // Each centroid is one of the three directions: noise 0.05 per coordinate keeps the
        // mean of five noisy unit vectors within a few degrees of its axis.
        for centroid in result.centroids {
            #expect(centroid.count == 4)
            #expect((0..<3).contains { axis in Self.cosine(centroid, (0..<4).map { $0 == axis ? 1 : 0 }) > 0.99 }, "\(centroid)")
        }
    }

    /// Rows of any norm: scaling rows by positive factors does not change the clusters.
    @Test func clustersDoNotDependOnTheRowsNorms() {
        let rows = Self.separated(clusters: 3, perCluster: 4, width: 3, noise: 0.1, seed: 2)
        let scaled = rows.enumerated().map { i, row in row.map { $0 * [1e-3, 1, 1e3][i % 3] } }
        var a = RandomStream(seed: 2, 3), b = a
        let plain = KMeans(rows: rows, k: 3, stream: &a), rescaled = KMeans(rows: scaled, k: 3, stream: &b)
        #expect(Self.partition(plain.assignments) == Self.partition(rescaled.assignments))
        #expect(Self.partition(plain.assignments) == [Set(0..<4), Set(4..<8), Set(8..<12)])
    }

    @Test func theSameStreamGivesTheSameClustersAndLeavesItInTheSameState() {
        let rows = Self.random(30, width: 5, seed: 3)
        var a = RandomStream(seed: 3, 3), b = a
        let first = KMeans(rows: rows, k: 4, stream: &a), second = KMeans(rows: rows, k: 4, stream: &b)
        #expect(first.assignments == second.assignments)
        #expect(first.centroids == second.centroids)
        #expect(a == b)
    }

    /// At convergence every row is with its most similar centroid and every centroid is the
    /// normalised mean of its (normalised) members: a fixed point of Lloyd's two steps.
    @Test func convergedClustersAssignEachRowToItsNearestCentroid() {
        let rows = Self.random(24, width: 3, seed: 4)
        var stream = RandomStream(seed: 4, 3)
        let result = KMeans(rows: rows, k: 4, stream: &stream)
        #expect(result.assignments.count == 24 && result.centroids.count == 4)
        for (i, row) in rows.enumerated() {
            let similarities = result.centroids.map { Self.cosine(row, $0) }
            // Cosines of unit 3-vectors in Float32 are within a few 10⁻⁷ of these: 10⁻⁶ slack.
            #expect(similarities[result.assignments[i]] >= similarities.max()! - 1e-6, "row \(i): \(similarities), assigned \(result.assignments[i])")
        }
        for c in 0..<4 {
            let members = rows.indices.filter { result.assignments[$0] == c }
            #expect(!members.isEmpty, "cluster \(c)")
            let sum = members.reduce(into: [Double](repeating: 0, count: 3)) { s, i in
                for (j, x) in Self.normalised(rows[i]).enumerated() { s[j] += x }
            }
            let mean = Self.unit(sum)
            let worst = compare(result.centroids[c].map(Double.init), mean, Self.unitVectorTolerance)
            #expect(worst.passes, "centroid \(c): \(worst)")
        }
    }

    @Test func oneClusterHoldsEveryRowAroundTheirNormalisedMean() {
        let rows = Self.random(10, width: 4, seed: 5)
        var stream = RandomStream(seed: 5, 3)
        let result = KMeans(rows: rows, k: 1, stream: &stream)
        #expect(result.assignments == [Int](repeating: 0, count: 10))
        let sum = rows.reduce(into: [Double](repeating: 0, count: 4)) { s, row in
            for (j, x) in Self.normalised(row).enumerated() { s[j] += x }
        }
        let worst = compare(result.centroids[0].map(Double.init), Self.unit(sum), Self.unitVectorTolerance)
        #expect(worst.passes, "\(worst)")
    }

    /// k = n on distinct rows: k-means++ seeds every row (a seeded row's weight is
    /// (1 − cos(x, x))² ≈ 0), so each row is a cluster of its own, centred on its direction.
    @Test func asManyClustersAsRowsPutsEachRowInItsOwnCluster() {
        let rows = Self.random(6, width: 3, seed: 6)
        var stream = RandomStream(seed: 6, 3)
        let result = KMeans(rows: rows, k: 6, stream: &stream)
        #expect(Set(result.assignments) == Set(0..<6))
        for (i, row) in rows.enumerated() {
            let worst = compare(result.centroids[result.assignments[i]].map(Double.init), Self.normalised(row), Self.unitVectorTolerance)
            #expect(worst.passes, "row \(i): \(worst)")
        }
    }

    /// Two identical rows and k = n: seeding runs out of new directions and repeats one, the
    /// repeated centre loses every tie to the lower index, and the empty cluster keeps its centre.
    @Test(arguments: [0, 1, 2, 3, 4] as [UInt64])
    func anEmptyClusterKeepsItsCentre(seed: UInt64) {
        let rows: [[Float]] = [[1, 0], [1, 0], [0, 1]]
        var stream = RandomStream(seed: seed, 3)
        let result = KMeans(rows: rows, k: 3, stream: &stream)
        #expect(result.assignments[0] == result.assignments[1] && result.assignments[0] != result.assignments[2])
        let empty = (0..<3).filter { !result.assignments.contains($0) }
        #expect(empty.count == 1)
        guard let e = empty.first else { return }
        #expect(result.centroids[e] == [1, 0] || result.centroids[e] == [0, 1], "\(result.centroids[e])")
        let twin = result.assignments.first { result.centroids[$0] == result.centroids[e] }
        #expect(twin != nil, "it duplicates a used centre")
        #expect(twin.map { $0 < e } != false, "the duplicate with the higher index is the empty one")
    }

    /// A zero row has no direction: it is similar (0) to every centre equally and goes to the
    /// lowest index, and no centroid becomes NaN.
    @Test func aZeroRowTiesWithEveryCentreAndGoesToClusterZero() {
        var rows = Self.separated(clusters: 2, perCluster: 4, width: 3, noise: 0.05, seed: 7)
        rows.insert([0, 0, 0], at: 3)
        var stream = RandomStream(seed: 7, 3)
        let result = KMeans(rows: rows, k: 2, stream: &stream)
        #expect(result.assignments[3] == 0)
        #expect(result.centroids.allSatisfy { $0.allSatisfy(\.isFinite) }, "\(result.centroids)")
    }
}
