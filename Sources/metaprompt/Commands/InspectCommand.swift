import TensorIO

/// `metaprompt inspect FILE`: what a safetensors file holds, after full validation.
enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "validate a safetensors file and list its tensors"
    static let usage = """
        usage: metaprompt inspect FILE.safetensors

        Validates the file (header, offsets, byte counts, duplicates) and prints one line per
        tensor — name, dtype, shape — in sorted order, then the metadata. Exit 1, with the
        file and tensor named, if the file is malformed.
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: [])
        if args.wantsHelp { print(usage); return }
        guard args.positional.count == 1 else { throw UsageError("expected one file, got \(args.positional.count)") }
        let file = try SafeTensorsFile(path: args.positional[0])
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
