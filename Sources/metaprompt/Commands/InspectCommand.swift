import TensorIO

/// `metaprompt inspect FILE`: what a safetensors file holds, after full validation.
struct InspectCommand: Command {
    static let configuration = CommandConfiguration(
        name: "inspect",
        summary: "validate a safetensors file and list its tensors",
        discussion: """
            Validates the file (header, offsets, byte counts, duplicates) and prints one line per
            tensor — name, dtype, shape — in sorted order, then the metadata. Exit 1, with the
            file and tensor named, if the file is malformed.
            """)

    @Argument(valueName: "FILE", help: "a safetensors file") var file: String

    func run() throws {
        let file = try SafeTensorsFile(path: self.file)
        print("\(file.path): \(file.names.count) tensor\(file.names.count == 1 ? "" : "s")")
        for name in file.names {
            let entry = try file.entry(name)
            print("  \(name)  \(entry.dtype.rawValue)  \(entry.shape)")
        }
        for key in file.metadata.keys.sorted() {
            print("  metadata \(key) = \(file.metadata[key]!)")
        }
    }
}
