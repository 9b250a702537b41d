import Foundation

/// A finished child process: exit status and everything it printed.
public struct ProcessResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs `executable` with `arguments` to completion (stdin closed), capturing both outputs.
/// `timeout` kills it, so a hung child fails the test instead of hanging the suite.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       timeout: TimeInterval = 300) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// The directory holding the running test bundle, where SwiftPM also puts the built
/// `metaprompt` executable.
public func productsDirectory() -> URL {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
}

/// The path of the `metaprompt` executable built beside the tests.
public func metapromptExecutable() -> String {
    productsDirectory().appendingPathComponent("metaprompt").path
}

/// The first `name` on PATH, if any.
public func findOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// `Tests/Fixtures` of this checkout: the PyTorch reference fixtures copied from the
/// steering repository's shared/fixtures (tests never read shared/ itself).
public func fixturesDirectory() -> URL {
    URL(fileURLWithPath: #filePath)  // Sources/TestSupport/Subprocess.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures")
}

/// The path of a file under `Tests/Fixtures`.
public func fixture(_ relativePath: String) -> String {
    fixturesDirectory().appendingPathComponent(relativePath).path
}
