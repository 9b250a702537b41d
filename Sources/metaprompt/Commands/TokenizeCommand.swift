import CLIP
import Foundation

/// `metaprompt tokenize`: open_clip's `tokenize` on the command line.
struct TokenizeCommand: Command {
    static let configuration = CommandConfiguration(
        name: "tokenize",
        summary: "CLIP token ids of texts (open_clip tokenize)",
        discussion: """
            Prints, for each TEXT, one JSON array of 77 token ids (start-of-text, BPE ids of the
            cleaned text, end-of-text, 0-padding; truncated texts end with end-of-text), exactly
            as open_clip's tokenize.
            """)

    @Option(valueName: "DIR", help: "a Hugging Face CLIP directory (vocab.json, merges.txt)") var model: String
    @Argument(valueName: "TEXT", help: "the texts, one or more") var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw UsageError("no TEXT given") }
    }

    func run() throws {
        let tokenizer = try CLIPTokenizer(modelDirectory: model)
        for row in tokenizer.tokenize(texts) {
            print("[" + row.map(String.init).joined(separator: ", ") + "]")
        }
    }
}
