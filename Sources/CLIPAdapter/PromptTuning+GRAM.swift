import AutoDiff
import MetaLearning
import TensorIO

extension PromptTuning {
    /// `start(fromGRAM:groupSize:)` from a GRAM run's `prompts.safetensors`.
    public mutating func start(fromGRAM file: SafeTensorsFile) throws {
        guard let text = file.metadata["group_size"], let groupSize = Int(text), groupSize > 0 else {
            throw MethodStateError("\(file.path): not a GRAM output (no 'group_size' in its metadata)")
        }
        do { try start(fromGRAM: try file.allTensors(), groupSize: groupSize) } catch let error as MethodStateError {
            throw MethodStateError("\(file.path): \(error)")
        }
    }
}
