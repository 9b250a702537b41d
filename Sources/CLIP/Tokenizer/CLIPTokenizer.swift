/// CLIP's text tokenizer, as open_clip 3.3 runs it (`open_clip.tokenize`: `SimpleTokenizer` with
/// `clean='lower'`), over a Hugging Face CLIP vocabulary (`vocab.json` + `merges.txt`).
///
/// A text becomes ids in four steps:
///
/// 1. cleaning (`CLIPTextCleaner`): `ftfy.fix_text`, `html.unescape` twice, whitespace runs
///    collapsed to one space, Python `str.lower()`;
/// 2. splitting (`CLIPWordSplitter`): open_clip's pattern `'s|'t|…|[\p{L}]+|[\p{N}]|…`, so
///    letters run together while each digit and each punctuation run is its own word;
/// 3. byte-level BPE per word (`BytePairEncoder`), cached per word;
/// 4. ``tokenize(_:contextLength:)`` frames the ids as `[SOT] + ids + [EOT]` and pads with 0.
///
/// The literal words `<start_of_text>` and `<end_of_text>` in a text become the SOT and EOT ids
/// (open_clip's pattern and BPE cache treat its own special-token names so), while
/// `<|startoftext|>` and `<|endoftext|>` are ordinary text, split as `<|`, `startoftext`, `|>`.
///
/// ```swift
/// let tokenizer = try CLIPTokenizer(modelDirectory: "tiny-clip")
/// let rows = tokenizer.tokenize(["a photo of a dog."])
/// // [[49406, 320, 1125, 539, 320, 1929, 269, 49407, 0, 0, ...]], 77 ids
/// CLIPTokenizer.eotPosition(in: rows[0])  // 7
/// ```
///
/// The tokenizer is immutable and `Sendable`; its word cache is shared by copies and safe to use
/// from several threads.
public struct CLIPTokenizer: Sendable {
    /// The id of `<|startoftext|>` in CLIP's vocabulary (49406). A tokenizer uses the id its own
    /// vocabulary gives, ``startOfTextID``.
    public static let startOfText = 49406
    /// The id of `<|endoftext|>` in CLIP's vocabulary (49407), the largest id, so that the
    /// EOT position is the row's argmax. A tokenizer uses ``endOfTextID``.
    public static let endOfText = 49407
    /// The id that pads rows after EOT (open_clip pads with zeros).
    public static let padding = 0
    /// The context length of every CLIP text tower.
    public static let defaultContextLength = 77

    /// The names the special tokens have in `vocab.json`.
    static let startOfTextToken = "<|startoftext|>"
    static let endOfTextToken = "<|endoftext|>"

    /// This vocabulary's id of `<|startoftext|>`.
    public let startOfTextID: Int
    /// This vocabulary's id of `<|endoftext|>`.
    public let endOfTextID: Int
    /// The number of entries in `vocab.json`.
    public let vocabularySize: Int

    let encoder: BytePairEncoder
    /// id → token, for ``decode(_:)`` and diagnostics.
    let tokens: [Int: String]

    /// Loads a vocabulary (`vocab.json`: a JSON object token → id) and its merges
    /// (`merges.txt`: an optional `#version` line, then one `left right` pair per line, in rank
    /// order).
    ///
    /// - Throws: ``TokenizerError`` naming the file (and the entry or 1-based line) at fault:
    ///   unreadable files, a `vocab.json` that is not an object of non-negative integer ids
    ///   with distinct values, a malformed merge line, a merge whose parts or result are not in
    ///   the vocabulary, a missing byte-level symbol, or missing `<|startoftext|>` /
    ///   `<|endoftext|>`.
    public init(vocabularyPath: String, mergesPath: String) throws {
        let vocabulary = try Self.readVocabulary(path: vocabularyPath)
        let merges = try Self.readMerges(path: mergesPath)
        guard let startOfTextID = vocabulary[Self.startOfTextToken] else {
            throw TokenizerError.missingSpecialToken(path: vocabularyPath,
                                                     token: Self.startOfTextToken)
        }
        guard let endOfTextID = vocabulary[Self.endOfTextToken] else {
            throw TokenizerError.missingSpecialToken(path: vocabularyPath,
                                                     token: Self.endOfTextToken)
        }
        self.encoder = try BytePairEncoder(vocabulary: vocabulary, merges: merges,
                                           vocabularyPath: vocabularyPath, mergesPath: mergesPath)
        self.startOfTextID = startOfTextID
        self.endOfTextID = endOfTextID
        self.vocabularySize = vocabulary.count
        self.tokens = Dictionary(uniqueKeysWithValues: vocabulary.map { ($0.value, $0.key) })
    }

    /// Loads `vocab.json` and `merges.txt` from a Hugging Face CLIP model directory.
    ///
    /// - Throws: ``TokenizerError``, as ``init(vocabularyPath:mergesPath:)``.
    public init(modelDirectory: String) throws {
        let directory = modelDirectory.hasSuffix("/") ? modelDirectory : modelDirectory + "/"
        try self.init(vocabularyPath: directory + "vocab.json",
                      mergesPath: directory + "merges.txt")
    }

    /// The BPE ids of the cleaned `text`, without SOT and EOT (open_clip's
    /// `SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int] {
        words(in: text).flatMap(ids(ofWord:))
    }

    /// Rows of exactly `contextLength` ids: SOT, the ids of the text, EOT, then zeros.
    ///
    /// A text too long for its row keeps its first `contextLength` ids with the last one
    /// overwritten by EOT (open_clip's truncation), so the row still ends in EOT and loses the
    /// last content token that would have fitted.
    ///
    /// - Parameters:
    ///   - texts: the prompts; each becomes one row.
    ///   - contextLength: the row length, ≥ 1; every CLIP model uses 77.
    /// - Returns: `texts.count` rows of `contextLength` ids (shape `(texts.count, contextLength)`).
    public func tokenize(_ texts: [String],
                         contextLength: Int = defaultContextLength) -> [[Int]] {
        precondition(contextLength >= 1, "contextLength must be at least 1, got \(contextLength)")
        return texts.map { text in
            var row = [startOfTextID] + encode(text) + [endOfTextID]
            if row.count > contextLength {
                row.removeLast(row.count - contextLength)
                row[contextLength - 1] = endOfTextID
            }
            row += repeatElement(Self.padding, count: contextLength - row.count)
            return row
        }
    }

    /// The text pooling position of a tokenized row: the index of its first largest id, which is
    /// EOT because EOT is the largest id of the vocabulary (open_clip's `argmax(dim=-1)`).
    public static func eotPosition(in row: [Int]) -> Int {
        precondition(!row.isEmpty, "eotPosition of an empty row")
        var best = 0
        for index in row.indices where row[index] > row[best] { best = index }
        return best
    }

    /// The text of `ids` (open_clip's `SimpleTokenizer.decode`): tokens joined, mapped back to
    /// bytes, decoded as UTF-8 (invalid sequences become U+FFFD), `</w>` turned into a space.
    /// SOT and EOT read `<start_of_text>` and `<end_of_text>`, open_clip's names for them.
    ///
    /// Every id must be in the vocabulary; the padding id 0 decodes as `!`.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            let token: String
            switch id {
            case startOfTextID: token = "<start_of_text>"
            case endOfTextID: token = "<end_of_text>"
            default:
                guard let known = tokens[id] else {
                    preconditionFailure(
                        "id \(id) is not in the vocabulary (\(vocabularySize) entries)")
                }
                token = known
            }
            for scalar in token.unicodeScalars {
                // Tokens are made of byte symbols (printable ASCII among them); a hand-made
                // vocabulary may have other characters: they decode as "?".
                bytes.append(Self.byteOfSymbol[scalar] ?? UInt8(ascii: "?"))
            }
        }
        return String(decoding: bytes, as: UTF8.self).replacing("</w>", with: " ")
    }

    // MARK: - Steps, for diagnostics and tests

    /// The words of `text` after cleaning, as the split pattern finds them.
    func words(in text: String) -> [String] {
        CLIPWordSplitter.words(in: CLIPTextCleaner.clean(text))
    }

    /// The ids of one word: SOT or EOT for the special words, its BPE otherwise.
    func ids(ofWord word: String) -> [Int] {
        if word.utf8.elementsEqual("<start_of_text>".utf8) { return [startOfTextID] }
        if word.utf8.elementsEqual("<end_of_text>".utf8) { return [endOfTextID] }
        return encoder.encode(word)
    }

    /// The BPE tokens (vocabulary strings) of one word; a special word is its own token, as in
    /// open_clip's BPE cache.
    func bpeTokens(ofWord word: String) -> [String] {
        if word.utf8.elementsEqual("<start_of_text>".utf8)
            || word.utf8.elementsEqual("<end_of_text>".utf8) {
            return [word]
        }
        return encoder.encode(word).map { tokens[$0] ?? "" }
    }

    /// byte symbol → byte, the inverse of ``BytePairEncoder/byteSymbols``.
    private static let byteOfSymbol: [Unicode.Scalar: UInt8] = Dictionary(
        uniqueKeysWithValues: BytePairEncoder.byteSymbols.enumerated().map { ($1, UInt8($0)) })
}
