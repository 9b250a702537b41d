import AutoDiff
import CLIP
import Foundation

/// `metaprompt bench clip`: the towers at real CLIP shapes with random weights.
struct CLIPBenchmark {
    let name: String
    let configuration: CLIPConfiguration
    let batch: Int
    let repeats: Int
    let promptTokens = 4, promptDepth = 9  // ProMetaR's IVLP defaults

    /// Matrix-product flops of one tower pass over `rows` token rows of sequences of length
    /// `t`: (linear, attention), per the layer shapes.
    static func flops(_ c: TowerConfiguration, sequences: Int, length t: Int) -> (linear: Double, attention: Double) {
        let rows = Double(sequences * t), w = Double(c.width), m = Double(c.mlpWidth)
        let linear = Double(c.layers) * 2 * rows * (3 * w * w + w * w + 2 * w * m)
        let attention = Double(c.layers) * 2 * 2 * Double(sequences) * Double(t * t) * w
        return (linear, attention)
    }

    func run() throws {
        #if DEBUG
        print("warning: debug build; numbers are not meaningful (use swift build -c release)")
        #endif
        let c = configuration
        print("\(name): vision \(c.vision.layers)×\(c.vision.width) (\(c.visionTokens) tokens), text \(c.text.layers)×\(c.text.width); batch \(batch); threads \(BLAS.threadCount); median of \(repeats)")
        let model = CLIPModel.random(c, seed: 1)
        var stream = RandomStream(seed: 1, 0xBE7C)

        // sgemm at the vision MLP's shape for this batch: (B·T × W)·(W × 4W).
        let rows = batch * (c.visionTokens + promptTokens)
        let a = Tensor.normal([rows, c.vision.width], stream: &stream), b = Tensor.normal([c.vision.mlpWidth, c.vision.width], stream: &stream)
        var out = [Float](repeating: 0, count: rows * c.vision.mlpWidth)
        let gemm = BLAS.withOpenBLASThreads(BLAS.threadCount) {  // raw: OpenBLAS's own threads, as many
            medianSeconds(repeats: max(repeats, 5)) {
                BLAS.sgemm(a.storage, b.storage, &out, m: rows, n: c.vision.mlpWidth, k: c.vision.width, transposeB: true)
            }
        }
        let sgemmRate = 2 * Double(rows * c.vision.width * c.vision.mlpWidth) / gemm
        print(String(format: "sgemm %d×%d·%d×%d: %.1f GFLOP/s", rows, c.vision.width, c.vision.width, c.vision.mlpWidth, sgemmRate / 1e9))

        let pixels = Tensor.normal([batch, 3, c.imageSize, c.imageSize], stream: &stream)
        let forward = medianSeconds(repeats: repeats) { _ = withoutGradient { model.encodeImages(pixels) } }
        let plain = Self.flops(c.vision, sequences: batch, length: c.visionTokens)
        let patchFlops = 2 * Double(batch * c.gridSize * c.gridSize * 3 * c.patchSize * c.patchSize * c.vision.width)
        let forwardFlops = plain.linear + plain.attention + patchFlops
        print(String(format: "image tower forward: %.1f ms/image, %.1f GFLOP/s (%.0f%% of sgemm)",
                     forward / Double(batch) * 1e3, forwardFlops / forward / 1e9, 100 * forwardFlops / forward / sgemmRate))

        let prompts = TowerPrompts(context: Tensor.normal([promptTokens, c.vision.width], std: 0.02, stream: &stream).requiringGrad(),
                                   deep: (1..<promptDepth).map { _ in Tensor.normal([promptTokens, c.vision.width], std: 0.02, stream: &stream).requiringGrad() })
        let seed = Tensor.normal([batch, c.projectionWidth], stream: &stream)
        let leaves = [prompts.context] + prompts.deep
        let both = medianSeconds(repeats: repeats) {
            let features = model.encodeImages(pixels, prompts: prompts)
            _ = gradients(of: features, withRespectTo: leaves, seed: seed)
        }
        // Backward to the prompts needs input gradients only (weights are frozen): once more
        // every linear layer's flops, twice the attention products' (dQ, dK from dS; dP, dV).
        let prompted = Self.flops(c.vision, sequences: batch, length: c.visionTokens + promptTokens)
        let bothFlops = 2 * prompted.linear + 3 * prompted.attention + patchFlops
        print(String(format: "image tower forward + backward to %d deep prompts: %.1f ms/image, %.1f GFLOP/s (%.0f%% of sgemm)",
                     promptDepth, both / Double(batch) * 1e3, bothFlops / both / 1e9, 100 * bothFlops / both / sgemmRate))

        // Text: CoOp-style prompts "X X X X <class>." for 100 classes, truncated to the EOT.
        let classes = 100
        let length = 1 + promptTokens + 3 + 1  // SOT, context, 2 name tokens and '.', EOT
        let ids: [[Int]] = (0..<classes).map { k in
            [49406] + Array(repeating: 343, count: promptTokens) + [1000 + k, 2000 + k, 269, 49407] + Array(repeating: 0, count: 77 - length)
        }
        let textPrompts = TowerPrompts(context: Tensor.normal([promptTokens, c.text.width], std: 0.02, stream: &stream).requiringGrad(),
                                       deep: (1..<promptDepth).map { _ in Tensor.normal([promptTokens, c.text.width], std: 0.02, stream: &stream).requiringGrad() })
        let textSeed = Tensor.normal([classes, c.projectionWidth], stream: &stream)
        let textForward = medianSeconds(repeats: repeats) { _ = withoutGradient { model.encodeText(ids, prompts: textPrompts) } }
        let textBoth = medianSeconds(repeats: repeats) {
            let f = model.encodeText(ids, prompts: textPrompts)
            _ = gradients(of: f, withRespectTo: [textPrompts.context] + textPrompts.deep, seed: textSeed)
        }
        print(String(format: "text tower (%d-token prompts, truncated): forward %.2f ms, forward + backward %.2f ms per class prompt",
                     length, textForward / Double(classes) * 1e3, textBoth / Double(classes) * 1e3))
    }
}
