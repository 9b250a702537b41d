import AutoDiff
import CLIP
import CLIPAdapter
@testable import MetaLearning
import TensorIO
import TestSupport
import Testing

/// One full ProMetaR iteration replayed from Tests/Fixtures/prometar_step.* (the official
/// trainer's semantics re-implemented on Hugging Face CLIP in PyTorch, fp32).
@Suite struct ProMetaRParityTests {
    static let fixtureFile = Result { try SafeTensorsFile(path: fixture("prometar_step.safetensors")) }
    static let classifier = Result { () throws -> CLIPClassifier in
        let file = try fixtureFile.get()
        return CLIPClassifier(model: try CLIPModel(directory: fixture("tiny-clip")), classTokens: try rows(file, "input_ids"))
    }
    static let promptNames = ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"]

    static func rows(_ file: SafeTensorsFile, _ name: String) throws -> [[Int]] {
        let shape = try file.entry(name).shape, flat = try file.int64s(name).map(Int.init)
        return (0..<shape[0]).map { Array(flat[$0 * shape[1]..<($0 + 1) * shape[1]]) }
    }

    static func expectClose(_ actual: Tensor, _ name: String, _ tol: Float, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Tensor(try fixtureFile.get(), name)
        #expect(actual.shape == expected.shape, "\(name): \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
        let worst = compare(actual.storage, expected.storage, Tolerance(atol: tol * max(maxMagnitude(expected.storage), 1e-30), rtol: 0))
        #expect(worst.passes, "\(name): \(worst)", sourceLocation: sourceLocation)
    }

    static func initialState() throws -> ProMetaRState {
        let file = try fixtureFile.get()
        var prompts: [String: Tensor] = [:], regulator: [String: Tensor] = [:]
        for n in promptNames { prompts[n] = try Tensor(file, "init." + n) }
        for n in file.names where n.hasPrefix("init.vnet.") { regulator[String(n.dropFirst(5))] = try Tensor(file, n) }
        return ProMetaRState(prompts: prompts, regulator: regulator,
                             promptOptimizer: SGD(momentum: 0.9, weightDecay: 5e-4),
                             regulatorOptimizer: SGD(momentum: 0.9, weightDecay: 5e-4))
    }

    static func batch() throws -> LabelledBatch {
        let file = try fixtureFile.get()
        return LabelledBatch(pixels: try Tensor(file, "pixel_values"), labels: try file.int64s("labels").map(Int.init))
    }

    static func draws() throws -> MetaTaskDraws {
        let file = try fixtureFile.get()
        return MetaTaskDraws(labels: try batch().labels, queryClass: Int(try file.int64s("s2.query_class")[0]),
                             lambda: try file.floats("s2.lam"), mixIndices: try file.int64s("s2.mix_ids").map(Int.init))
    }

    static func textTarget() throws -> Tensor {
        try classifier.get().frozenTextTarget(templateTokens: try rows(try fixtureFile.get(), "zs.template_input_ids"))
    }

    // Forward quantities (features, logits, losses): the fixture's fp32-vs-fp64 spread is
    // ≤ 1e-6 of each tensor's max; 1e-5 of the max, as for the plain forward pass.
    static let forwardTolerance: Float = 1e-5
    // First-order gradients and gates: spread ≤ 5e-6 of the max (s1.grad_ce.text.deep.1:
    // 1.7e-5 of 38); 5e-5 of the max.
    static let gradientTolerance: Float = 5e-5
    // Meta-gradients go through a second backward pass (Hessian terms) and the updates built
    // on them: 1e-4 of the max.
    static let metaTolerance: Float = 1e-4

    @Test func frozenTargetsMatch() throws {
        try Self.expectClose(try Self.textTarget(), "zs.text_features", Self.forwardTolerance)
        let images = FrozenTargets.images(of: try Self.batch().pixels, model: try Self.classifier.get())
        try Self.expectClose(images, "zs.image_features", Self.forwardTolerance)
    }

    @Test func stageOneRegulatedStepMatches() throws {
        let model = try Self.classifier.get()
        var state = try Self.initialState()
        let batch = try Self.batch()
        let targets = FrozenTargets(text: try Self.textTarget(), images: FrozenTargets.images(of: batch.pixels, model: model))
        let s1 = ProMetaR.regulatedGradients(model: model, batch: batch, targets: targets, prompts: state.prompts,
                                             regulator: state.regulator, configuration: ProMetaRConfiguration(), createGraph: false)
        try Self.expectClose(s1.losses.logits, "s1.logits", Self.forwardTolerance)
        try Self.expectClose(s1.losses.crossEntropy, "s1.loss_ce", Self.forwardTolerance)
        try Self.expectClose(s1.losses.textRegulariser, "s1.loss_text_reg", Self.forwardTolerance)
        try Self.expectClose(s1.losses.imageRegulariser, "s1.loss_image_reg", Self.forwardTolerance)
        state.promptOptimizer.step(&state.prompts, gradients: s1.gradients, learningRate: 0.0025)
        for n in Self.promptNames {
            try Self.expectClose(s1.crossEntropy[n]!, "s1.grad_ce.\(n)", Self.gradientTolerance)
            try Self.expectClose(s1.regulariser[n]!, "s1.grad_reg.\(n)", Self.gradientTolerance)
            try Self.expectClose(s1.gates[n]!, "s1.gamma.\(n)", Self.gradientTolerance)
            try Self.expectClose(s1.gradients[n]!, "s1.grad.\(n)", Self.gradientTolerance)
            try Self.expectClose(Tensor(shape: state.prompts[n]!.shape, values: state.promptOptimizer.buffers[n]!), "s1.momentum.\(n)", Self.gradientTolerance)
            try Self.expectClose(state.prompts[n]!, "s1.prompt.\(n)", Self.gradientTolerance)
        }
    }

    @Test(arguments: [("second_order", "default"), ("second_order", "large"), ("first_order", "default"), ("first_order", "large")])
    func fullIterationMatches(_ order: String, _ rates: String) throws {
        var c = ProMetaRConfiguration()
        c.firstOrder = order == "first_order"
        (c.adaptLR, c.lrRatio) = rates == "default" ? (5e-4, 5e-4) : (0.05, 1.0)
        var state = try Self.initialState()
        let report = try ProMetaR.step(model: try Self.classifier.get(), batch: try Self.batch(), textTarget: try Self.textTarget(),
                                   state: &state, draws: [try Self.draws()], configuration: c, promptLR: 0.0025, regulatorLR: 0.00025)
        let task = try #require(report.tasks.first)
        let p = "s2.\(order).\(rates)."
        try Self.expectClose(task.inner.losses.crossEntropy, "s2.adapt.loss_ce", Self.forwardTolerance)
        try Self.expectClose(task.inner.losses.logits, "s2.adapt.logits", Self.forwardTolerance)
        // The query pass runs at θ′ = θ₁ − adapt_lr·g, so it inherits g's rounding (up to 5e-5 of
        // its max, above) times adapt_lr. At the large adapt_lr (0.05, |g| up to 12) the
        // fixture's own fp32 query logits are 2.0e-5 from fp64 (1.0e-5 of the max, the forward
        // tolerance itself), so two valid fp32 orders can differ by twice that: 5e-5 of the max.
        try Self.expectClose(task.queryLogits, p + "query.logits", rates == "large" ? Self.gradientTolerance : Self.forwardTolerance)
        try Self.expectClose(task.queryCrossEntropy, p + "query.loss_ce", Self.forwardTolerance)
        try Self.expectClose(task.loss, p + "loss", Self.forwardTolerance)
        for n in Self.promptNames {
            try Self.expectClose(task.inner.gradients[n]!, "s2.adapt.grad.\(n)", Self.gradientTolerance)
            try Self.expectClose(task.inner.gates[n]!, "s2.adapt.gamma.\(n)", Self.gradientTolerance)
            try Self.expectClose(task.adapted[n]!, p + "adapted.\(n)", Self.gradientTolerance)
            try Self.expectClose(report.metaGradients.prompts[n]!, p + "meta_grad.\(n)", Self.metaTolerance)
            try Self.expectClose(Tensor(shape: state.prompts[n]!.shape, values: state.promptOptimizer.buffers[n]!), p + "momentum.\(n)", Self.metaTolerance)
            try Self.expectClose(state.prompts[n]!, p + "prompt.\(n)", Self.metaTolerance)
        }
        for (n, w) in state.regulator {
            let short = String(n.dropFirst("vnet.".count))
            try Self.expectClose(report.metaGradients.regulator[n]!, p + "vnet_grad.\(short)", Self.metaTolerance)
            try Self.expectClose(Tensor(shape: w.shape, values: state.regulatorOptimizer.buffers[n]!), p + "vnet_momentum.\(short)", Self.metaTolerance)
            try Self.expectClose(w, p + "vnet.\(short)", Self.metaTolerance)
        }
    }

    /// At lr_ratio = 0 the step does not compute stage 2 (its meta-gradients are exactly zero)
    /// but still steps both optimisers: θ, φ and both momentum buffers are, bit for bit, what
    /// stage 2 computed and applied gives.
    @Test func zeroLRRatioSkipsStageTwoWithTheComputedBits() throws {
        var c = ProMetaRConfiguration()
        c.lrRatio = 0
        let model = try Self.classifier.get(), batch = try Self.batch(), target = try Self.textTarget(), draws = try Self.draws()
        var skipped = try Self.initialState()
        let report = try ProMetaR.step(model: model, batch: batch, textTarget: target, state: &skipped, draws: [draws],
                                       configuration: c, promptLR: 0.0025, regulatorLR: 0.00025)
        #expect(report.tasks.isEmpty && report.scalars["loss.meta"] == 0 && report.scalars["loss.query_ce"] == nil)

        var computed = try Self.initialState()
        let (_, targets) = ProMetaR.stageOne(model: model, batch: batch, textTarget: target, state: &computed, configuration: c, promptLR: 0.0025)
        let g = ProMetaR.metaGradients(model: model, batch: batch, targets: targets, prompts: computed.prompts,
                                       regulator: computed.regulator, draws: draws, configuration: c)
        #expect(g.queryCrossEntropy.scalar.isFinite && g.queryCrossEntropy.scalar > 0)
        for (n, t) in g.prompts.merging(g.regulator, uniquingKeysWith: { a, _ in a }) {
            #expect(t.storage.allSatisfy { $0 == 0 }, "\(n): the computed meta-gradient is not zero")
        }
        ProMetaR.applyMeta(state: &computed, prompts: g.prompts, regulator: g.regulator, promptLR: 0.0025, regulatorLR: 0.00025)
        func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
        for (n, p) in computed.prompts {
            #expect(bits(skipped.prompts[n]!.storage) == bits(p.storage), "\(n)")
            #expect(skipped.promptOptimizer.buffers[n]! == computed.promptOptimizer.buffers[n]!, "momentum of \(n)")
        }
        for (n, w) in computed.regulator {
            #expect(bits(skipped.regulator[n]!.storage) == bits(w.storage), "\(n)")
            #expect(skipped.regulatorOptimizer.buffers[n]! == computed.regulatorOptimizer.buffers[n]!, "momentum of \(n)")
        }
        // The second step moved θ: momentum and weight decay, as optim.step() with zero gradients.
        var once = try Self.initialState()
        _ = ProMetaR.stageOne(model: model, batch: batch, textTarget: target, state: &once, configuration: c, promptLR: 0.0025)
        #expect(once.prompts.contains { n, p in bits(p.storage) != bits(skipped.prompts[n]!.storage) })
        #expect(once.regulator.contains { n, w in bits(w.storage) != bits(skipped.regulator[n]!.storage) })
    }
}
