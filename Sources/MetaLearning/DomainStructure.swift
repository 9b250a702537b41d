import AutoDiff

/// Image–caption pairs organised for GRAM by cross-modal hierarchical clustering (our
/// reading of the paper): level 1 clusters frozen image features into domains; level 2
/// clusters the frozen text features of each domain's captions into pseudo-classes, each
/// named by the caption nearest its centroid.
public struct DomainStructure: Sendable, Equatable {
    public struct PseudoClass: Sendable, Equatable {
        /// The caption nearest the class centroid: the class "name" in prompts.
        public var name: String
        /// Indices of the pairs in the class, ascending.
        public var members: [Int]
    }

    /// Per domain, its pseudo-classes.
    public var domains: [[PseudoClass]]

    /// - Parameters:
    ///   - imageFeatures, textFeatures: one row per pair (frozen CLIP features).
    ///   - captions: the pairs' captions.
    ///   - domainCount: level-1 clusters; `classesPerDomain`: level-2 clusters (capped by the
    ///     domain's size).
    public init(imageFeatures: [[Float]], textFeatures: [[Float]], captions: [String], domainCount: Int,
                classesPerDomain: Int, stream: inout RandomStream) {
        precondition(imageFeatures.count == textFeatures.count && textFeatures.count == captions.count,
                     "\(imageFeatures.count) image rows, \(textFeatures.count) text rows, \(captions.count) captions")
        self.init(imageFeatures: FeatureMatrix(imageFeatures), textFeatures: FeatureMatrix(textFeatures), pairs: Array(captions.indices),
                  caption: { captions[$0] }, domainCount: domainCount, classesPerDomain: classesPerDomain, stream: &stream)
    }

    /// The structure of the pairs `pairs` (indices into the feature rows, ascending; e.g. the
    /// pairs whose image could be read), read where the features are.
    /// - Parameter caption: the caption of a pair, asked for each pseudo-class's name only.
    public init(imageFeatures: FeatureMatrix, textFeatures: FeatureMatrix, pairs: [Int], caption: (Int) throws -> String, domainCount: Int,
                classesPerDomain: Int, stream: inout RandomStream) rethrows {
        precondition(imageFeatures.count == textFeatures.count, "\(imageFeatures.count) image rows, \(textFeatures.count) text rows")
        let level1 = KMeans(rows: imageFeatures, subset: pairs, k: domainCount, stream: &stream)
        var domains: [[PseudoClass]] = []
        for d in 0..<domainCount {
            let members = level1.assignments.indices.filter { level1.assignments[$0] == d }.map { pairs[$0] }
            guard !members.isEmpty else { continue }
            let level2 = KMeans(rows: textFeatures, subset: members, k: min(classesPerDomain, members.count), stream: &stream)
            var classes: [PseudoClass] = []
            for c in level2.centroids.indices {
                let local = level2.assignments.indices.filter { level2.assignments[$0] == c }
                guard !local.isEmpty else { continue }
                let centre = level2.centroids[c]
                func score(_ i: Int) -> Float {
                    zip(KMeans.normalised(Array(textFeatures[members[i]])), centre).reduce(0) { $0 + $1.0 * $1.1 }
                }
                let nearest = local.max { a, b in
                    let sa = score(a), sb = score(b)
                    return sa < sb || (sa == sb && a > b)
                }!
                classes.append(PseudoClass(name: try caption(members[nearest]), members: local.map { members[$0] }))
            }
            domains.append(classes)
        }
        self.domains = domains
    }

    /// An N-way task draw: N classes of a domain with at least `perClass` members each, and
    /// `perClass` members of each; nil when the domain has too few such classes.
    public func drawClasses(domain: Int, ways: Int, perClass: Int, stream: inout RandomStream) -> [(name: String, members: [Int])]? {
        let eligible = domains[domain].filter { $0.members.count >= perClass }
        guard eligible.count >= ways else { return nil }
        let chosen = stream.permutation(eligible.count).prefix(ways).map { eligible[$0] }
        return chosen.map { cls in (cls.name, stream.permutation(cls.members.count).prefix(perClass).map { cls.members[$0] }) }
    }

    /// Draws a support domain and a different query domain that can both supply an N-way task.
    public func drawDomainPair(ways: Int, supportShots: Int, queryShots: Int, stream: inout RandomStream) -> (support: Int, query: Int)? {
        let supportOK = domains.indices.filter { d in domains[d].filter { $0.members.count >= supportShots }.count >= ways }
        let queryOK = domains.indices.filter { d in domains[d].filter { $0.members.count >= queryShots }.count >= ways }
        let pairs = supportOK.flatMap { s in queryOK.filter { $0 != s }.map { (s, $0) } }
        guard !pairs.isEmpty else { return nil }
        return pairs[stream.int(below: pairs.count)]
    }
}
