import AutoDiff
import Foundation
import TensorIO

/// Records intermediate activations by name (e.g. `text.layer_out.0`), for parity tests.
public typealias ActivationTrace = (_ name: String, _ value: Tensor) -> Void

/// A frozen CLIP model: both towers, with optional learnable prompts flowing through them.
///
/// Semantics follow OpenAI CLIP / Hugging Face `CLIPModel`: pre-LN transformer blocks
/// `x += attn(LN₁(x)); x += fc₂(act(fc₁(LN₂(x))))`, attention heads splitting the width
/// contiguously, the text tower causal and pooled at the end-of-text token (the row's
/// largest id), the vision tower a non-overlapping patch convolution (no bias) with a class
/// token, pre-LN on the sequence and post-LN on the class token. Weights are constants, so
/// gradients flow only to prompts (and through them again for second-order meta-learning).
public final class CLIPModel: @unchecked Sendable {
    public let configuration: CLIPConfiguration
    /// Parameters by internal name (see `CLIPCheckpoint`).
    public let weights: [String: Tensor]

    public init(configuration: CLIPConfiguration, weights: [String: Tensor]) {
        let expected = CLIPCheckpoint.expectedShapes(configuration)
        for (name, shape) in expected {
            precondition(weights[name]?.shape == shape, "CLIP weight '\(name)' has shape \(weights[name]?.shape.description ?? "none"), expected \(shape)")
        }
        self.configuration = configuration
        self.weights = weights
    }

    /// Loads a Hugging Face CLIP directory (`config.json` + `model.safetensors`), or a
    /// directory holding an OpenAI/open_clip state dict as `model.safetensors` (with or
    /// without `config.json`; without it the architecture is inferred from the shapes).
    /// - Throws: `CLIPError` or `SafeTensorsError` naming the file and the tensor.
    public convenience init(directory: String) throws {
        let weightsPath = (directory as NSString).appendingPathComponent("model.safetensors")
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: weightsPath) else { throw CLIPError.missingFile(path: weightsPath) }
        let file = try SafeTensorsFile(path: weightsPath)
        let configuration: CLIPConfiguration
        if FileManager.default.fileExists(atPath: configPath) {
            configuration = try CLIPConfiguration.load(path: configPath)
        } else if try CLIPCheckpoint.layout(of: file) == .openAI {
            configuration = try CLIPCheckpoint.inferConfiguration(file)
        } else {
            throw CLIPError.missingFile(path: configPath)
        }
        self.init(configuration: configuration, weights: try CLIPCheckpoint.load(file, configuration: configuration))
    }

    /// Random weights with the configuration's shapes (N(0, 0.02²) matrices, unit layer
    /// norms), for benchmarks that need no checkpoint.
    public static func random(_ configuration: CLIPConfiguration, seed: UInt64 = 0) -> CLIPModel {
        var weights: [String: Tensor] = [:]
        for (i, (name, shape)) in CLIPCheckpoint.expectedShapes(configuration).sorted(by: { $0.key < $1.key }).enumerated() {
            if name.hasSuffix("ln1.weight") || name.hasSuffix("ln2.weight") || name.hasSuffix("_ln.weight") {
                weights[name] = Tensor.ones(shape)
            } else if name == "logit_scale" {
                weights[name] = Tensor(configuration.logitScaleInit)
            } else {
                var stream = RandomStream(seed: seed, 0xC11F, UInt64(i))
                weights[name] = Tensor.normal(shape, std: 0.02, stream: &stream)
            }
        }
        return CLIPModel(configuration: configuration, weights: weights)
    }

    func w(_ name: String) -> Tensor { weights[name]! }

    // MARK: Towers

    /// Projected text features (N, P), not normalised.
    ///
    /// - Parameters:
    ///   - ids: N rows of token ids (77 from the tokenizer), end-of-text the largest id.
    ///   - prompts: learnable context at positions 1…n, and deep prompts.
    ///   - truncate: compute only positions up to the batch's last end-of-text token. Causal
    ///     attention means later positions cannot change the pooled feature, so this changes
    ///     nothing but the cost; `false` runs all positions (for tests).
    ///   - sharePrefix: compute the positions every row shares once (see below); `false`
    ///     computes them per row (for tests).
    ///   - trace: records every layer's output; without it the last layer runs only at the
    ///     pooled end-of-text positions (see `block`). One process only.
    ///   - group: the ranks that share the rows: each encodes its block of them (see
    ///     `UnitSharding`) and the features are gathered, with the same bits as one process.
    ///
    /// Shared prefix: class prompts such as "X X X X {name}." or "a photo of a {name}." agree
    /// on their first positions (start token, context or template words), and under causal
    /// attention a position depends only on the positions up to it. So those rows are the same
    /// in every sequence at every layer: they run once, as one sequence, and the other rows
    /// attend to their keys and values. With 4 context tokens and short class names this is
    /// about half of the tower's rows. Same values up to float summation order.
    public func encodeText(_ ids: [[Int]], prompts: TowerPrompts? = nil, truncate: Bool = true,
                           sharePrefix: Bool = true, trace: ActivationTrace? = nil,
                           group: any ShardGroup = SingleProcessGroup.shared) -> Tensor {
        let c = configuration.text
        precondition(!ids.isEmpty, "encodeText of no texts")
        precondition(trace == nil || group.size == 1, "a trace records one process's activations")
        // Lengths and the shared prefix come from all rows, so every rank runs the same positions.
        let units = UnitSharding(total: ids.count, group: group)
        let allIDs = ids, ids = Array(ids[units.local]), n = ids.count
        func endOfText(_ row: [Int]) -> Int { row.indices.max { row[$0] < row[$1] }! }
        let allEOT = allIDs.map(endOfText), eot = ids.map(endOfText)
        let length = truncate ? allEOT.max()! + 1 : allIDs[0].count
        precondition(allIDs.allSatisfy { $0.count >= length && $0.count <= configuration.contextLength },
                     "token rows must have ≤ \(configuration.contextLength) ids, got \(Set(allIDs.map(\.count)).sorted())")
        precondition(allIDs.allSatisfy { $0.prefix(length).allSatisfy { $0 >= 0 && $0 < configuration.vocabularySize } },
                     "token id outside the vocabulary")
        if let prompts {
            precondition(1 + prompts.count < length, "\(prompts.count) text prompts do not fit before the end-of-text token")
        }
        let context = prompts?.count ?? 0
        // Positions 0..<s every row shares: equal ids, or overwritten by the context (1…n).
        // Each row keeps its end-of-text token outside, and the context must fall inside.
        func common(_ p: Int) -> Bool { (p >= 1 && p <= context) || allIDs.allSatisfy { $0[p] == allIDs[0][p] } }
        var s = 0
        if sharePrefix && allIDs.count > 1 {
            while s < allEOT.min()! && common(s) { s += 1 }
            if s < 1 + context { s = 0 }
        }
        // `rowUnits` nil: the one shared sequence, the same on every rank.
        func embedded(_ rows: [[Int]], _ positions: Range<Int>, _ rowUnits: UnitSharding?) -> Tensor {
            var e = w("text.token_embedding").indexSelect(alongAxis: 0, rows.flatMap { $0[positions] })
                .reshaped([rows.count, positions.count, c.width])
            if let prompts, positions.lowerBound == 0 { e = Self.replacing(e, at: 1, with: prompts.context, units: rowUnits) }
            return e + w("text.position_embedding").slice(alongAxis: 0, positions)
        }
        // `shared` (1, s, W) holds the shared positions, x (N, length − s, W) the rest.
        var shared: Tensor? = s > 0 ? embedded([allIDs[0]], 0..<s, nil) : nil
        var x = embedded(ids, s..<length, units)
        func whole() -> Tensor {  // (N, length, W)
            shared.map { Tensor.concatenate([$0.broadcast(to: [n, s, c.width]), x], alongAxis: 1) } ?? x
        }
        func insert(_ layer: Int) {  // deep prompts overwrite positions 1…n
            guard let p = prompts?.replacement(beforeLayer: layer) else { return }
            if let rows = shared { shared = Self.replacing(rows, at: 1, with: p, units: nil) } else { x = Self.replacing(x, at: 1, with: p, units: units) }
        }
        trace?("text.embeddings", whole())
        let mask = Tensor.causalMask(queries: length - s, keys: length), sharedMask = s > 0 ? Tensor.causalMask(s) : nil
        let full = trace != nil ? c.layers : c.layers - 1
        for layer in 0..<full {
            insert(layer)
            (x, shared) = block(x, after: shared, "text.blocks.\(layer).", c, mask: mask, sharedMask: sharedMask, units: units)
            trace?("text.layer_out.\(layer)", whole())
        }
        // LN is per row, so pooling first and normalising N rows is the same as the reverse.
        if full == c.layers {
            x = whole().reshaped([n * length, c.width]).indexSelect(alongAxis: 0, eot.enumerated().map { $0 * length + $1 })
        } else {
            insert(full)
            let pooled = eot.map { $0 - s }
            x = block(x, after: shared, "text.blocks.\(full).", c, pooling: pooled,
                      mask: mask.indexSelect(alongAxis: 0, pooled).reshaped([n, 1, 1, length]), units: units).out
        }
        let pooled = x.layerNorm(weight: w("text.final_ln.weight"), bias: w("text.final_ln.bias"), epsilon: c.layerNormEpsilon)
        trace?("text.pooled", pooled)
        return Tensor.matmul(pooled, w("text.projection"), transposeB: true, rows: units.rows(perUnit: 1)).gatherUnits(units)
    }

    /// Projected image features (B, P), not normalised.
    /// - Parameters:
    ///   - pixels: (B, 3, S, S), already preprocessed (S = the configured image size).
    ///   - prompts: tokens appended after the class and patch tokens, and deep prompts.
    ///   - trace: records every layer's output; without it the last layer runs only at the
    ///     pooled class token (see `block`). One process only.
    ///   - group: the ranks that share the images: each encodes its block of them (see
    ///     `UnitSharding`) and the features are gathered, with the same bits as one process.
    public func encodeImages(_ pixels: Tensor, prompts: TowerPrompts? = nil, trace: ActivationTrace? = nil,
                             group: any ShardGroup = SingleProcessGroup.shared) -> Tensor {
        let c = configuration.vision
        let s = configuration.imageSize, p = configuration.patchSize, g = configuration.gridSize
        precondition(pixels.rank == 4 && pixels.shape[1] == 3 && pixels.shape[2] == s && pixels.shape[3] == s,
                     "pixels must be (B, 3, \(s), \(s)), got \(pixels.shape)")
        precondition(trace == nil || group.size == 1, "a trace records one process's activations")
        let units = UnitSharding(total: pixels.shape[0], group: group)
        let b = units.local.count
        // A convolution with kernel = stride = patch is a matrix product over unfolded patches.
        let patches = Self.unfoldPatches(pixels.detached().slice(alongAxis: 0, units.local), patch: p)  // (B, G², 3·p·p)
        let tokens = Tensor.matmul(patches, w("vision.patch_embedding").reshaped([c.width, 3 * p * p]), transposeB: true,
                                   rows: units.rows(perUnit: g * g))
        let cls = w("vision.class_embedding").reshaped([1, 1, c.width]).broadcast(to: [b, 1, c.width])
        var x = Tensor.concatenate([cls, tokens], alongAxis: 1) + w("vision.position_embedding")
        let base = g * g + 1
        if let prompts {
            x = Tensor.concatenate([x, prompts.context.replicated(units)], alongAxis: 1)
        }
        trace?("vision.embeddings", x)
        x = x.layerNorm(weight: w("vision.pre_ln.weight"), bias: w("vision.pre_ln.bias"), epsilon: c.layerNormEpsilon)
        trace?("vision.pre_ln", x)
        let full = trace != nil ? c.layers : c.layers - 1
        for layer in 0..<full {
            if let r = prompts?.replacement(beforeLayer: layer) { x = Self.replacing(x, at: base, with: r, units: units) }
            x = block(x, "vision.blocks.\(layer).", c, mask: nil, units: units).out
            trace?("vision.layer_out.\(layer)", x)
        }
        if full == c.layers {
            x = x.slice(alongAxis: 1, 0..<1).reshaped([b, c.width])
        } else {
            if let r = prompts?.replacement(beforeLayer: full) { x = Self.replacing(x, at: base, with: r, units: units) }
            x = block(x, "vision.blocks.\(full).", c, pooling: Array(repeating: 0, count: b), mask: nil, units: units).out
        }
        let pooled = x
            .layerNorm(weight: w("vision.post_ln.weight"), bias: w("vision.post_ln.bias"), epsilon: c.layerNormEpsilon)
        trace?("vision.pooled", pooled)
        return Tensor.matmul(pooled, w("vision.projection"), transposeB: true, rows: units.rows(perUnit: 1)).gatherUnits(units)
    }

    /// `exp(logit_scale) · norm(image) · norm(text)ᵀ`: (B, N).
    public func logits(imageFeatures: Tensor, textFeatures: Tensor) -> Tensor {
        let scale = Foundation.exp(w("logit_scale").scalar)
        return Tensor.matmul(imageFeatures.l2Normalized(), textFeatures.l2Normalized(), transposeB: true) * scale
    }

    // MARK: Pieces

    /// One pre-LN transformer block on x (N, T, W) → (N, T, W).
    ///
    /// With `shared` (1, S, W): x holds positions S..<S+T of N sequences whose first S
    /// positions are `shared` (the text tower's shared prefix). Those rows run once, under
    /// `sharedMask`; their keys and values join every sequence's own, so `mask` covers S + T
    /// keys. The block returns both parts.
    ///
    /// With `pooling`, the block computes only position `pooling[i]` of sequence i → (N, W):
    /// keys and values still come from every position, but the query, the residual stream
    /// and the MLP — most of a block's work — run on the pooled rows only, since nothing reads
    /// the others (the last layer; the shared rows' output is then nil). `mask` is then the
    /// pooled queries' rows of the attention mask, broadcastable to (N, H, 1, S + T).
    ///
    /// The N sequences are this rank's block of `units`: their matrix products run at the
    /// rows they have in the whole product (`RowBlock`), and the shared rows' keys and values
    /// reach them through `replicated`, so their gradient is summed over every rank's units.
    func block(_ x: Tensor, after shared: Tensor? = nil, _ prefix: String, _ c: TowerConfiguration, pooling: [Int]? = nil,
               mask: Tensor?, sharedMask: Tensor? = nil, units: UnitSharding) -> (out: Tensor, shared: Tensor?) {
        let (n, t, width, heads) = (x.shape[0], x.shape[1], c.width, c.heads)
        precondition(n == units.local.count, "block of \(n) sequences for units \(units.local)")
        // Where a per-unit tensor's rows (L per unit) stand among every rank's; the shared rows
        // are a whole product of their own.
        func rowBlock(_ z: Tensor, perUnit: Bool) -> RowBlock? { perUnit ? units.rows(perUnit: z.shape[1]) : nil }
        // The rows the block outputs, (N, L, W): every position, or the pooled one per sequence.
        func outputRows(_ z: Tensor) -> Tensor {
            guard let pooling else { return z }
            precondition(pooling.count == n && pooling.allSatisfy { (0..<t).contains($0) }, "pooled positions \(pooling) for \(x.shape)")
            return z.reshaped([n * t, width]).indexSelect(alongAxis: 0, pooling.enumerated().map { $0 * t + $1 }).reshaped([n, 1, width])
        }
        func project(_ part: String, _ input: Tensor, perUnit: Bool = true) -> Tensor {
            Tensor.linear(input, weight: w(prefix + "attn.\(part).weight"), bias: w(prefix + "attn.\(part).bias"),
                          rows: rowBlock(input, perUnit: perUnit))
        }
        // Attention output (M, L, W) and the residual rows (M, L, W) → the block's rows.
        func finish(_ attended: Tensor, _ residual: Tensor, perUnit: Bool = true) -> Tensor {
            let rows = rowBlock(residual, perUnit: perUnit)
            let y = residual + Tensor.linear(attended, weight: w(prefix + "attn.out.weight"), bias: w(prefix + "attn.out.bias"), rows: rows)
            let h2 = y.layerNorm(weight: w(prefix + "ln2.weight"), bias: w(prefix + "ln2.bias"), epsilon: c.layerNormEpsilon)
            var m2 = Tensor.linear(h2, weight: w(prefix + "mlp.fc1.weight"), bias: w(prefix + "mlp.fc1.bias"), rows: rows)
            m2 = c.activation == .quickGELU ? m2.quickGELU() : m2.gelu()
            return y + Tensor.linear(m2, weight: w(prefix + "mlp.fc2.weight"), bias: w(prefix + "mlp.fc2.bias"), rows: rows)
        }
        func ln1(_ z: Tensor) -> Tensor {
            z.layerNorm(weight: w(prefix + "ln1.weight"), bias: w(prefix + "ln1.bias"), epsilon: c.layerNormEpsilon)
        }
        let h = ln1(x)
        var key = project("k", h), value = project("v", h)
        var sharedOut: Tensor?
        if let shared {
            let hs = ln1(shared), s = shared.shape[1]
            let (ks, vs) = (project("k", hs, perUnit: false), project("v", hs, perUnit: false))
            if pooling == nil {
                let attended = Tensor.attention(query: project("q", hs, perUnit: false), key: ks, value: vs, heads: heads, mask: sharedMask)
                sharedOut = finish(attended, shared, perUnit: false)
            }
            key = Tensor.concatenate([ks.reshaped([s, width]).replicated(units), key], alongAxis: 1)
            value = Tensor.concatenate([vs.reshaped([s, width]).replicated(units), value], alongAxis: 1)
        }
        let attended = Tensor.attention(query: project("q", outputRows(h)), key: key, value: value, heads: heads, mask: mask)
        let out = finish(attended, outputRows(x))
        return (pooling == nil ? out : out.reshaped([n, width]), sharedOut)
    }

    /// x (N, T, W) with rows start..<start+n replaced by `prompt` (n, W), shared by all N:
    /// N local units of `units` (the prompt `replicated` over them), or, without units, the one
    /// sequence (N = 1) every rank holds.
    static func replacing(_ x: Tensor, at start: Int, with prompt: Tensor, units: UnitSharding?) -> Tensor {
        let (n, t, width) = (x.shape[0], x.shape[1], x.shape[2])
        let k = prompt.shape[0]
        precondition(units.map { $0.local.count == n } ?? (n == 1), "replacing rows of \(x.shape) for units \(units.map { "\($0.local)" } ?? "none")")
        var parts = [x.slice(alongAxis: 1, 0..<start), units.map { prompt.replicated($0) } ?? prompt.reshaped([1, k, width])]
        if start + k < t { parts.append(x.slice(alongAxis: 1, (start + k)..<t)) }
        return Tensor.concatenate(parts, alongAxis: 1)
    }

    /// (B, 3, S, S) → (B, G², 3·p·p): patch (gy, gx) as a row in PyTorch's conv weight order
    /// (channel, ky, kx). A constant: pixels take no gradient.
    static func unfoldPatches(_ pixels: Tensor, patch p: Int) -> Tensor {
        let (b, s) = (pixels.shape[0], pixels.shape[2])
        let g = s / p
        var out = [Float](repeating: 0, count: b * g * g * 3 * p * p)
        pixels.storage.withUnsafeBufferPointer { src in
            var o = 0
            for image in 0..<b {
                for gy in 0..<g {
                    for gx in 0..<g {
                        for ch in 0..<3 {
                            for ky in 0..<p {
                                let row = ((image * 3 + ch) * s + gy * p + ky) * s + gx * p
                                for kx in 0..<p { out[o] = src[row + kx]; o += 1 }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [b, g * g, 3 * p * p], values: out)
    }
}
