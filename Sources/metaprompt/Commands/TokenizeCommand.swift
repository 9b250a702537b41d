import CLIP
import Foundation

/// `metaprompt tokenize`: open_clip's `tokenize` on the command line.
enum TokenizeCommand: Command {
    static let name = "tokenize"
    static let summary = "CLIP token ids of texts (open_clip tokenize)"
    static let usage = """
        usage: metaprompt tokenize --model DIR TEXT...

        Prints, for each TEXT, one JSON array of 77 token ids (start-of-text, BPE ids of the
        cleaned text, end-of-text, 0-padding; truncated texts end with end-of-text), exactly
        as open_clip's tokenize. DIR is a Hugging Face CLIP directory (vocab.json, merges.txt).
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["model"])
        if args.wantsHelp { print(usage); return }
        let directory = try args.required("model")
        guard !args.positional.isEmpty else { throw UsageError("no TEXT given") }
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)
        for row in tokenizer.tokenize(args.positional) {
            print("[" + row.map(String.init).joined(separator: ", ") + "]")
        }
    }
}
