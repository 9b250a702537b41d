import Foundation

/// Runs `body` with a fresh empty directory, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = FileManager.default.temporaryDirectory.path + "/tensorio-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The bytes of a safetensors file with a hand-written header, unpadded.
func safetensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    safetensorsBytes(header: Array(header.utf8), data: data)
}

/// The bytes of a safetensors file with the given header bytes, unpadded.
func safetensorsBytes(header: [UInt8], data: [UInt8] = []) -> [UInt8] {
    withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + data
}

/// The little-endian bytes of `values`.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
}
