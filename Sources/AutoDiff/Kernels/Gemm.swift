import CBLAS
import Synchronization

/// `C = op(A)·op(B)` for one pair of row-major matrices via OpenBLAS `cblas_sgemm`.
/// `op(A)` is M×K (A stored K×M when `transposeA`), `op(B)` is K×N; C is M×N and
/// overwritten (`beta == 0`) or accumulated into (`beta == 1`). `lda`: A's row length when A
/// is a column block of a wider matrix (default: its own width).
@inline(__always)
func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
           m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float = 0, lda: Int? = nil) {
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1,
                a, Int32(lda ?? (transposeA ? m : k)),
                b, Int32(transposeB ? k : n),
                beta, c, Int32(n))
}

/// `count` products C_e = op(A_e)·op(B_e) (A_e at `a + e·strideA`, B_e at `b + e·strideB`,
/// C_e at `c + e·m·n`) on the engine's threads (``Parallel``), each entry's bits as one plain
/// call gives them: the entries are split over the threads when there are enough of them,
/// otherwise each product's rows are, in blocks aligned to OpenBLAS's row tile
/// (``RowAlignedProduct``). `rows`: the A rows are that block of a larger product (one entry,
/// A not transposed), and keep the bits they have there.
func parallelProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      count: Int, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                      strideA: Int, strideB: Int, rows: RowBlock?) {
    BLAS.count(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, times: count)
    let chunks = Parallel.chunkCount(work: count * m * n * k)
    func entry(_ e: Int) {
        sgemm(a + e * strideA, b + e * strideB, c + e * m * n, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    }
    if chunks > 1 && count >= chunks && rows == nil {
        return Parallel.run(chunks: chunks) { i in (count * i / chunks..<count * (i + 1) / chunks).forEach(entry) }
    }
    // One thread, or no measured tile: the plain calls, on the caller.
    guard chunks > 1, let tile = transposeA ? RowAlignedProduct.transposedRowTile : RowAlignedProduct.rowTile else {
        if let rows { return RowAlignedProduct.multiply(a, b, c, m: m, n: n, k: k, transposeB: transposeB, block: rows) }
        return (0..<count).forEach(entry)
    }
    let block = rows ?? RowBlock(start: 0, total: m)
    // Boundaries in the whole product's rows, rounded up to the tile.
    let bounds = (0...chunks).map { j in
        j == chunks ? block.start + m : min(block.start + m, (block.start + m * j / chunks + tile - 1) / tile * tile)
    }
    for e in 0..<count {
        let ae = a + e * strideA, be = b + e * strideB, ce = c + e * m * n
        Parallel.run(chunks: chunks) { i in
            let lower = i == 0 ? block.start : bounds[i], upper = bounds[i + 1]
            guard lower < upper else { return }
            let offset = lower - block.start
            if transposeA {  // aligned blocks of whole products only: plain calls on a column block of A
                sgemm(ae + offset, be, ce + offset * n, m: upper - lower, n: n, k: k, transposeA: true,
                      transposeB: transposeB, lda: m)
            } else {
                RowAlignedProduct.multiply(ae + offset * k, be, ce + offset * n, m: upper - lower, n: n, k: k,
                                           transposeB: transposeB, block: RowBlock(start: lower, total: block.total))
            }
        }
    }
}

/// The engine's matrix products: its thread count (OpenBLAS itself runs on one thread; the
/// engine splits products over its own threads, so results do not depend on the count), its
/// counters for benchmarks, and raw sgemm for comparison.
public enum BLAS {
    /// Sets the engine's thread count (``Parallel``), which also splits the matrix products;
    /// OpenBLAS itself stays on one thread.
    public static func setThreadCount(_ n: Int) {
        openblas_set_num_threads(1)
        Parallel.setThreadCount(n)
    }
    public static var threadCount: Int { Parallel.threadCount }

    /// Runs `body` with OpenBLAS's own threads set to `n` (raw-rate measurements), then back
    /// to one.
    public static func withOpenBLASThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        openblas_set_num_threads(Int32(n))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// Matrix-product flops issued by the engine since the process started (2·M·N·K per
    /// product), for benchmarks.
    public static var flops: Int { flopCounter.load(ordering: .relaxed) }
    private static let flopCounter = Atomic<Int>(0)

    /// Counts `times` products of one shape in ``flops`` (and in ``products`` while
    /// recording): the products as the engine asks for them, before it splits them over its
    /// threads or pads a row block to its tile.
    static func count(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, times: Int) {
        flopCounter.add(2 * m * n * k * times, ordering: .relaxed)
        guard recordsProducts.load(ordering: .relaxed) else { return }
        recorded.withLock { $0[Product(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB), default: 0] += times }
    }

    /// One shape of matrix product the engine issued.
    public struct Product: Hashable, Sendable {
        public var m, n, k: Int
        public var transposeA, transposeB: Bool
    }
    /// Counts, by shape, the products the engine issues from now on (`bench step`'s bound:
    /// the same products at the raw sgemm rate); ``stopRecordingProducts()`` returns them.
    public static func recordProducts() {
        recorded.withLock { $0 = [:] }
        recordsProducts.store(true, ordering: .relaxed)
    }
    public static func stopRecordingProducts() -> [Product: Int] {
        recordsProducts.store(false, ordering: .relaxed)
        return recorded.withLock { $0 }
    }
    private static let recordsProducts = Atomic<Bool>(false)
    private static let recorded = Mutex<[Product: Int]>([:])

    /// The row tile of this BLAS's matrix products, as measured (see `RowAlignedProduct`).
    public static var rowTile: Int? { RowAlignedProduct.rowTile }

    /// `C = op(A)·op(B)` straight through `cblas_sgemm` (row-major, C overwritten, not counted
    /// in ``flops``): the raw rate benchmarks compare the engine against.
    public static func sgemm(_ a: [Float], _ b: [Float], _ c: inout [Float], m: Int, n: Int, k: Int,
                             transposeA: Bool = false, transposeB: Bool = false) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "sgemm \(m)×\(k)·\(k)×\(n) on buffers of \(a.count), \(b.count), \(c.count)")
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), 0, &c, Int32(n))
    }
}

/// Where a matrix product's rows stand in a larger product whose rows are split over ranks:
/// rows `start ..< start + M` of `total`.
public struct RowBlock: Sendable, Equatable {
    public var start: Int
    public var total: Int
    public init(start: Int, total: Int) {
        precondition(start >= 0 && start <= total, "row block at \(start) of \(total)")
        self.start = start
        self.total = total
    }
}

/// Rows of a matrix product whose bits do not depend on how many rows are multiplied at once.
///
/// OpenBLAS computes C = A·B in tiles of rows; the bits of a row depend on its position within
/// its tile, and the rows of a partial last tile go through other kernels (measured: OpenBLAS
/// 0.3.21 on Zen, rows computed alike at positions 12 apart, other kernels for the last
/// `total mod 12` rows). So the same image's rows, multiplied together with a different number
/// of other images, come out different. `multiply` computes a block of rows of a larger product
/// as the whole product would: the block is placed at its position within a tile (zero rows
/// before it), and the call ends at a tile boundary — or, when the block reaches into the whole
/// product's partial last tile, where the whole product ends (zero rows after the block), so
/// those rows go through the same kernels. The whole product itself is one plain call.
/// The tile is measured once per process, by running this very procedure on test blocks.
enum RowAlignedProduct {
    /// Values in [−1, 1] in steps of 0.001 from a 64-bit LCG, for the tile measurements.
    struct TestValues {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
    }

    /// The smallest row count t for which `multiply` reproduces every test block of two whole
    /// products (777 rows, and 5, below any tile) bit for bit, for both layouts of B; nil if no
    /// candidate does.
    static let rowTile: Int? = {
        let (k, n) = (67, 45)
        var stream = TestValues(state: 0x9E37_79B9_7F4A_7C15)
        func next() -> Float { stream.next() }
        let a = (0..<(777 * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
        let tests: [(total: Int, blocks: [(Int, Int)])] = [
            (777, [(0, 5), (0, 100), (7, 50), (100, 377), (390, 387), (760, 12), (769, 4), (770, 7), (13, 764)]),
            (5, [(0, 3), (3, 2), (1, 1)]),
        ]
        func product(_ rows: Range<Int>, total: Int, transposeB: Bool, tile: Int?) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        multiply(a.baseAddress! + rows.lowerBound * k, b.baseAddress!, c.baseAddress!, m: rows.count, n: n, k: k,
                                 transposeB: transposeB, block: RowBlock(start: rows.lowerBound, total: total), tile: tile)
                    }
                }
            }
            return c
        }
        candidates: for tile in [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
            for transposeB in [false, true] {
                for (total, blocks) in tests {
                    let whole = product(0..<total, total: total, transposeB: transposeB, tile: nil)
                    for (start, count) in blocks {
                        let rows = start..<(start + count)
                        if product(rows, total: total, transposeB: transposeB, tile: tile) != Array(whole[(start * n)..<((start + count) * n)]) {
                            continue candidates
                        }
                    }
                }
            }
            return tile
        }
        return nil
    }()

    /// The same for Aᵀ·op(B) (A stored K×M), for the blocks ``parallelProducts`` uses: the
    /// smallest tile t for which every block that starts at a multiple of t and ends at one or
    /// at the product's end, computed as one call on that column block of A, reproduces the
    /// whole product's rows bit for bit (777 and 5 rows, both layouts of B); nil if none does.
    static let transposedRowTile: Int? = {
        let (k, n) = (67, 45)
        var stream = TestValues(state: 0xD1B5_4A32_D192_ED03)
        func next() -> Float { stream.next() }
        let b = (0..<(k * n)).map { _ in next() }
        func product(_ a: [Float], _ rows: Range<Int>, total: Int, transposeB: Bool) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        sgemm(a.baseAddress! + rows.lowerBound, b.baseAddress!, c.baseAddress!, m: rows.count, n: n, k: k,
                              transposeA: true, transposeB: transposeB, lda: total)
                    }
                }
            }
            return c
        }
        candidates: for tile in [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
            for total in [777, 5] {
                let a = (0..<(k * total)).map { _ in next() }
                for transposeB in [false, true] {
                    let whole = product(a, 0..<total, total: total, transposeB: transposeB)
                    let starts = Array(stride(from: 0, to: total, by: tile))
                    for (i, start) in starts.enumerated() {
                        for end in [min(start + tile, total), total, starts.count > i + 3 ? starts[i + 3] : total] where end > start {
                            if product(a, start..<end, total: total, transposeB: transposeB) != Array(whole[(start * n)..<(end * n)]) {
                                continue candidates
                            }
                        }
                    }
                }
            }
            return tile
        }
        return nil
    }()

    /// C (M×N) = A·op(B) for the M rows of A that are rows `block.start…` of a product.
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, transposeB: Bool, block: RowBlock) {
        multiply(a, b, c, m: m, n: n, k: k, transposeB: transposeB, block: block, tile: rowTile)
    }

    /// The same with an explicit tile; nil multiplies the rows on their own.
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, transposeB: Bool, block: RowBlock, tile: Int?) {
        precondition(block.start + m <= block.total, "\(m) rows at \(block.start) of a \(block.total)-row product")
        guard m > 0, n > 0 else { return }
        guard let tile else { return sgemm(a, b, c, m: m, n: n, k: k, transposeA: false, transposeB: transposeB) }
        // In the whole product's rows: the call covers first..<last.
        let first = block.start / tile * tile, partial = block.total / tile * tile
        let last = block.start + m > partial ? block.total : (block.start + m + tile - 1) / tile * tile
        let lead = block.start - first, rows = last - first
        if lead == 0 && rows == m {
            return sgemm(a, b, c, m: m, n: n, k: k, transposeA: false, transposeB: transposeB)
        }
        let paddedA = [Float](unsafeUninitializedCapacity: rows * k) { buffer, count in
            let base = buffer.baseAddress!
            base.initialize(repeating: 0, count: lead * k)
            (base + lead * k).initialize(from: a, count: m * k)
            (base + (lead + m) * k).initialize(repeating: 0, count: (rows - lead - m) * k)
            count = rows * k
        }
        var paddedC = [Float](unsafeUninitializedCapacity: rows * n) { _, count in count = rows * n }
        paddedA.withUnsafeBufferPointer { pa in
            paddedC.withUnsafeMutableBufferPointer { pc in
                sgemm(pa.baseAddress!, b, pc.baseAddress!, m: rows, n: n, k: k, transposeA: false, transposeB: transposeB)
                c.update(from: pc.baseAddress! + lead * n, count: m * n)
            }
        }
    }
}
