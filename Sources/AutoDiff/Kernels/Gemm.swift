import CBLAS

/// `C = op(A)·op(B)` for one pair of row-major matrices via OpenBLAS `cblas_sgemm`.
/// `op(A)` is M×K (A stored K×M when `transposeA`), `op(B)` is K×N; C is M×N and
/// overwritten (`beta == 0`) or accumulated into (`beta == 1`).
@inline(__always)
func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
           m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float = 0) {
    BLAS.flops &+= 2 * m * n * k
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1,
                a, Int32(transposeA ? m : k),
                b, Int32(transposeB ? k : n),
                beta, c, Int32(n))
}

/// OpenBLAS threading. metaprompt runs one BLAS thread per MPI rank unless told otherwise,
/// so ranks do not oversubscribe cores and results do not depend on a thread count.
public enum BLAS {
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Matrix-product flops issued by the engine since the process started (2·M·N·K per
    /// product), for benchmarks. Unsynchronised: meaningful when one thread runs the engine.
    nonisolated(unsafe) public static var flops = 0

    /// `C = op(A)·op(B)` straight through `cblas_sgemm` (row-major, C overwritten, not counted
    /// in ``flops``): the raw rate benchmarks compare the engine against.
    public static func sgemm(_ a: [Float], _ b: [Float], _ c: inout [Float], m: Int, n: Int, k: Int,
                             transposeA: Bool = false, transposeB: Bool = false) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "sgemm \(m)×\(k)·\(k)×\(n) on buffers of \(a.count), \(b.count), \(c.count)")
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), 0, &c, Int32(n))
    }
}

/// Rows of a matrix product whose bits do not depend on how many rows are multiplied at once.
///
/// OpenBLAS computes C = A·B in tiles of rows; the bits of a row depend on its position within
/// its tile, and the rows of a partial last tile go through other kernels (measured: OpenBLAS
/// 0.3.21 on Zen, tiles of 24 rows). So the same image's rows, multiplied together with a
/// different number of other images, come out different. `aligned` multiplies rows that stand
/// at global row `phase` of a larger product as if they were part of it: they are placed at
/// the same position within a tile as there, and the product is padded with zero rows to
/// whole tiles — every row then goes through the full-tile kernel at its global position.
/// The tile is measured once per process (`rowTile`).
enum RowAlignedProduct {
    /// The smallest row count t for which rows at the same position modulo t of whole-tile
    /// products agree bit for bit, measured on this BLAS; nil if no candidate does.
    static let rowTile: Int? = {
        let (k, n, reference) = (67, 45, 768)  // 768 rows: a multiple of every candidate
        var stream: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            stream = stream &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: stream >> 11) % 2001 - 1000) / 1000
        }
        let a = (0..<(reference * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
        func product(_ rows: Range<Int>, transposeB: Bool) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        sgemm(a.baseAddress! + rows.lowerBound * k, b.baseAddress!, c.baseAddress!, m: rows.count, n: n, k: k,
                              transposeA: false, transposeB: transposeB)
                    }
                }
            }
            return c
        }
        let whole = [false, true].map { product(0..<reference, transposeB: $0) }
        candidates: for tile in [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
            for (t, transposeB) in [false, true].enumerated() {
                for (start, tiles) in [(0, 1), (tile, 2), (3 * tile, 1), (reference - 2 * tile, 2)] {
                    let rows = start..<(start + tiles * tile)
                    guard rows.upperBound <= reference else { continue }
                    if product(rows, transposeB: transposeB) != Array(whole[t][(rows.lowerBound * n)..<(rows.upperBound * n)]) {
                        continue candidates
                    }
                }
            }
            return tile
        }
        return nil
    }()

    /// C (M×N) = A·op(B) for the M rows of A that stand at global row `phase` of a product.
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, transposeB: Bool, phase: Int) {
        guard m > 0, n > 0 else { return }
        guard let tile = rowTile else {
            return sgemm(a, b, c, m: m, n: n, k: k, transposeA: false, transposeB: transposeB)
        }
        let lead = phase % tile, rows = (lead + m + tile - 1) / tile * tile
        if lead == 0 && rows == m {
            return sgemm(a, b, c, m: m, n: n, k: k, transposeA: false, transposeB: transposeB)
        }
        var paddedA = [Float](repeating: 0, count: rows * k), paddedC = [Float](repeating: 0, count: rows * n)
        paddedA.withUnsafeMutableBufferPointer { pa in
            (pa.baseAddress! + lead * k).update(from: a, count: m * k)
            paddedC.withUnsafeMutableBufferPointer { pc in
                sgemm(pa.baseAddress!, b, pc.baseAddress!, m: rows, n: n, k: k, transposeA: false, transposeB: transposeB)
                c.update(from: pc.baseAddress! + lead * n, count: m * n)
            }
        }
    }
}
