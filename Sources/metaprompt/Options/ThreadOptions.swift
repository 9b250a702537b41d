import AutoDiff
import Foundation

/// `--threads N`: OpenBLAS's thread count, 1 unless the command defaults to the environment's
/// (``environment``).
struct ThreadOptions: ParsableArguments {
    @Option(help: "OpenBLAS threads", in: 1...1024) var threads: Int = 1

    /// OPENBLAS_NUM_THREADS, else 1.
    static var environmentDefault: Int { Int(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "1") ?? 1 }

    /// `--threads` defaulting to ``environmentDefault``.
    static var environment: ThreadOptions {
        var options = ThreadOptions()
        options._threads = options._threads.defaulting(to: environmentDefault, shown: "OPENBLAS_NUM_THREADS, else 1")
        return options
    }

    /// Sets OpenBLAS's thread count to `threads`.
    func apply() { BLAS.setThreadCount(threads) }
}
