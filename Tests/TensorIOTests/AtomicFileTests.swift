import Foundation
import Testing
import TensorIO

@Suite struct AtomicFileTests {
    private func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    private func listing(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func writesANewFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/out.bin"
            try AtomicFile.write([1, 2, 3], to: path)
            #expect(contents(path) == [1, 2, 3])
            #expect(try listing(directory) == ["out.bin"])
        }
    }

    @Test func replacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/results.json"
            try AtomicFile.write(Array(repeating: 7, count: 100_000), to: path)
            try AtomicFile.write("{\"accuracy\": 1}\n", to: path)
            #expect(contents(path) == Array("{\"accuracy\": 1}\n".utf8))
            try [UInt8]().withUnsafeBytes { try AtomicFile.write($0, to: directory + "/empty") }
            #expect(contents(directory + "/empty") == [])
            #expect(try listing(directory) == ["empty", "results.json"])
        }
    }

    @Test func failsNamingThePathWhenTheDirectoryIsMissing() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/missing/out.bin"
            let error = #expect(throws: AtomicFileError.self) { try AtomicFile.write([1], to: path) }
            #expect(error?.path == path && error?.operation == "open" && error?.code == ENOENT)
            #expect(error?.description == "cannot write '\(path)': open: No such file or directory")
            let names = try listing(directory)
            #expect(names == [])
        }
    }

    @Test func failedRenameKeepsTheTargetAndRemovesTheTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            // A non-empty directory at the target path makes rename(2) fail after the data is written.
            let path = directory + "/target"
            try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
            let error = #expect(throws: AtomicFileError.self) { try AtomicFile.write([1, 2], to: path) }
            #expect(error?.path == path)
            #expect(error?.operation == "rename")
            #expect(try listing(directory) == ["target"])
            #expect(try listing(path) == ["inside"])
        }
    }
}
