import AutoDiff
import Distributed
import Foundation
import TensorIO
import Training

// Helpers more than one command uses.

/// Input that cannot be used (a file missing, unreadable, of the wrong shape): exit 1.
struct InputError: Error, CustomStringConvertible {
    let description: String
}

/// The lines of a UTF-8 file; a final newline does not make an extra empty text.
func readLines(_ path: String) throws -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw InputError(description: "\(path): cannot read the texts file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        // Name the first line that is not UTF-8.
        let line = data.prefix { _ in true }.split(separator: 10, omittingEmptySubsequences: false)
            .firstIndex { String(data: Data($0), encoding: .utf8) == nil }.map { $0 + 1 } ?? 1
        throw InputError(description: "\(path):\(line): not valid UTF-8")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
        $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
    if lines.last == "" { lines.removeLast() }
    guard !lines.isEmpty else { throw InputError(description: "\(path): no texts (the file is empty)") }
    return lines
}

/// Runs `body` on this process's communicator; a failure on any rank ends the whole job,
/// except a ``SettingError``: `body` throws one on every rank alike, before any collective
/// (it comes from the settings and the job's size), so MPI is finalized and the job exits
/// with 64, the message printed once (by rank 0).
/// The name of the command being run (`train`, `world`, …), for messages `launch` prints.
nonisolated(unsafe) var runningCommand = ""

/// Rank 0 says why every rank stops (a preemption, a setting error) before any rank leaves:
/// `mpirun` ends the job as soon as one rank exits with a non-zero code, which could otherwise
/// kill rank 0 before it had printed.
private func announceAndLeave(_ message: String, _ communicator: any Communicator) throws {
    if communicator.rank == 0 { writeToStandardError("metaprompt \(runningCommand): \(message)") }
    try communicator.barrier()
    try (communicator as? MPICommunicator)?.finalize()
}

func launch(_ communication: CommunicationOptions = CommunicationOptions(), _ body: (any Communicator) throws -> Void) throws {
    BLAS.setThreadCount(ThreadOptions.environmentDefault)
    let communicator = try MPICommunicator.fromEnvironment()
    communication.apply(to: communicator)
    do {
        try body(communicator)
        try (communicator as? MPICommunicator)?.finalize()
    } catch let preempted as Preempted {
        // Every rank stopped after the same checkpoint: a clean end, not an abort.
        try announceAndLeave("\(preempted)", communicator)
        throw Announced(code: Preemption.exitCode)
    } catch let setting as SettingError {
        try announceAndLeave("\(setting)", communicator)
        throw Announced(code: 64)
    } catch {
        // A failing rank ends the whole job with the message instead of leaving the
        // others waiting in a collective.
        if communicator.size > 1 { communicator.abort("\(error)", code: 1) }
        throw error
    }
}

/// The directory part of `path` ("." for a bare file name). NSString's
/// `deletingLastPathComponent` crashes in swift-corelibs-foundation on one-character names
/// such as "y", so command-line paths go through this instead.
func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// A hyperparameter the method cannot take, from `--config` or `--set`: exit 64 like a usage
/// error, with the message (file or `--set`, key, value) but without the usage text.
struct SettingError: Error, CustomStringConvertible {
    let description: String
}

/// An end whose message rank 0 has printed already (``launch(_:)``): exit with `code`.
struct Announced: Error {
    let code: Int32
}

/// Writes each `(name, text)` atomically into `directory` and prints one line naming them,
/// the first with its directory: "written: DIR/results.json, table.txt, …".
func writeReportFiles(_ files: [(name: String, text: String)], to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, text) in files { try AtomicFile.write(text, to: (directory as NSString).appendingPathComponent(name)) }
    print("written: " + (["\(directory)/\(files[0].name)"] + files.dropFirst().map(\.name)).joined(separator: ", "))
}

/// Refuses (exit 64, on every rank before any collective) a job whose size is not a multiple
/// of `ranksPerRun`.
func requireRunGroups(of ranksPerRun: Int, in communicator: any Communicator) throws {
    guard communicator.size % ranksPerRun == 0 else {
        throw SettingError(description: "--ranks-per-run \(ranksPerRun) needs a job size that is a multiple of \(ranksPerRun); this job has \(communicator.size) rank(s)")
    }
}
