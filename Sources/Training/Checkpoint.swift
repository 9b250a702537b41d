import AutoDiff
import CLIPAdapter
import Distributed
import Foundation
import MetaLearning
import TensorIO

/// Training checkpoints: `checkpoints/step-<n>.safetensors` holding the method's parameters,
/// its optimiser state (`momentum.*`; PromptSRC's prompt aggregate, `gpa.*`) and, as
/// metadata, the step, epoch, seed and method.
///
/// Written atomically (temp file, fsync, rename), so a file with this name is always
/// complete; random draws are keyed by (seed, step, …), so the step is the whole RNG position.
public struct Checkpoint {
    public var step: Int
    public var parameters: [String: Tensor]
    public var optimizerState: [String: [Float]]
    public var metadata: [String: String]

    public init(step: Int, parameters: [String: Tensor], optimizerState: [String: [Float]], metadata: [String: String]) {
        self.step = step
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.metadata = metadata
    }

    public static func path(directory: String, step: Int) -> String {
        (directory as NSString).appendingPathComponent("step-\(step).safetensors")
    }

    /// Name prefixes of optimiser state (`momentum.<parameter>`, `gpa.<prompt>`); every other
    /// tensor of a checkpoint or state file is a parameter.
    public static let statePrefixes = ["momentum.", GaussianPromptAggregation.statePrefix]

    /// Whether the tensor `name` of a checkpoint or state file is optimiser state.
    public static func isState(_ name: String) -> Bool { statePrefixes.contains { name.hasPrefix($0) } }

    /// The parameters and the optimiser state as tensors by name; a state entry takes the
    /// shape of the parameter it names (`momentum.text.ctx` that of `text.ctx`).
    public static func tensors(parameters: [String: Tensor], optimizerState: [String: [Float]]) -> [String: Tensor] {
        var tensors = parameters.mapValues { $0.detached() }
        for (name, values) in optimizerState {
            let shape = parameters[String(name.drop { $0 != "." }.dropFirst())]?.shape ?? [values.count]
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return tensors
    }

    /// Writes the checkpoint atomically (the same bytes for the same state on any machine).
    public func write(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tensors = Self.tensors(parameters: parameters, optimizerState: optimizerState)
        var meta = metadata
        meta["step"] = String(step)
        meta["format"] = "metaprompt-checkpoint-1"
        try Tensor.save(tensors, metadata: meta, to: Self.path(directory: directory, step: step))
    }

    /// Reads a checkpoint; optimiser state is every tensor named by ``isState(_:)``.
    public static func read(path: String) throws -> Checkpoint {
        let file = try SafeTensorsFile(path: path)
        guard let stepText = file.metadata["step"], let step = Int(stepText), step >= 0 else {
            throw ConfigurationError("\(path): not a metaprompt checkpoint (no 'step' in its metadata)")
        }
        var parameters: [String: Tensor] = [:], state: [String: [Float]] = [:]
        for name in file.names {
            if isState(name) { state[name] = try file.floats(name) } else { parameters[name] = try Tensor(file, name) }
        }
        return Checkpoint(step: step, parameters: parameters, optimizerState: state, metadata: file.metadata)
    }

    /// The newest checkpoint in `directory` (highest step), if any. Temp files of an
    /// interrupted write have other names and are ignored.
    public static func newest(directory: String) -> String? {
        steps(directory: directory).last.map { path(directory: directory, step: $0) }
    }

    /// Restores a run from the newest checkpoint in `directory`, if any: `restore` gets its
    /// parameters and optimiser state. Returns the step to continue from (0 without one).
    ///
    /// Every rank picks the newest file before any rank can write the next one: a barrier
    /// follows the listing, so a rank that starts late cannot see the checkpoint a faster rank
    /// wrote after resuming and continue from a later step than the others (which would leave
    /// their checkpoint barriers unmatched).
    /// - Throws: the read error, or `restore`'s, as a ``TrainingError`` naming the file.
    public static func resume(directory: String, log: RunLog, communicator: any Communicator,
                              restore: ([String: Tensor], [String: [Float]]) throws -> Void) throws -> Int {
        let newest = newest(directory: directory)
        try communicator.barrier()
        guard let path = newest else { return 0 }
        let checkpoint = try read(path: path)
        do { try restore(checkpoint.parameters, checkpoint.optimizerState) } catch {
            throw TrainingError("\(path): \(error)")
        }
        log.say("resumed from \(path) at step \(checkpoint.step)")
        return checkpoint.step
    }

    /// Rank 0 writes the checkpoint `make()` builds and, with `keep`, deletes all but the
    /// newest `keep` checkpoints; then every rank waits for it. No rank runs ahead of a
    /// checkpoint being written, so a failure at the next step (a NaN, a killed rank) aborts
    /// the job only after this checkpoint is complete.
    public static func commit(_ make: () -> Checkpoint, directory: String, keep: Int? = nil, communicator: any Communicator) throws {
        if communicator.rank == 0 {
            try make().write(directory: directory)
            if let keep { try prune(directory: directory, keep: keep) }
        }
        try communicator.barrier()
    }

    /// The steps of the checkpoints in `directory`, ascending.
    public static func steps(directory: String) -> [Int] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
            return Int(name.dropFirst(5).dropLast(12))
        }.sorted()
    }

    /// Deletes all but the newest `keep` checkpoints of `directory`.
    static func prune(directory: String, keep: Int) throws {
        for step in steps(directory: directory).dropLast(keep) {
            let path = path(directory: directory, step: step)
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw TrainingError("\(path): cannot delete an old checkpoint (--keep-checkpoints): \(error)")
            }
        }
    }
}
