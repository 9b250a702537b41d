enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "list the tensors of a safetensors file"
    static let usage = "usage: metaprompt inspect FILE.safetensors"
    static func run(_ words: [String]) throws {
        throw UsageError("not yet available")
    }
}
