import AutoDiff
import Foundation
import TensorIO
import Testing

@Suite struct TensorSafeTensorsTests {
    @Test func savedTensorsLoadBackBitForBit() throws {
        let path = NSTemporaryDirectory() + "metaprompt-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tensors = ["vision.deep.0": Tensor(shape: [2, 3], values: [1, -2, 3.5, .leastNonzeroMagnitude, -0.0, 1e30]),
                       "text.ctx": Tensor(shape: [], values: [7])]
        try Tensor.save(tensors, metadata: ["step": "3"], to: path)
        let file = try SafeTensorsFile(path: path)
        let loaded = try file.allTensors()
        #expect(file.metadata == ["step": "3"])
        for (name, t) in tensors {
            #expect(loaded[name]!.shape == t.shape)
            #expect(loaded[name]!.storage.map(\.bitPattern) == t.storage.map(\.bitPattern))
        }
        #expect(throws: SafeTensorsError.missingTensor(path: path, name: "nope")) { try Tensor(file, "nope") }
    }
}
