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
