import AutoDiff
import Distributed
import Foundation
import MetaLearning
import TensorIO
import TestSupport
import Testing
import Training

/// The loop every run shares, with a one-number state: x ← x + step (0-based).
@Suite struct TrainingLoopTests {
    static func directory() -> String { NSTemporaryDirectory() + "loop-\(UUID().uuidString)" }

    /// A run of `steps` steps in `dir`, checkpoints every 2, logs every 3; `poison` makes that
    /// (0-based) step's loss NaN. Returns x.
    @discardableResult
    static func run(_ dir: String, steps: Int = 5, resume: Bool = false, poison: Int? = nil, keep: Int? = nil) throws -> Float {
        let log = try RunLog(directory: dir, enabled: true, echo: false)
        let loop = TrainingLoop(communicator: LocalCommunicator(), log: log, steps: steps, checkpoints: dir + "/checkpoints",
                                checkpointEvery: 2, logEvery: 3, work: (4, "tasks"), keepCheckpoints: keep)
        var x = Tensor(shape: [1], values: [0])
        let start = try loop.start(resume: resume) { parameters, _ in x = parameters["x"]! }
        try loop.run(from: start, step: { s in
            x = Tensor(shape: [1], values: [x.storage[0] + Float(s)])
            return TrainingLoop.Record(losses: ["loss": s == poison ? .nan : Float(s)], position: [("epoch", s / 2 + 1, 3)],
                                       fields: [("lr", 0.5, "%.3g")])
        }, checkpoint: { done in Checkpoint(step: done, parameters: ["x": x], optimizerState: [:], metadata: [:]) })
        try loop.save { try Tensor.save(["x": x], to: dir + "/out.safetensors") }
        return x.storage[0]
    }

    static func checkpoints(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").sorted()
    }

    @Test func checkpointsOnTheCadenceAndAtTheEndAndLogsWithRates() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Self.run(dir) == 0 + 1 + 2 + 3 + 4)
        #expect(try Self.checkpoints(dir) == ["step-2.safetensors", "step-4.safetensors", "step-5.safetensors"])
        let metrics = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONValue(parsing: Data($0.utf8)) }
        #expect(metrics.map { $0["step"]?.intValue } == [3, 5])
        #expect(metrics.map { $0["epoch"]?.intValue } == [2, 3])
        #expect(metrics.allSatisfy { $0["lr"]?.doubleValue == 0.5 && ($0["tasks_per_second"]?.doubleValue ?? 0) > 0 })
        #expect(metrics.map { $0["loss"]?.doubleValue } == [2, 4])
        let log = try String(contentsOfFile: dir + "/log.txt", encoding: .utf8)
        #expect(log.hasPrefix("step 3/5  epoch 2/3  loss 2.0000  lr 0.5  "), "\(log)")
        #expect(log.contains(" tasks/s  ETA "))
    }

    /// Resuming from the newest checkpoint (step 4) runs only step 5 and ends where the
    /// uninterrupted run ends.
    @Test func resumeContinuesFromTheNewestCheckpoint() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(dir, steps: 5)
        try FileManager.default.removeItem(atPath: dir + "/checkpoints/step-5.safetensors")
        #expect(try Self.run(dir, steps: 5, resume: true) == 10)
        #expect(try String(contentsOfFile: dir + "/log.txt", encoding: .utf8).contains("at step 4"))
    }

    /// A NaN loss at step 4 (1-based) stops the run naming the loss, step and epoch; the
    /// checkpoint of step 2 is kept and nothing is saved.
    @Test func aNonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect { try Self.run(dir, poison: 3) } throws: { error in
            "\(error)" == "loss is nan at step 4 (epoch 2); stopping, the last good checkpoint is kept"
        }
        #expect(try Self.checkpoints(dir) == ["step-2.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.safetensors"))
    }

    /// A rerun without resume (what a requeued batch job does) into a directory that holds
    /// checkpoints is refused, naming it, and writes nothing.
    @Test func aRerunWithoutResumeDoesNotOverwriteCheckpoints() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(dir)
        let before = try Self.checkpoints(dir).map { FileManager.default.contents(atPath: dir + "/checkpoints/" + $0) }
        #expect { try Self.run(dir) } throws: { error in
            "\(error)" == "\(dir)/checkpoints holds the checkpoints of a run (newest step-5.safetensors): pass --resume to continue it, or remove the directory to start over"
        }
        #expect(try Self.checkpoints(dir).map { FileManager.default.contents(atPath: dir + "/checkpoints/" + $0) } == before)
    }

    /// With a limit, only the newest checkpoints stay, and resume still finds the newest.
    @Test func keepsOnlyTheNewestCheckpoints() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(dir, steps: 9, keep: 2)
        #expect(try Self.checkpoints(dir) == ["step-8.safetensors", "step-9.safetensors"])
        try FileManager.default.removeItem(atPath: dir + "/checkpoints/step-9.safetensors")
        #expect(try Self.run(dir, steps: 9, resume: true, keep: 2) == (0..<9).reduce(0) { $0 + Float($1) })
        #expect(try Self.checkpoints(dir) == ["step-8.safetensors", "step-9.safetensors"])
    }
}
