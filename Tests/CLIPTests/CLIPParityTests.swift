import AutoDiff
import CLIP
import TensorIO
import Testing
import TestSupport

/// The tiny CLIP against Hugging Face transformers / open_clip outputs in Tests/Fixtures.
@Suite struct CLIPParityTests {
    static let model = Result { try CLIPModel(directory: fixture("tiny-clip")) }

    static func ids(_ file: SafeTensorsFile, _ name: String) throws -> [[Int]] {
        let shape = try file.entry(name).shape
        let flat = try file.int64s(name).map(Int.init)
        return (0..<shape[0]).map { Array(flat[$0 * shape[1]..<($0 + 1) * shape[1]]) }
    }

    /// `|a − b| ≤ tol · max|reference|` for every element; reports the worst.
    static func expectClose(_ actual: Tensor, _ expected: Tensor, relativeToMax tol: Float, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let worst = compare(actual.storage, expected.storage, Tolerance(atol: tol * maxMagnitude(expected.storage), rtol: 0))
        #expect(worst.passes, "\(what): \(worst)", sourceLocation: sourceLocation)
    }

    // The fixture records fp32-vs-fp64 spreads of ~6-7e-7 relative for the embeddings (its
    // validation block); 1e-5 of the tensor's max leaves room for a different but equally
    // valid fp32 summation order (BLAS blocking, our score scaling after q·kᵀ).
    @Test func unpromptedForwardMatchesTransformers() throws {
        let model = try Self.model.get()
        let file = try SafeTensorsFile(path: fixture("forward.safetensors"))
        var trace: [String: Tensor] = [:]
        let text = model.encodeText(try Self.ids(file, "input_ids"), truncate: false) { trace[$0] = $1 }
        let image = model.encodeImages(try Tensor(file, "pixel_values")) { trace[$0] = $1 }
        for name in ["text.embeddings", "text.layer_out.0", "text.layer_out.2", "text.pooled",
                     "vision.embeddings", "vision.pre_ln", "vision.layer_out.2", "vision.pooled"] {
            Self.expectClose(trace[name]!, try Tensor(file, "debug." + name), relativeToMax: 1e-5, name)
        }
        Self.expectClose(text, try Tensor(file, "text_embeds"), relativeToMax: 1e-5, "text_embeds")
        Self.expectClose(image, try Tensor(file, "image_embeds"), relativeToMax: 1e-5, "image_embeds")
        let logits = model.logits(imageFeatures: image, textFeatures: text)
        Self.expectClose(logits, try Tensor(file, "logits_per_image"), relativeToMax: 1e-5, "logits_per_image")
    }

    @Test func truncatedTextTowerGivesTheFullTowersFeatures() throws {
        let model = try Self.model.get()
        let file = try SafeTensorsFile(path: fixture("forward.safetensors"))
        // Rows 0-4 end early; computing only up to their last EOT must not change anything.
        let ids = Array(try Self.ids(file, "input_ids").prefix(5))
        let full = model.encodeText(ids, truncate: false)
        var length = 0
        let truncated = model.encodeText(ids, truncate: true) { name, x in if name == "text.embeddings" { length = x.shape[1] } }
        #expect(length < 77)
        // Same ops on the same rows; only BLAS blocking over a shorter sequence differs
        // (measured 7e-7 of the max here; 5e-6 allows other CPUs' OpenBLAS kernels).
        Self.expectClose(truncated, full, relativeToMax: 5e-6, "truncated vs full")
    }

    @Test func lastLayerAtPooledPositionsGivesTheFullLastLayersFeatures() throws {
        let model = try Self.model.get()
        let file = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
        var prompts: [String: Tensor] = [:]
        for n in ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"] { prompts[n] = try Tensor(file, n) }
        let ids = try Self.ids(file, "input_ids"), pixels = try Tensor(file, "pixel_values")
        let text = TowerPrompts(named: prompts, tower: "text"), vision = TowerPrompts(named: prompts, tower: "vision")
        // A trace runs the last layer at every position; without one only the pooled rows run.
        let ignore: ActivationTrace = { _, _ in }
        // Same ops on the pooled rows; only BLAS blocking over fewer rows differs (5e-6 as above).
        Self.expectClose(model.encodeText(ids, prompts: text), model.encodeText(ids, prompts: text, trace: ignore),
                         relativeToMax: 5e-6, "text: pooled vs full last layer")
        Self.expectClose(model.encodeImages(pixels, prompts: vision), model.encodeImages(pixels, prompts: vision, trace: ignore),
                         relativeToMax: 5e-6, "vision: pooled vs full last layer")
    }

    @Test func sharedPrefixGivesThePerRowFeaturesAndGradients() throws {
        let model = try Self.model.get()
        let file = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
        var prompts: [String: Tensor] = [:]
        for n in ["text.ctx", "text.deep.1"] { prompts[n] = try Tensor(file, n).requiringGrad() }
        let text = TowerPrompts(named: prompts, tower: "text")!
        let ids = try Self.ids(file, "input_ids")
        // The rows share the start token and the context; with the positions after them
        // differing, the shared part is exactly 1 + n positions.
        var rows = 0
        _ = model.encodeText(ids, prompts: text, trace: { name, x in if name == "text.embeddings" { rows = x.shape[1] } })
        #expect(rows > 1 + text.count)
        let shared = model.encodeText(ids, prompts: text), perRow = model.encodeText(ids, prompts: text, sharePrefix: false)
        // Same ops on the same rows; the shared rows' products run over 1 sequence instead of
        // N, so only BLAS blocking differs (5e-6 of the max, as above).
        Self.expectClose(shared, perRow, relativeToMax: 5e-6, "text: shared prefix vs per row")
        // The shared rows' gradient is the sum over every sequence's use of them.
        let names = ["text.ctx", "text.deep.1"]
        var stream = RandomStream(seed: 7)
        let weights = Tensor.normal(shared.shape, stream: &stream)
        let g1 = gradients(of: (shared * weights).sum(), withRespectTo: names.map { prompts[$0]! })
        let g2 = gradients(of: (perRow * weights).sum(), withRespectTo: names.map { prompts[$0]! })
        for (name, (a, b)) in zip(names, zip(g1, g2)) { Self.expectClose(a, b, relativeToMax: 5e-6, "grad.\(name): shared vs per row") }
        // Templates share words after the start token too ("a photo of a …"), with no prompts.
        let plain = try Self.ids(SafeTensorsFile(path: fixture("forward.safetensors")), "input_ids")
        Self.expectClose(model.encodeText(plain), model.encodeText(plain, sharePrefix: false), relativeToMax: 5e-6,
                         "unprompted: shared prefix vs per row")
    }

    @Test func ivlpPromptsMatchTheReferenceLogitsLossAndGradients() throws {
        let model = try Self.model.get()
        let file = try SafeTensorsFile(path: fixture("ivlp.safetensors"))
        let names = ["text.ctx", "text.deep.1", "vision.ctx", "vision.deep.1"]
        var prompts: [String: Tensor] = [:]
        for n in names { prompts[n] = try Tensor(file, n).requiringGrad() }
        var trace: [String: Tensor] = [:]
        let text = model.encodeText(try Self.ids(file, "input_ids"), prompts: TowerPrompts(named: prompts, tower: "text")) { trace[$0] = $1 }
        let image = model.encodeImages(try Tensor(file, "pixel_values"), prompts: TowerPrompts(named: prompts, tower: "vision")) { trace[$0] = $1 }
        let logits = model.logits(imageFeatures: image, textFeatures: text)
        let labels = try file.int64s("labels").map(Int.init)
        let loss = Tensor.crossEntropy(logits, labels: labels)
        for name in ["vision.embeddings", "vision.layer_out.0", "vision.layer_out.2", "text.layer_out.1"] {
            var expected = try Tensor(file, "debug." + name)
            if name.hasPrefix("text") { expected = expected.slice(alongAxis: 1, 0..<trace[name]!.shape[1]) }
            Self.expectClose(trace[name]!, expected, relativeToMax: 1e-5, name)
        }
        Self.expectClose(text, try Tensor(file, "text_features"), relativeToMax: 1e-5, "text_features")
        Self.expectClose(image, try Tensor(file, "image_features"), relativeToMax: 1e-5, "image_features")
        Self.expectClose(logits, try Tensor(file, "logits"), relativeToMax: 1e-5, "logits")
        Self.expectClose(loss, try Tensor(file, "loss"), relativeToMax: 1e-5, "loss")
        // Gradients pass through 3 layers of both towers: the fixture's fp32-vs-fp64 spread is
        // up to ~3e-6 relative (validation block); 1e-4 of the tensor's max leaves a wide margin.
        let grads = gradients(of: loss, withRespectTo: names.map { prompts[$0]! })
        for (name, g) in zip(names, grads) {
            Self.expectClose(g, try Tensor(file, "grad." + name), relativeToMax: 1e-4, "grad.\(name)")
        }
    }
}
