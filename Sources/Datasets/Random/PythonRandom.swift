import Foundation

/// Python's `random.Random`, bit for bit, as far as Dassl's few-shot sampling uses it:
/// `seed(int)`, `getrandbits`, `_randbelow` and `sample`.
///
/// The core is MT19937 (Matsumoto & Nishimura, ACM TOMACS 8(1), 1998) exactly as CPython's
/// `Modules/_randommodule.c`: `seed(n)` calls `init_by_array` with the 32-bit words of `|n|`,
/// least significant first (`[0]` for 0). This lets a CoOp user's few-shot split (made under
/// `random.seed(cfg.SEED)`) and ours pick the same images.
public struct PythonRandom: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `random.seed(seed)` for an integer seed (its absolute value is used, as CPython does).
    public init(seed: Int) {
        let magnitude = seed.magnitude
        var words = [UInt32(truncatingIfNeeded: magnitude), UInt32(truncatingIfNeeded: magnitude >> 32)]
        while words.count > 1 && words.last == 0 { words.removeLast() }
        self.init(seedWords: words)
    }

    /// `random.seed(n)` for an integer of any size, given as the 32-bit words of `|n|`, least
    /// significant first. High zero words do not matter (CPython uses only the significant ones).
    public init(seedWords: [UInt32]) {
        var key = seedWords
        while key.count > 1 && key.last == 0 { key.removeLast() }
        if key.isEmpty { key = [0] }
        initGenrand(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= 624 {
                state[0] = state[623]
                i = 1
            }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 {
                state[0] = state[623]
                i = 1
            }
        }
        state[0] = 0x8000_0000  // MSB is 1, assuring a non-zero initial array
        index = 624
    }

    private mutating func initGenrand(_ s: UInt32) {
        state[0] = s
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// The next 32-bit output (`genrand_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF, matrix: UInt32 = 0x9908_B0DF
        for k in 0..<624 {
            let y = (state[k] & upper) | (state[(k + 1) % 624] & lower)
            state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? matrix : 0)
        }
        index = 0
    }

    /// `getrandbits(k)` for `0 ≤ k ≤ 64`: one 32-bit output per started word, least
    /// significant word first, the last one shifted right to keep its top bits.
    public mutating func randomBits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64, "randomBits supports 0...64 bits, got \(k)")
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> (32 - k)) }
        let low = UInt64(nextUInt32())
        return low | UInt64(nextUInt32() >> (64 - k)) << 32
    }

    /// `_randbelow(n)` (`_randbelow_with_getrandbits`): `getrandbits(n.bit_length())` until
    /// the draw is below `n`. Draws even for `n = 1` (one word), as CPython does.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(_:) needs a positive bound, got \(n)")
        let bits = Int.bitWidth - n.leadingZeroBitCount
        var r = randomBits(bits)
        while r >= UInt64(n) { r = randomBits(bits) }
        return Int(r)
    }

    /// `random.sample(population, k)`: `k` distinct elements in selection order.
    ///
    /// CPython picks one of two algorithms by comparing `n` with the memory of a set of `k`
    /// indices, `setsize = 21 + (k > 5 ? 4^⌈log₄(3k)⌉ : 0)`: for `n ≤ setsize` a partial
    /// Fisher–Yates over a copy of the pool (`j = below(n − i)`, the vacancy filled from the
    /// end), otherwise rejection of repeated `below(n)` indices. Both are reproduced.
    public mutating func sample<T>(_ population: [T], count k: Int) -> [T] {
        let n = population.count
        precondition(k >= 0 && k <= n, "sample larger than population or negative: \(k) of \(n)")
        var setSize = 21
        if k > 5 {
            // math.log(k * 3, 4) is log(x) / log(4) in CPython.
            setSize += Int(pow(4.0, ceil(log(Double(k * 3)) / log(4.0))))
        }
        var result: [T] = []
        result.reserveCapacity(k)
        if n <= setSize {
            var pool = population
            for i in 0..<k {
                let j = below(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = below(n)
                while selected.contains(j) { j = below(n) }
                selected.insert(j)
                result.append(population[j])
            }
        }
        return result
    }
}
