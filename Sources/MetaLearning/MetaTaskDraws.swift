import AutoDiff

/// The random choices of one ProMetaR virtual task on a batch.
public struct MetaTaskDraws: Sendable, Equatable {
    /// The class whose images form the query set.
    public var queryClass: Int
    /// Batch indices of the query (label == queryClass) and support (the rest), ascending.
    public var queryIndices: [Int]
    public var supportIndices: [Int]
    /// Mixup weight per query sample.
    public var lambda: [Float]
    /// Per query sample, the index into the support set of its mixup partner.
    public var mixIndices: [Int]

    /// The split of `labels` for `queryClass`, with explicit mixup draws (e.g. replayed).
    public init(labels: [Int], queryClass: Int, lambda: [Float], mixIndices: [Int]) {
        let query = labels.indices.filter { labels[$0] == queryClass }
        let support = labels.indices.filter { labels[$0] != queryClass }
        precondition(!query.isEmpty && !support.isEmpty,
                     "query class \(queryClass) must split the batch labels \(labels) into two non-empty sets")
        precondition(lambda.count == query.count && mixIndices.count == query.count,
                     "\(query.count) query samples need as many λ and mix indices, got \(lambda.count) and \(mixIndices.count)")
        precondition(mixIndices.allSatisfy { $0 >= 0 && $0 < support.count }, "mix index outside the support set of \(support.count)")
        self.queryClass = queryClass
        queryIndices = query
        supportIndices = support
        self.lambda = lambda
        self.mixIndices = mixIndices
    }

    /// Draws a task as the official trainer does: the query class is the first of a random
    /// permutation of the sorted distinct labels; λ ~ Beta(α, β) and a uniform support
    /// partner per query sample. Nil when the batch holds fewer than two classes (the
    /// official trainer then skips the meta step).
    public static func draw(labels: [Int], alpha: Double, beta: Double, stream: inout RandomStream) -> MetaTaskDraws? {
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else { return nil }
        let queryClass = classes[stream.permutation(classes.count)[0]]
        let queryCount = labels.filter { $0 == queryClass }.count
        let supportCount = labels.count - queryCount
        let lambda = (0..<queryCount).map { _ in Float(stream.beta(alpha, beta)) }
        let mix = (0..<queryCount).map { _ in stream.int(below: supportCount) }
        return MetaTaskDraws(labels: labels, queryClass: queryClass, lambda: lambda, mixIndices: mix)
    }
}
