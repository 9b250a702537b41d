import AutoDiff
import Distributed
import Foundation
import Pretraining
import Testing
import Training

/// The demo's pretraining at full size (both towers width 128, 4 layers; batch 128 in four
/// micro-batches of 32) on one BLAS thread and one rank, timed. Off unless
/// `METAPROMPT_PRETRAIN_BENCH_STEPS` is set; run it in release:
///
///     swift build -c release --build-tests --scratch-path .build-pretrain-release
///     METAPROMPT_PRETRAIN_BENCH_STEPS=1000 swift test -c release --skip-build \
///         --scratch-path .build-pretrain-release --filter PretrainingBenchmark
@Suite struct PretrainingBenchmarkTests {
    static let steps = ProcessInfo.processInfo.environment["METAPROMPT_PRETRAIN_BENCH_STEPS"].flatMap { Int($0) }

    /// Captions as long as the world's (5–12 words), from its kind of templates.
    static let templates = ["a photo of a {size} {color} square on a {texture} background .", "a {size} square that is {color} .",
                            "there is a {size} {color} square .", "a {color} square on a {texture} background ."]
    static let sizes = ["small", "big", "tiny", "large"], textures = ["plain", "striped", "checkered", "dotted"]

    @Test(.enabled(if: steps != nil)) func fullSizePretrainingOnOneThread() throws {
        BLAS.setThreadCount(1)
        let steps = Self.steps!
        let directory = NSTemporaryDirectory() + "pretraining-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let words = ["a", "photo", "of", "square", "on", "background", "that", "is", "there", "."]
            + PretrainingRunTests.colors.map(\.name) + Self.sizes + Self.textures
        var options = PretrainingOptions(outputDirectory: directory, words: words, seed: 1, steps: steps)
        options.logEvery = max(1, steps / 20)
        let clock = ContinuousClock(), start = clock.now, flopsBefore = BLAS.flops
        try PretrainingTrainer(options: options, communicator: LocalCommunicator()) { i in
            let s = PretrainingRunTests.sample(seed: 1, index: i)
            var stream = RandomStream(seed: 2, UInt64(i))
            let caption = Self.templates[stream.int(below: Self.templates.count)]
                .replacingOccurrences(of: "{size}", with: Self.sizes[stream.int(below: 4)])
                .replacingOccurrences(of: "{texture}", with: Self.textures[stream.int(below: 4)])
                .replacingOccurrences(of: "{color}", with: PretrainingRunTests.colors[s.label].name)
            return (s.image, caption)
        }.run()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let gflop = Double(BLAS.flops - flopsBefore) / 1e9
        print(String(format: "pretraining benchmark: %d steps of 128 pairs in %.1f s (%.3f s/step, %.0f pairs/s) on one thread; "
                     + "matrix products %.1f GFLOP/step, %.1f GFLOP/s overall; sgemm 512³ alone: %.1f GFLOP/s",
                     steps, seconds, seconds / Double(steps), Double(steps * 128) / seconds, gflop / Double(steps), gflop / seconds,
                     Self.sgemmRate()))
    }
}

extension PretrainingBenchmarkTests {
    /// This machine's single-thread sgemm rate on 512×512×512 products (median of 9, after a
    /// warm-up), for scale.
    static func sgemmRate() -> Double {
        var stream = RandomStream(seed: 1)
        let a = Tensor.normal([512, 512], stream: &stream), b = Tensor.normal([512, 512], stream: &stream)
        let clock = ContinuousClock()
        _ = withoutGradient { Tensor.matmul(a, b) }
        let times = (0..<9).map { _ -> Double in
            let start = clock.now
            _ = withoutGradient { Tensor.matmul(a, b) }
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }.sorted()
        return 2 * 512 * 512 * 512 / times[4] / 1e9
    }
}
