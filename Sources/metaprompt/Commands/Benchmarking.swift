import Foundation

// Shared by the benchmarks of `metaprompt bench`.

/// Median wall time of `body` over `repeats` runs after two warm-up runs.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body(); try body()
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = clock.now
        try body()
        times.append((clock.now - start).seconds)
    }
    return times.sorted()[times.count / 2]
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}
