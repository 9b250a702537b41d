import AutoDiff
import Foundation
import MetaLearning
import TensorIO
import Testing
import TestSupport
import CLIPAdapter

/// A linear stand-in for CLIP whose loss can be differentiated by hand: class features
/// `E + a·T` (C, P) and image features `X + a·V` (B, P), with T and V the (n, P) text and
/// vision prompts and `a` a fixed (1, n) mixing row; a tower without its prompt is unshifted.
private final class LinearPromptedModel: PromptedModel {
    let classEmbeddings: Tensor
    let mixing: Tensor
    let logitScale: Float = 4

    init(classEmbeddings: Tensor, mixing: [Float]) {
        self.classEmbeddings = classEmbeddings
        self.mixing = Tensor(shape: [1, mixing.count], values: mixing)
    }

    func classFeatures(prompts: [String: Tensor]) -> Tensor {
        guard let t = prompts["text.ctx"] else { return classEmbeddings }
        return classEmbeddings + Tensor.matmul(mixing, t)
    }

    func imageFeatures(_ pixels: Tensor, prompts: [String: Tensor]) -> Tensor {
        guard let v = prompts["vision.ctx"] else { return pixels }
        return pixels + Tensor.matmul(mixing, v)
    }
}

/// Plain prompt tuning started from a GRAM output: `start(fromGRAM:)` takes the file's
/// prompts and regulator, and every step's gradient goes through the regulator before SGD;
/// checked against a Float64 hand computation of one step on a linear model.
@Suite struct PromptTuningTests {
    static let (classes, width, rows, batchSize) = (3, 4, 2, 4)
    static let mixing: [Float] = [1, -0.5]
    static let labels = [0, 2, 1, 2]
    static let groupSize = 2
    // A step large enough that the regulator's effect (gates 2σ(·) away from 1 on gradients of
    // order 0.1) is a visible part of it; weight decay so that its order relative to the
    // regulator shows.
    static let (learningRate, weightDecay) = (0.5, Float(0.1))

    struct Setup {
        fileprivate let model: LinearPromptedModel
        let batch: LabelledBatch
        /// The method's own initial prompts, and the GRAM output's prompts and regulator.
        let initial: [String: Tensor]
        let gramPrompts: [String: Tensor]
        let gramWeights: [String: Tensor]
    }

    static func setup() -> Setup {
        var stream = RandomStream(seed: 21, 1)
        let model = LinearPromptedModel(classEmbeddings: Tensor.normal([classes, width], stream: &stream), mixing: mixing)
        let batch = LabelledBatch(pixels: Tensor.normal([batchSize, width], stream: &stream), labels: labels)
        let shapes = ["text.ctx": [rows, width], "vision.ctx": [rows, width]]
        let initial = shapes.mapValues { Tensor.normal($0, std: 0.5, stream: &stream) }
        let gramPrompts = shapes.mapValues { Tensor.normal($0, std: 0.5, stream: &stream) }
        // Away from the identity (W₂ = 0), so that gates spread over about (0.3, 1.7).
        var regulator = GRAMRegulator.identity(promptShapes: shapes, groupSize: groupSize, stream: &stream)
        for name in regulator.weights.keys.sorted() {
            regulator.weights[name] = Tensor.normal(regulator.weights[name]!.shape, std: 2, stream: &stream)
        }
        return Setup(model: model, batch: batch, initial: initial, gramPrompts: gramPrompts, gramWeights: regulator.weights)
    }

    static func method(_ s: Setup) -> PromptTuning {
        PromptTuning(name: "ivlp", prompts: s.initial, optimizer: SGD(momentum: 0.9, weightDecay: weightDecay))
    }

    static func step(_ method: inout PromptTuning, _ s: Setup) throws {
        _ = try method.step(model: s.model, batch: s.batch,
                        context: StepContext(textTarget: nil, stream: RandomStream(seed: 21, 2), learningRates: ["prompts": learningRate]))
    }

    /// A GRAM output file as GRAM training writes it (`group_size` in the metadata).
    static func writeGRAMOutput(_ tensors: [String: Tensor], metadata: [String: String] = ["method": "gram", "group_size": "2"]) throws -> SafeTensorsFile {
        let path = NSTemporaryDirectory() + "prompt-tuning-gram-\(UUID().uuidString).safetensors"
        try Tensor.save(tensors, metadata: metadata, to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try SafeTensorsFile(path: path)
    }

    /// ∂CE/∂T and ∂CE/∂V in Float64. With uᵣ = baseᵣ + a·P and unit rows ûᵣ = uᵣ/|uᵣ|:
    /// z = κ·v̂·t̂ᵀ, ∂CE/∂z = (softmax(z) − onehot)/B, ∂/∂t̂_c = κ Σ_b ∂z_bc v̂_b (and
    /// symmetrically for v̂_b), ∂/∂uᵣ = (∂ûᵣ − ûᵣ⟨ûᵣ, ∂ûᵣ⟩)/|uᵣ|, ∂/∂P_i = a_i Σᵣ ∂/∂uᵣ.
    static func referenceGradients(_ s: Setup, prompts: [String: Tensor]) -> [String: [Double]] {
        let a = mixing.map(Double.init), kappa = Double(s.model.logitScale)
        func unitRows(_ base: Tensor, _ prompt: Tensor) -> (unit: [[Double]], norms: [Double]) {
            let p = prompt.storage.map(Double.init)
            let shift = (0..<width).map { j in (0..<rows).reduce(0.0) { $0 + a[$1] * p[$1 * width + j] } }
            let u = (0..<base.shape[0]).map { r in (0..<width).map { Double(base.storage[r * width + $0]) + shift[$0] } }
            let norms = u.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
            return (zip(u, norms).map { row, n in row.map { $0 / n } }, norms)
        }
        func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        let (t, tNorms) = unitRows(s.model.classEmbeddings, prompts["text.ctx"]!)
        let (v, vNorms) = unitRows(s.batch.pixels, prompts["vision.ctx"]!)
        var dz = [[Double]]()
        for b in 0..<batchSize {
            let z = (0..<classes).map { kappa * dot(v[b], t[$0]) }
            let m = z.max()!, e = z.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
            dz.append((0..<classes).map { (e[$0] / total - ($0 == labels[b] ? 1 : 0)) / Double(batchSize) })
        }
        let dt = (0..<classes).map { c in (0..<width).map { j in kappa * (0..<batchSize).reduce(0.0) { $0 + dz[$1][c] * v[$1][j] } } }
        let dv = (0..<batchSize).map { b in (0..<width).map { j in kappa * (0..<classes).reduce(0.0) { $0 + dz[b][$1] * t[$1][j] } } }
        func promptGradient(_ unit: [[Double]], _ norms: [Double], _ dUnit: [[Double]]) -> [Double] {
            var shift = [Double](repeating: 0, count: width)
            for r in unit.indices {
                let along = dot(unit[r], dUnit[r])
                for j in 0..<width { shift[j] += (dUnit[r][j] - unit[r][j] * along) / norms[r] }
            }
            return (0..<rows).flatMap { i in shift.map { a[i] * $0 } }
        }
        return ["text.ctx": promptGradient(t, tNorms, dt), "vision.ctx": promptGradient(v, vNorms, dv)]
    }

    /// GRAM's gate 2σ(W₂·W₁·vec(g)) in Float64, each entry shared by `groupSize` values.
    static func referenceGate(_ g: [Double], first: Tensor, second: Tensor) -> [Double] {
        let groups = g.count / groupSize
        let hidden = (0..<groups).map { i in g.indices.reduce(0.0) { $0 + Double(first.storage[i * g.count + $1]) * g[$1] } }
        let logits = (0..<groups).map { i in (0..<groups).reduce(0.0) { $0 + Double(second.storage[i * groups + $1]) * hidden[$1] } }
        return g.indices.map { 2 / (1 + Foundation.exp(-logits[$0 / groupSize])) }
    }

    /// The first SGD step (momentum buffer = d): θ − lr·(ĝ + λθ), ĝ the regulated gradient
    /// when `weights` are given, else the raw one.
    static func referenceStep(_ s: Setup, from prompts: [String: Tensor], weights: [String: Tensor]?) -> [String: [Double]] {
        referenceGradients(s, prompts: prompts).reduce(into: [:]) { out, entry in
            var g = entry.value
            if let weights {
                let (w1, w2) = GRAMRegulator.weightNames(for: entry.key)
                g = zip(referenceGate(g, first: weights[w1]!, second: weights[w2]!), g).map(*)
            }
            let theta = prompts[entry.key]!.storage.map(Double.init)
            out[entry.key] = zip(theta, g).map { $0 - learningRate * ($1 + Double(weightDecay) * $0) }
        }
    }

    // Float32 features, normalisations and softmax of order-1 values put ~10⁻⁶ relative error on
    // gradients of order 0.1; times lr = 0.5 that is ~10⁻⁷, and θ (order 1) carries ~10⁻⁷ of
    // rounding: 2·10⁻⁶ absolute is ten times that. The regulator moves entries by > 10⁻³.
    static let stepTolerance = Tolerance(atol: 2e-6, rtol: 0)

    @Test func startingFromAGRAMOutputTakesItsPromptsAndRegulator() throws {
        let s = Self.setup()
        var method = Self.method(s)
        #expect(method.regulator == nil)
        try method.start(fromGRAM: try Self.writeGRAMOutput(s.gramPrompts.merging(s.gramWeights) { a, _ in a }))
        #expect(Set(method.prompts.keys) == ["text.ctx", "vision.ctx"])
        for (name, p) in s.gramPrompts {
            #expect(method.prompts[name]!.storage == p.storage && method.prompts[name]!.shape == p.shape, "\(name)")
            #expect(method.prompts[name]!.isGradientLeaf, "\(name) is trained")
        }
        let regulator = try #require(method.regulator)
        #expect(regulator.groupSize == 2)
        #expect(Set(regulator.weights.keys) == Set(s.gramWeights.keys))
        for (name, w) in s.gramWeights { #expect(regulator.weights[name]!.storage == w.storage, "\(name)") }
    }

    /// One step from a GRAM output: θ₁ = θ₀ − lr·(2σ(W₂W₁g) ⊙ g + λθ₀) for both prompts.
    @Test func aStepFromAGRAMOutputIsTheRegulatedSGDUpdateOfEveryPrompt() throws {
        let s = Self.setup()
        var method = Self.method(s)
        try method.start(fromGRAM: try Self.writeGRAMOutput(s.gramPrompts.merging(s.gramWeights) { a, _ in a }))
        try Self.step(&method, s)
        let regulated = Self.referenceStep(s, from: s.gramPrompts, weights: s.gramWeights)
        let plain = Self.referenceStep(s, from: s.gramPrompts, weights: nil)
        for name in ["text.ctx", "vision.ctx"] {
            let ours = method.prompts[name]!.storage.map(Double.init)
            let worst = compare(ours, regulated[name]!, Self.stepTolerance)
            #expect(worst.passes, "\(name): \(worst)")
            let unregulated = compare(ours, plain[name]!, Self.stepTolerance)
            #expect(unregulated.ratio > 500, "\(name): the regulator's effect is far above the tolerance (\(unregulated))")
        }
    }

    @Test func withoutAGRAMOutputTheStepIsPlainSGD() throws {
        let s = Self.setup()
        var method = Self.method(s)
        try Self.step(&method, s)
        let plain = Self.referenceStep(s, from: s.initial, weights: nil)
        for name in ["text.ctx", "vision.ctx"] {
            let worst = compare(method.prompts[name]!.storage.map(Double.init), plain[name]!, Self.stepTolerance)
            #expect(worst.passes, "\(name): \(worst)")
        }
        #expect(method.regulator == nil)
    }

    /// What is wrong with a GRAM output, and what its error must name.
    enum Defect: String, CaseIterable, Sendable {
        case wrongShape, missingPrompt, missingRegulatorWeight, wrongRegulatorShape, wrongSecondRegulatorShape, unexpectedTensor

        func apply(to tensors: inout [String: Tensor]) {
            switch self {
            case .wrongShape: tensors["text.ctx"] = Tensor.zeros([3, 4])
            case .missingPrompt: tensors["vision.ctx"] = nil
            case .missingRegulatorWeight: tensors["gram.vision.0.1.weight"] = nil
            case .wrongRegulatorShape: tensors["gram.text.0.0.weight"] = Tensor.zeros([4, 4])
            case .wrongSecondRegulatorShape: tensors["gram.vision.0.1.weight"] = Tensor.zeros([2, 2])
            case .unexpectedTensor: tensors["text.deep.1"] = Tensor.zeros([2, 4])
            }
        }

        var named: [String] {
            switch self {
            case .wrongShape: ["'text.ctx'", "[3, 4]", "[2, 4]"]
            case .missingPrompt: ["'vision.ctx'"]
            case .missingRegulatorWeight: ["'gram.vision.0.1.weight'"]
            case .wrongRegulatorShape: ["'gram.text.0.0.weight'", "[4, 4]", "[4, 8]"]
            case .wrongSecondRegulatorShape: ["'gram.vision.0.1.weight'", "[2, 2]", "[4, 4]"]
            case .unexpectedTensor: ["'text.deep.1'"]
            }
        }
    }

    /// The error names the tensor (and shapes), the file when read from one, and the method
    /// keeps its own prompts and stays unregulated.
    @Test(arguments: Defect.allCases)
    func aGRAMOutputThatDoesNotFitNamesTheTensorAndChangesNothing(_ defect: Defect) throws {
        let s = Self.setup()
        var tensors = s.gramPrompts.merging(s.gramWeights) { a, _ in a }
        defect.apply(to: &tensors)
        var method = Self.method(s)
        let error = #expect(throws: MethodStateError.self) { try method.start(fromGRAM: tensors, groupSize: 2) }
        for part in defect.named { #expect(error?.description.contains(part) == true, "\(part) in: \(error?.description ?? "")") }
        let file = try Self.writeGRAMOutput(tensors)
        let fromFile = #expect(throws: MethodStateError.self) { try method.start(fromGRAM: file) }
        #expect(fromFile?.description == "\(file.path): \(error?.description ?? "")")
        #expect(method.regulator == nil)
        for (name, p) in s.initial { #expect(method.prompts[name]!.storage == p.storage, "\(name)") }
    }

    @Test(arguments: [[:], ["group_size": "0"], ["group_size": "two"]] as [[String: String]])
    func aFileWithoutAPositiveGroupSizeIsNotAGRAMOutput(metadata: [String: String]) throws {
        let s = Self.setup()
        var method = Self.method(s)
        let file = try Self.writeGRAMOutput(s.gramPrompts.merging(s.gramWeights) { a, _ in a }, metadata: metadata)
        let error = #expect(throws: MethodStateError.self) { try method.start(fromGRAM: file) }
        #expect(error?.description == "\(file.path): not a GRAM output (no 'group_size' in its metadata)")
        #expect(method.regulator == nil)
    }
}
