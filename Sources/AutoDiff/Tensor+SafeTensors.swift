import TensorIO

extension Tensor {
    /// The tensor `name` of a safetensors file as Float32 (F16, BF16 and F64 converted).
    /// - Throws: `SafeTensorsError` naming the file and tensor.
    public convenience init(_ file: SafeTensorsFile, _ name: String) throws {
        let entry = try file.entry(name)
        self.init(shape: entry.shape, values: try file.floats(name))
    }

    /// Named tensors written as one safetensors file (F32), atomically.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try SafeTensorsWriter.write(tensors.mapValues { .f32($0.storage, shape: $0.shape) }, metadata: metadata, to: path)
    }
}

extension SafeTensorsFile {
    /// Every tensor of the file as Float32, by name.
    public func allTensors() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in names { out[name] = try Tensor(self, name) }
        return out
    }
}
