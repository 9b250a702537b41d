import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with every signal unblocked and at its default action — as a shell
/// or a batch system starts a job. (`Foundation.Process` passes on the test runner's thread's
/// signal mask, in which SIGUSR1 and SIGTERM are blocked, so a signal sent to such a child
/// would stay pending.) Its stdout and stderr go to files.
public final class SignalledProcess {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private var status: Int32?

    public init(_ executable: String, _ arguments: [String]) throws {
        let base = NSTemporaryDirectory() + "signalled-\(UUID().uuidString)"
        (stdoutPath, stderrPath) = (base + ".out", base + ".err")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["spawn": "\(executable): posix_spawn failed with \(result)"]) }
        pid = child
    }

    /// Whether it still runs (reaps it once it has ended).
    public var isRunning: Bool {
        guard status == nil else { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s; return false }
        return true
    }

    /// Its exit code (128 + the signal when a signal ended it), waiting for it.
    public func wait() -> Int32 {
        if status == nil {
            var s: Int32 = 0
            waitpid(pid, &s, 0)
            status = s
        }
        let s = status!
        return s & 0x7f == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}
