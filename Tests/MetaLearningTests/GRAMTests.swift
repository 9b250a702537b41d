import AutoDiff
import CLIP
import CLIPAdapter
import MetaLearning
import TestSupport
import Testing

@Suite struct GRAMTests {
    static let model = Result { try CLIPModel(directory: fixture("tiny-clip")) }

    /// A 2-way task on the tiny CLIP: support and query classes differ (two domains).
    static func task() throws -> GRAMTask {
        let clip = try model.get()
        var stream = RandomStream(seed: 5, 1)
        func classifier(_ ids: [[Int]]) -> CLIPClassifier {
            // "X X <word> ." with distinct words; 49406/49407 are start/end of text.
            CLIPClassifier(model: clip, classTokens: ids.map { [49406, 343, 343] + $0 + [269, 49407] + Array(repeating: 0, count: 77 - 5 - $0.count) })
        }
        return GRAMTask(supportModel: classifier([[1929], [2368]]), support: LabelledBatch(pixels: Tensor.normal([2, 3, 32, 32], stream: &stream), labels: [0, 1]),
                        queryModel: classifier([[3344], [5656]]), query: LabelledBatch(pixels: Tensor.normal([2, 3, 32, 32], stream: &stream), labels: [1, 0]))
    }

    static func initialisation() -> [String: Tensor] {
        var stream = RandomStream(seed: 5, 2)
        return ["text.ctx": Tensor.normal([2, 64], std: 0.5, stream: &stream), "vision.ctx": Tensor.normal([2, 64], std: 0.5, stream: &stream)]
    }

    /// A regulator away from the identity, so the meta-gradient reaches both of its weights.
    static func regulator() -> GRAMRegulator {
        var stream = RandomStream(seed: 5, 3)
        var r = GRAMRegulator.identity(promptShapes: ["text.ctx": [2, 64], "vision.ctx": [2, 64]], groupSize: 8, stream: &stream)
        for name in r.weights.keys.sorted() where name.hasSuffix(".1.weight") {
            r.weights[name] = Tensor.normal(r.weights[name]!.shape, std: 0.5, stream: &stream)
        }
        return r
    }

    @Test func identityRegulatorLeavesGradientsUnchanged() {
        var stream = RandomStream(seed: 9, 1)
        let grads = ["text.ctx": Tensor.normal([4, 8], stream: &stream), "vision.deep.3": Tensor.normal([4, 16], stream: &stream)]
        let r = GRAMRegulator.identity(promptShapes: grads.mapValues(\.shape), groupSize: 8, stream: &stream)
        // 2σ(0) = 1 exactly in fp32, so ĝ = g bit for bit.
        let out = r.regulate(grads)
        for (name, g) in grads { #expect(out[name]!.storage == g.storage, "\(name)") }
    }

    /// The exact second-order meta-gradient against central differences of the outer loss
    /// (two regulated inner steps), on a sample of entries of θ₀ and of both regulator weights.
    @Test(arguments: [false, true])
    func metaGradientMatchesFiniteDifferences(firstOrder: Bool) throws {
        let task = try Self.task()
        var c = GRAMConfiguration()
        c.innerSteps = 2
        c.innerLR = 0.5  // large, so the second-order terms are a visible part of the gradient
        c.firstOrder = firstOrder
        let theta0 = Self.initialisation(), phi = Self.regulator()
        let meta = GRAM.metaGradients(task: task, initialisation: theta0, regulator: phi, configuration: c)

        func loss(_ theta: [String: Tensor], _ r: GRAMRegulator) -> Float {
            // First order treats the inner gradients as constants: differentiate the same way.
            GRAM.queryLoss(task: task, initialisation: theta.mapValues { $0.requiringGrad() }, regulator: r, configuration: c).query.scalar
        }
        func nudged(_ t: Tensor, _ i: Int, _ d: Float) -> Tensor {
            var v = t.storage
            v[i] += d
            return Tensor(shape: t.shape, values: v)
        }
        let eps: Float = 1e-2
        var analytic: [Float] = [], numeric: [Float] = []
        var stream = RandomStream(seed: 5, 4)
        for name in theta0.keys.sorted() {
            for _ in 0..<6 {
                let i = stream.int(below: theta0[name]!.count)
                var plus = theta0, minus = theta0
                plus[name] = nudged(theta0[name]!, i, eps)
                minus[name] = nudged(theta0[name]!, i, -eps)
                analytic.append(meta.initialisation[name]!.storage[i])
                numeric.append((loss(plus, phi) - loss(minus, phi)) / (2 * eps))
            }
        }
        for name in phi.weights.keys.sorted() {
            for _ in 0..<4 {
                let i = stream.int(below: phi.weights[name]!.count)
                var plus = phi, minus = phi
                plus.weights[name] = nudged(phi.weights[name]!, i, eps)
                minus.weights[name] = nudged(phi.weights[name]!, i, -eps)
                analytic.append(meta.regulator[name]!.storage[i])
                numeric.append((loss(theta0, plus) - loss(theta0, minus)) / (2 * eps))
            }
        }
        let tolerance = Tolerance(atol: 2e-3 * maxMagnitude(numeric), rtol: 2e-2)
        if firstOrder {
            // The loss value is the same in both orders, so these differences are the exact
            // gradient's; first order drops the Hessian terms and must fall outside the
            // tolerance — which shows the check below can tell the two apart.
            #expect(!compare(analytic, numeric, tolerance).passes)
            return
        }
        // Outer loss ~1 in fp32 after two inner steps: FD rounding ≈ 1e-5/ε·… ≈ 1e-4 absolute,
        // truncation ε²/6·|f‴|. Allowed: 2e-3 of the largest entry, or 2% relative.
        let worst = compare(analytic, numeric, tolerance)
        #expect(worst.passes, "\(worst)")
        #expect(maxMagnitude(analytic) > 1e-3)
    }

    @Test func domainsAndPseudoClassesAreRecoveredFromSeparatedFeatures() {
        // 2 domains (image directions e0, e1) × 2 pseudo-classes (text directions e2, e3), 3 pairs each.
        var image: [[Float]] = [], text: [[Float]] = [], captions: [String] = []
        var stream = RandomStream(seed: 3, 1)
        for d in 0..<2 {
            for c in 0..<2 {
                for k in 0..<3 {
                    var i = [Float](repeating: 0, count: 4), t = [Float](repeating: 0, count: 4)
                    i[d] = 1; t[2 + c] = 1
                    for j in 0..<4 { i[j] += 0.05 * stream.normalFloat(); t[j] += 0.05 * stream.normalFloat() }
                    image.append(i); text.append(t); captions.append("d\(d) c\(c) #\(k)")
                }
            }
        }
        let s = DomainStructure(imageFeatures: image, textFeatures: text, captions: captions, domainCount: 2, classesPerDomain: 2, stream: &stream)
        #expect(s.domains.count == 2)
        let groups = Set(s.domains.flatMap { $0.map { Set($0.members) } })
        #expect(groups == [Set([0, 1, 2]), Set([3, 4, 5]), Set([6, 7, 8]), Set([9, 10, 11])])
        for cls in s.domains.flatMap({ $0 }) {
            #expect(cls.members.contains { captions[$0] == cls.name })
        }
        var draw = RandomStream(seed: 3, 2)
        let pair = s.drawDomainPair(ways: 2, supportShots: 2, queryShots: 1, stream: &draw)
        #expect(pair != nil && pair!.support != pair!.query)
        #expect(s.drawClasses(domain: 0, ways: 3, perClass: 1, stream: &draw) == nil)
    }
}
