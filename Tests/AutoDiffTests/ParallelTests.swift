import AutoDiff
import Foundation
import Testing

/// The engine's threads change no bit: a block of a transformer layer — tile-aligned row blocks
/// of tall products (also with A transposed, in the weight gradients), batched per-head
/// products, a row block of a rank-split product, broadcasts, permutes, softmax, layer norm,
/// reductions — and its first and second derivatives give the same bits on 1, 2, 3 and 5
/// threads, with every kernel split (`Parallel.minimumWork = 0`).
@Suite(.serialized) struct ParallelTests {
    /// Everything the block computes, flattened.
    static func block() -> [[Float]] {
        var stream = RandomStream(seed: 7, 0x9A2)
        let (batch, tokens, width, heads) = (3, 29, 24, 4)
        let x = Tensor.normal([batch, tokens, width], stream: &stream).requiringGrad()
        let wq = Tensor.normal([width, width], std: 0.2, stream: &stream).requiringGrad()
        let w1 = Tensor.normal([4 * width, width], std: 0.2, stream: &stream).requiringGrad()
        let w2 = Tensor.normal([width, 4 * width], std: 0.2, stream: &stream).requiringGrad()
        let gamma = Tensor.normal([width], stream: &stream).requiringGrad()
        let beta = Tensor.normal([width], stream: &stream).requiringGrad()
        let h = x.layerNorm(weight: gamma, bias: beta)
        let q = Tensor.linear(h, weight: wq, bias: nil)
        let attended = Tensor.attention(query: q, key: q, value: q, heads: heads, mask: Tensor.causalMask(tokens))
        let y = x + Tensor.linear(Tensor.linear(attended, weight: w1, bias: nil).quickGELU(), weight: w2, bias: nil)
        // Rows 17… of an 87-row product, as a rank's share of it.
        let rows = y.reshaped([batch * tokens, width]).slice(alongAxis: 0, 17..<87)
        let shard = Tensor.linear(rows, weight: wq, bias: nil, rows: RowBlock(start: 17, total: 87))
        let loss = y.permuted([0, 2, 1]).logSoftmax().sum(alongAxes: [0, 1]).squared().sum() + shard.squared().mean()
        let first = gradients(of: loss, withRespectTo: [x, wq, w1, w2, gamma], createGraph: true)
        let second = gradients(of: first.map { ($0 * $0).sum() }.reduce(Tensor(shape: [], values: [0]), +),
                               withRespectTo: [x, wq, w1, w2, gamma])
        return [y.storage, shard.storage, loss.storage] + first.map(\.storage) + second.map(\.storage)
    }

    @Test func threadCountsGiveTheSameBits() {
        let minimum = Parallel.minimumWork
        defer { Parallel.minimumWork = minimum; BLAS.setThreadCount(1) }
        BLAS.setThreadCount(1)
        let one = Self.block()
        Parallel.minimumWork = 0
        for threads in [2, 3, 5] {
            // Tests of other suites run in this process at the same time: a kernel that finds
            // the pool busy with theirs runs unsplit, and some set one thread for themselves.
            // So compute again (up to 5 times, setting the count each time) until this block's
            // work was split; every attempt's bits are compared.
            var split = false
            for _ in 0..<5 where !split {
                BLAS.setThreadCount(threads)
                let splitBefore = Parallel.splitJobs
                let many = Self.block()
                split = Parallel.splitJobs > splitBefore + 100
                for (i, (a, b)) in zip(one, many).enumerated() {
                    let differing = zip(a, b).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                    #expect(differing == 0 && a.count == b.count, "\(threads) threads: output \(i) differs in \(differing) of \(a.count) values")
                }
            }
            #expect(split, "\(threads) threads: the work was not split")
        }
    }

    /// Ranks run as threads in tests: callers that find the pool busy run their chunks
    /// themselves — no deadlock, and each gets the bits it would alone.
    @Test func concurrentCallersShareThePool() {
        let minimum = Parallel.minimumWork
        defer { Parallel.minimumWork = minimum; BLAS.setThreadCount(1) }
        Parallel.minimumWork = 0
        BLAS.setThreadCount(3)
        var stream = RandomStream(seed: 3, 0x51)
        let a = Tensor.normal([8, 61, 40], stream: &stream), b = Tensor.normal([8, 40, 33], stream: &stream)
        let expected = Tensor.matmul(a, b).softmax().storage
        let results = Results(count: 6)
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            results.set(i, Tensor.matmul(a, b).softmax().storage)
        }
        let same = results.all.allSatisfy { $0 == expected }
        #expect(same)
    }

    final class Results: @unchecked Sendable {
        private var values: [[Float]]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: [], count: count) }
        func set(_ i: Int, _ v: [Float]) { lock.lock(); values[i] = v; lock.unlock() }
        var all: [[Float]] { lock.lock(); defer { lock.unlock() }; return values }
    }
}
