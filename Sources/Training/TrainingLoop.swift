import AutoDiff
import Distributed
import Foundation
import MetaLearning

/// The loop every run shares — prompt training (``Trainer``), GRAM meta-training
/// (``GRAMTrainer``) and the demo model's pretraining: the steps from where a resumed run
/// left off, the stop on a non-finite loss, the checkpoint cadence and its barrier, progress
/// lines and `metrics.jsonl` with rate and ETA, the final save. A run supplies its step and its
/// state; every rank runs the loop in step with the others.
public struct TrainingLoop {
    public let communicator: any Communicator
    public let log: RunLog
    public let steps: Int
    /// Where `step-<n>.safetensors` go; nil keeps none (the demo's pretraining, rerun from
    /// its seed).
    public let checkpoints: String?
    public let checkpointEvery: Int
    public let logEvery: Int
    /// Work done per step and its unit, for the rate: (T, "tasks"), (B, "pairs").
    public let work: (perStep: Int, unit: String)
    /// How many checkpoints stay: after each is written, rank 0 deletes all but the newest
    /// this many (before the checkpoint barrier); nil keeps every one.
    public let keepCheckpoints: Int?
    /// Before "step n/N" in progress lines ("pretrain ").
    public var prefix = ""

    public init(communicator: any Communicator, log: RunLog, steps: Int, checkpoints: String?, checkpointEvery: Int, logEvery: Int,
                work: (perStep: Int, unit: String), keepCheckpoints: Int? = nil) {
        precondition(keepCheckpoints.map { $0 >= 1 } ?? true, "keeping \(keepCheckpoints!) checkpoints")
        precondition(steps >= 0 && checkpointEvery >= 1 && logEvery >= 1, "a loop of \(steps) steps, checkpoints every \(checkpointEvery), logs every \(logEvery)")
        self.communicator = communicator
        self.log = log
        self.steps = steps
        self.checkpoints = checkpoints
        self.checkpointEvery = checkpointEvery
        self.logEvery = logEvery
        self.work = work
        self.keepCheckpoints = keepCheckpoints
    }

    /// What a step reports.
    public struct Record {
        /// Checked to be finite; logged (4 decimals) and recorded by name.
        public var losses: [String: Float]
        /// Where the step is beyond "step n/N", e.g. ("epoch", 2, 10): "epoch 2/10", `"epoch": 2`.
        public var position: [(name: String, value: Int, of: Int)]
        /// Logged after the losses with their format and recorded: ("lr", 0.0025, "%.3g").
        public var fields: [(name: String, value: Double, format: String)]

        public init(losses: [String: Float], position: [(name: String, value: Int, of: Int)] = [],
                    fields: [(name: String, value: Double, format: String)] = []) {
            self.losses = losses
            self.position = position
            self.fields = fields
        }
    }

    /// Restores the newest checkpoint, if `resume` and there is one (``Checkpoint/resume(directory:log:communicator:restore:)``).
    /// Without `resume`, a directory that already holds a run's checkpoints is refused rather
    /// than overwritten (a requeued batch job reruns its command as it was).
    /// - Returns: the step to start from.
    public func start(resume: Bool, restore: ([String: Tensor], [String: [Float]]) throws -> Void) throws -> Int {
        guard let checkpoints else { return 0 }
        guard resume else {
            if let newest = Checkpoint.newest(directory: checkpoints) {
                throw TrainingError("\(checkpoints) holds the checkpoints of a run (newest \((newest as NSString).lastPathComponent)): "
                                    + "pass --resume to continue it, or remove the directory to start over")
            }
            return 0
        }
        return try Checkpoint.resume(directory: checkpoints, log: log, communicator: communicator, restore: restore)
    }

    /// Runs steps `start..<steps`: `step(s)` computes step s (0-based) on every rank; after
    /// steps that complete the cadence (and the last), rank 0 writes `checkpoint(n)` of n done
    /// steps while the others wait, and logs.
    /// - Throws: ``TrainingError`` for a step's ``StepError`` or a non-finite loss (naming the
    ///   step; the last checkpoint is kept); the step's other errors.
    /// - Throws: ``Preempted`` after writing the checkpoint of the step in progress when
    ///   SIGUSR1 or SIGTERM arrived (runs with checkpoints; ``Preemption``).
    public func run(from start: Int, step: (Int) throws -> Record, checkpoint: (Int) -> Checkpoint) throws {
        let clock = ContinuousClock(), began = clock.now
        let kept = checkpoints == nil ? "" : "; stopping, the last good checkpoint is kept"
        if checkpoints != nil { Preemption.watch() }
        defer { if checkpoints != nil { Preemption.release() } }
        for s in start..<steps {
            communicator.noteActivity("\(prefix)step \(s + 1) of \(steps)")
            let record: Record
            do { record = try step(s) } catch let error as StepError {
                throw TrainingError("\(prefix)step \(s + 1): \(error)\(kept)")
            }
            if let bad = record.losses.keys.sorted().first(where: { !record.losses[$0]!.isFinite }) {
                let position = record.position.map { " (\($0.name) \($0.value))" }.joined()
                throw TrainingError("\(prefix)\(bad) is \(StepError.shown(record.losses[bad]!)) at step \(s + 1)\(position)\(kept)")
            }
            let done = s + 1
            let preempted = try agreedPreemption()
            if let checkpoints, done % checkpointEvery == 0 || done == steps || preempted != nil {
                try Checkpoint.commit({ checkpoint(done) }, directory: checkpoints, keep: keepCheckpoints, communicator: communicator)
            }
            if let preempted, let checkpoints {
                let stop = Preempted(signal: preempted, step: done, steps: steps,
                                     checkpoint: Checkpoint.path(directory: checkpoints, step: done))
                log.say(stop.description)
                throw stop
            }
            if done % logEvery == 0 || done == steps {
                let stepsPerSecond = Double(done - start) / max((clock.now - began).seconds, 1e-9)
                let eta = Double(steps - done) / max(stepsPerSecond, 1e-9)
                let rate = stepsPerSecond * Double(work.perStep)
                let names = record.losses.keys.sorted()
                var line = String(format: "%@step %d/%d", prefix, done, steps)
                for p in record.position { line += "  \(p.name) \(p.value)/\(p.of)" }
                for n in names { line += "  \(n) " + String(format: "%.4f", record.losses[n]!) }
                for f in record.fields { line += "  \(f.name) " + String(format: f.format, f.value) }
                line += String(format: "  %.2f %@/s  ETA %@", rate, work.unit, Self.duration(eta))
                log.say(line)
                var fields = ["\"step\": \(done)"] + record.position.map { "\"\($0.name)\": \($0.value)" }
                fields += record.fields.map { "\"\($0.name)\": \($0.value)" } + names.map { "\"\($0)\": \(record.losses[$0]!)" }
                fields += ["\"steps_per_second\": \(stepsPerSecond)", "\"\(work.unit)_per_second\": \(rate)"]
                log.metrics("{" + fields.joined(separator: ", ") + "}")
            }
        }
    }

    /// The preempting signal if any rank has received one (the largest number), the same on
    /// every rank; nil without checkpoints.
    func agreedPreemption() throws -> Int32? {
        guard checkpoints != nil else { return nil }
        var flag = [Float(Preemption.received ?? 0)]
        try communicator.allReduceMax(&flag)
        return flag[0] == 0 ? nil : Int32(flag[0])
    }

    /// Rank 0 runs `write` (the run's outputs); then every rank waits for it, so no rank
    /// finishes before the outputs exist.
    public func save(_ write: () throws -> Void) throws {
        if communicator.rank == 0 { try write() }
        try communicator.barrier()
    }

    /// A duration for progress lines: "42s", "3m7s", "2h5m"; "?" when unknown.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
