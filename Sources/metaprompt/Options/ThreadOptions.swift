import AutoDiff
import Foundation

/// `--threads N`: the engine's thread count (its pool splits the products and the kernels;
/// OpenBLAS runs on one thread), 1 unless the command defaults to the environment's
/// (``environment``).
struct ThreadOptions: ParsableArguments {
    @Option(help: "threads (results are the same for any count)", in: 1...1024) var threads: Int = 1

    /// OPENBLAS_NUM_THREADS, else 1.
    static var environmentDefault: Int { Int(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "1") ?? 1 }

    /// `--threads` defaulting to ``environmentDefault``.
    static var environment: ThreadOptions {
        var options = ThreadOptions()
        options._threads = options._threads.defaulting(to: environmentDefault, shown: "OPENBLAS_NUM_THREADS, else 1")
        return options
    }

    /// Sets the engine's thread count to `threads`.
    func apply() { BLAS.setThreadCount(threads) }
}
