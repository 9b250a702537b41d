import Foundation

/// Row-wise log-softmax in Float64 of a row-major matrix with `columns` columns: the
/// reference that float32 softmax-based ops are checked against.
public func logSoftmaxReference(_ x: [Double], columns: Int) -> [Double] {
    stride(from: 0, to: x.count, by: columns).flatMap { start -> [Double] in
        let row = Array(x[start..<(start + columns)])
        let m = row.max()!
        let logSum = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }) + m
        return row.map { $0 - logSum }
    }
}
