import Foundation
import Testing
import TestSupport

/// The binary's exit codes and exact messages: 0 success, 1 failure, 64 usage.
@Suite struct CommandLineTests {
    let binary = metapromptExecutable()

    @Test func noArgumentsPrintsUsageAndExits64() throws {
        let r = try runProcess(binary, [])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("usage: metaprompt COMMAND [OPTIONS]\n"))
    }

    @Test func helpListsCommandsAndExits0() throws {
        let r = try runProcess(binary, ["--help"])
        #expect(r.status == 0)
        for command in ["demo", "tokenize", "encode", "step", "train", "inspect", "bench"] { #expect(r.stdout.contains("\n  \(command) "), "\(r)") }
    }

    @Test(arguments: [
        (["frobnicate"], "metaprompt: unknown command 'frobnicate'"),
        (["bench"], "metaprompt bench: missing benchmark (kernels, clip, step or scaling)"),
        (["bench", "gpus"], "metaprompt bench: unknown benchmark 'gpus' (kernels, clip, step or scaling)"),
        (["demo", "--steps", "ten"], "metaprompt demo: --steps must be an integer in 1...1000000, got 'ten'"),
        (["demo", "--steps"], "metaprompt demo: --steps needs a value"),
        (["demo", "--first-order=yes"], "metaprompt demo: --first-order takes no value"),
        (["demo", "--speed", "3"], "metaprompt demo: unknown option --speed"),
    ])
    func usageErrorsExit64WithMessage(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
    }

    @Test(arguments: ["demo", "tokenize", "encode", "step", "train", "inspect", "bench"])
    func everyCommandHasHelp(_ command: String) throws {
        let r = try runProcess(binary, [command, "--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("usage: metaprompt \(command)"), "\(r)")
    }
}

/// `inspect` on good and malformed safetensors files: exact listing, or exit 1 naming the file.
@Suite struct InspectCommandTests {
    let binary = metapromptExecutable()

    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "metaprompt-inspect-\(UUID().uuidString).safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A file with the given header and `dataBytes` zero bytes of data.
    func file(header: String, dataBytes: Int) throws -> String {
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init)
        bytes += h + [UInt8](repeating: 0, count: dataBytes)
        return try temporaryFile(bytes)
    }

    @Test func listsTensorsInSortedOrder() throws {
        let path = try file(header: #"{"b":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"I64","shape":[],"data_offsets":[24,32]},"__metadata__":{"format":"pt"}}"#, dataBytes: 32)
        let r = try runProcess(binary, ["inspect", path])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "\(path): 2 tensors\n  a  I64  []\n  b  F32  [2, 3]\n  metadata format = pt\n")
    }

    @Test(arguments: [
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, 20, "truncated"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]"#, 24, "not valid JSON"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,240]}}"#, 24, "'x'"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, 20, "'x'"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, "'x'"),
    ])
    func malformedFileExits1NamingFileAndTensor(_ header: String, _ dataBytes: Int, _ mention: String) throws {
        let path = try file(header: header, dataBytes: dataBytes)
        let r = try runProcess(binary, ["inspect", path])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt inspect: \(path): "), "\(r)")
        #expect(r.stderr.contains(mention), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    @Test func truncatedToFourBytesIsAnError() throws {
        let r = try runProcess(binary, ["inspect", try temporaryFile([1, 2, 3, 4])])
        #expect(r.status == 1 && r.stderr.contains("shorter than the 8-byte header length"), "\(r)")
    }

    @Test func missingFileIsAnError() throws {
        let r = try runProcess(binary, ["inspect", "/nonexistent/model.safetensors"])
        #expect(r.status == 1 && r.stderr.contains("/nonexistent/model.safetensors"), "\(r)")
    }

    /// A one-character split file name used to crash Foundation's path handling.
    @Test(arguments: ["train", "eval"])
    func aBareOneLetterSplitNameIsAnErrorNotACrash(_ command: String) throws {
        let extra = command == "train" ? ["--method", "coop", "--output", NSTemporaryDirectory() + "unused-\(UUID().uuidString)"] : []
        let r = try runProcess(binary, [command, "--model", fixture("tiny-clip"), "--split", "y"] + extra)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt \(command): "), "\(r)")
    }
}
