import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Paths of the shipped fixtures, `Tests/Fixtures/`, found from this file's location.
enum TestFixtures {
    /// `Tests/Fixtures`, with symlinks resolved first, so a package that links this test
    /// directory from elsewhere still finds the fixtures beside the real file.
    static let directory: String = {
        let here = realpath(#filePath, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? #filePath
        // Tests/DatasetsTests/TestFixtures.swift → Tests/Fixtures
        return URL(fileURLWithPath: here).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    /// The tinyshapes dataset directory (CoOp/Dassl layout).
    static var tinyshapes: String { directory + "/tinyshapes" }

    /// A file of the tinyshapes dataset, e.g. `images/blue_circle/000.jpg`.
    static func tinyshapes(_ relative: String) -> String { tinyshapes + "/" + relative }

    /// A file of the four-component JPEG fixtures, `Tests/Fixtures/jpeg/` (e.g. `ycck.jpg`,
    /// and `ycck.rgb`, Pillow's RGB bytes for it; made by that directory's `generate.py`).
    static func jpeg(_ name: String) -> String { directory + "/jpeg/" + name }
}

/// Runs `body` with a fresh empty directory, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = FileManager.default.temporaryDirectory.path + "/datasets-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Writes `text` to `path`, creating intermediate directories.
func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Array(text.utf8))
}

/// Writes `bytes` to `path`, creating intermediate directories.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// FNV-1a, 64-bit: a short fingerprint of decoded pixels for comparisons with PIL.
func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}
