import TensorIO

/// A small byte-level BPE vocabulary in which every given word is one token, written as the
/// `vocab.json` + `merges.txt` pair that ``CLIPTokenizer/init(modelDirectory:)`` loads.
///
/// Layout (ids dense from 0):
/// - 0…255: the 256 byte symbols of GPT-2's `bytes_to_unicode`, in byte order;
/// - 256…511: the same symbols with `</w>` (a word's last symbol), in byte order;
/// - then one token per merge result, in merge order;
/// - last `<|startoftext|>`, then `<|endoftext|>`, so that end-of-text is the largest id (the
///   text tower pools at the row's argmax).
///
/// Merges build each word left to right: `red` gives `r e` → `re`, then `re d</w>` → `red</w>`.
/// BPE applies the lowest-ranked pair present anywhere in a word, so a merge made for one word
/// can fire first inside another (`r e` inside `area` leaves `a re a</w>`). Each word is
/// therefore encoded with the merges so far, and where it ends in several tokens, merges of
/// those tokens (left to right) are appended. An appended merge ranks after every earlier one,
/// so it fires only where the earlier merges have stopped: words that already were one token
/// stay so, and each repair strictly shortens the word it is for.
///
/// ```swift
/// let vocabulary = try VocabularyBuilder(words: ["a", "red", "square", "."])
/// try vocabulary.write(directory: "tiny-clip")
/// try CLIPTokenizer(modelDirectory: "tiny-clip").encode("a red square .")  // 4 ids
/// ```
public struct VocabularyBuilder: Sendable {
    /// The words, deduplicated, in first-seen order.
    public let words: [String]
    /// Every token, indexed by id.
    public let tokens: [String]
    /// The merge rules in rank order.
    public let merges: [(left: String, right: String)]

    /// Builds the vocabulary of `words`.
    ///
    /// - Parameter words: words as the tokenizer splits text (each must be one piece of
    ///   ``CLIPTokenizer``'s cleaning and splitting, e.g. `red` or `.`, not `Red` or `a b`).
    /// - Throws: ``CLIPError/invalidInput(_:)`` naming a word that is not one piece.
    public init(words: [String]) throws {
        var seen: Set<String> = [], unique: [String] = []
        for word in words where seen.insert(word).inserted {
            guard CLIPWordSplitter.words(in: CLIPTextCleaner.clean(word)) == [word] else {
                throw CLIPError.invalidInput(
                    "vocabulary word '\(word)' is not one word of the tokenizer "
                        + "(it splits as \(CLIPWordSplitter.words(in: CLIPTextCleaner.clean(word))))")
            }
            unique.append(word)
        }
        let symbols = BytePairEncoder.byteSymbols.map { String($0) }
        var tokens = symbols + symbols.map { $0 + "</w>" }
        var ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
        var merges: [(left: String, right: String)] = []
        var pairs: Set<[String]> = []
        func addMerges(chaining parts: [String]) {
            var prefix = parts[0]
            for part in parts.dropFirst() {
                if pairs.insert([prefix, part]).inserted {
                    merges.append((prefix, part))
                    if ids[prefix + part] == nil {
                        ids[prefix + part] = tokens.count
                        tokens.append(prefix + part)
                    }
                }
                prefix += part
            }
        }
        // A word's symbols: one per UTF-8 byte, `</w>` on the last.
        for word in unique {
            var parts = word.utf8.map { symbols[Int($0)] }
            parts[parts.count - 1] += "</w>"
            addMerges(chaining: parts)
        }
        // Repair words that earlier-ranked merges of other words split (see the type's notes).
        var repaired = true
        while repaired {
            repaired = false
            let encoder = try Self.encoder(tokens: tokens, merges: merges)
            for word in unique {
                let encoded = encoder.encode(word)
                if encoded.count > 1 {
                    addMerges(chaining: encoded.map { tokens[$0] })
                    repaired = true
                    break  // re-encode with the new merges before repairing another word
                }
            }
        }
        tokens += [CLIPTokenizer.startOfTextToken, CLIPTokenizer.endOfTextToken]
        self.words = unique
        self.tokens = tokens
        self.merges = merges
    }

    /// The id of `<|startoftext|>`.
    public var startOfTextID: Int { tokens.count - 2 }
    /// The id of `<|endoftext|>`, the largest.
    public var endOfTextID: Int { tokens.count - 1 }
    /// The number of tokens (the text tower's `vocab_size`).
    public var count: Int { tokens.count }

    /// `vocab.json`: a JSON object token → id, in id order.
    public var vocabularyJSON: String {
        JSONValue.object(JSONObject(tokens.enumerated().map { ($1, .int(Int64($0))) })).serialized() + "\n"
    }

    /// `merges.txt`: a `#version: 0.2` header (as in Hugging Face's files), then one
    /// `left right` pair per line in rank order.
    public var mergesText: String {
        (["#version: 0.2"] + merges.map { "\($0.left) \($0.right)" }).joined(separator: "\n") + "\n"
    }

    /// Writes `vocab.json` and `merges.txt` into `directory` (which must exist), each atomically.
    /// - Throws: `AtomicFileError` naming the file.
    public func write(directory: String) throws {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        try AtomicFile.write(vocabularyJSON, to: prefix + "vocab.json")
        try AtomicFile.write(mergesText, to: prefix + "merges.txt")
    }

    /// The encoder the tokenizer would build from these tokens and merges (no special tokens
    /// needed: it never sees them).
    private static func encoder(tokens: [String], merges: [(left: String, right: String)]) throws -> BytePairEncoder {
        try BytePairEncoder(vocabulary: Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) }),
                            merges: merges.enumerated().map { (line: $0 + 2, left: $1.left, right: $1.right) },
                            vocabularyPath: "vocab.json", mergesPath: "merges.txt")
    }

    /// The distinct words of `captions` as the tokenizer splits them, sorted: the word list of
    /// a caption generator's vocabulary.
    public static func words(in captions: [String]) -> [String] {
        Array(Set(captions.flatMap { CLIPWordSplitter.words(in: CLIPTextCleaner.clean($0)) })).sorted()
    }
}
