#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Preemption: a cluster's notice that a job must stop soon (Slurm's `--signal=USR1@120`,
/// `scancel --signal=USR1`, mpirun forwarding SIGUSR1; SIGTERM from `scancel` or a time limit).
///
/// While a ``TrainingLoop`` with checkpoints runs, SIGUSR1 and SIGTERM do not kill the process:
/// they are noted, the step in progress finishes, the ranks agree on it (an all-reduce after
/// every step, so every rank stops after the same step even when the signal reaches them at
/// different times), a checkpoint of it is written, and the run ends with ``Preempted`` —
/// exit code ``exitCode`` — so that the same command with `--resume` continues it,
/// byte-identical to a run that never stopped. Outside such a loop the signals keep their
/// default action.
public enum Preemption {
    /// The exit code of a preempted run: 75, EX_TEMPFAIL ("try again later").
    public static let exitCode: Int32 = 75
    /// The signals that preempt.
    public static let signals: [Int32] = [SIGUSR1, SIGTERM]

    /// Whether a preempting signal arrived since ``watch()``, and which.
    static var received: Int32? {
        let s = receivedSignal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Notes the signals instead of dying of them, until the matching ``release()``; unblocks
    /// them on the calling thread, in case the process was started with them blocked. Nested
    /// calls (loops running at once, as in tests) share one installation.
    static func watch() {
        watchers.withLock { state in
            state.count += 1
            guard state.count == 1 else { return }
            receivedSignal.store(0, ordering: .relaxed)
            var set = sigset_t()
            sigemptyset(&set)
            for s in signals {
                var action = sigaction(), previous = sigaction()
                action.__sigaction_handler.sa_handler = { receivedSignal.store($0, ordering: .relaxed) }
                sigemptyset(&action.sa_mask)
                sigaction(s, &action, &previous)
                state.previous[s] = previous
                sigaddset(&set, s)
            }
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
    }

    /// The actions the signals had before the first ``watch()`` again, after the last release;
    /// a signal noted is forgotten then, so code that runs later outside a watch does not see it.
    static func release() {
        watchers.withLock { state in
            state.count -= 1
            guard state.count == 0 else { return }
            receivedSignal.store(0, ordering: .relaxed)
            for s in signals {
                guard var previous = state.previous[s] else { continue }
                sigaction(s, &previous, nil)
            }
            state.previous = [:]
        }
    }

    /// "SIGUSR1", "SIGTERM", or the number.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGUSR1: "SIGUSR1"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}

/// Set from a signal handler: a lock-free atomic store is async-signal-safe.
private let receivedSignal = Atomic<Int32>(0)

/// How many loops watch the signals, and the actions they had before.
private let watchers = Mutex<(count: Int, previous: [Int32: sigaction])>((0, [:]))

/// A run that stopped after a checkpoint because of a preemption signal.
public struct Preempted: Error, CustomStringConvertible {
    public let signal: Int32
    /// Steps done (the checkpoint's step) and of the run.
    public let step: Int
    public let steps: Int
    public let checkpoint: String
    /// What a step is ("step"; GRAM's feature extraction: "feature chunk") and what was written
    /// ("checkpoint"; "progress record").
    public var unit = "step"
    public var record = "checkpoint"
    /// How to continue (a sweep continues without `--resume`).
    public var rerun = "run the same command with --resume to continue"

    public init(signal: Int32, step: Int, steps: Int, checkpoint: String) {
        self.signal = signal
        self.step = step
        self.steps = steps
        self.checkpoint = checkpoint
    }

    public var description: String {
        "preempted by \(Preemption.name(signal)) after \(unit) \(step) of \(steps): \(record) \(checkpoint) written; "
            + "\(rerun) (exit code \(Preemption.exitCode))"
    }
}
