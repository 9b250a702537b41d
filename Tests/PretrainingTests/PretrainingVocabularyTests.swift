import CLIP
import Foundation
import Testing

@Suite struct PretrainingVocabularyTests {
    /// Words whose left-to-right merges collide: `r e` (from `red`) fires inside `area` before
    /// `a r`, `e a` inside `reader`, …, so the builder must repair them.
    static let words = ["a", "red", "area", "reader", "ear", "era", "rare", "are", "read", "green", "square",
                        "there", "is", "that", "photo", "of", "on", "striped", "background", "."]

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pretraining-vocabulary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func everyWordIsOneTokenOfTheWrittenFiles() throws {
        let vocabulary = try VocabularyBuilder(words: Self.words)
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try vocabulary.write(directory: directory)
        let tokenizer = try CLIPTokenizer(modelDirectory: directory)
        #expect(tokenizer.vocabularySize == vocabulary.count)
        var ids: Set<Int> = []
        for word in Self.words {
            let encoded = tokenizer.encode(word)
            #expect(encoded.count == 1, "'\(word)' encodes to \(encoded)")
            ids.formUnion(encoded)
        }
        #expect(ids.count == Self.words.count, "distinct words must get distinct ids")
        // The special tokens come last, end-of-text largest (the text tower pools at the argmax).
        #expect(tokenizer.startOfTextID == vocabulary.count - 2 && tokenizer.endOfTextID == vocabulary.count - 1)
        // Base symbols: all 256 bytes and their `</w>` forms, ids 0…511.
        #expect(Array(vocabulary.tokens[97...97]) == ["a"] && vocabulary.tokens[256 + 97] == "a</w>")
    }

    @Test func theInMemoryTokenizerMatchesTheFiles() throws {
        let vocabulary = try VocabularyBuilder(words: Self.words)
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try vocabulary.write(directory: directory)
        let caption = "there is a red area on a striped background . read a photo of green rare squares ."
        #expect(CLIPTokenizer(vocabulary).tokenize([caption]) == (try CLIPTokenizer(modelDirectory: directory)).tokenize([caption]))
    }

    @Test(arguments: ["a red square .", "there is a green area that is rare .", "a photo of a reader on a striped background ."])
    func captionRoundTripsThroughTokenizeAndDecode(caption: String) throws {
        let tokenizer = CLIPTokenizer(try VocabularyBuilder(words: Self.words + ["square"]))
        let row = tokenizer.tokenize([caption])[0]
        let end = CLIPTokenizer.eotPosition(in: row)
        #expect(row[0] == tokenizer.startOfTextID && end == caption.split(separator: " ").count + 1)
        // decode turns each `</w>` into a space, so the words come back space-separated.
        #expect(tokenizer.decode(Array(row[1..<end])) == caption + " ")
    }

    @Test(arguments: ["Red", "a b", "red.", ""])
    func aWordTheTokenizerWouldSplitIsRejected(word: String) {
        #expect(throws: CLIPError.self) { try VocabularyBuilder(words: ["a", word]) }
    }

    @Test func wordsOfCaptionsAreTheTokenizersPieces() {
        #expect(VocabularyBuilder.words(in: ["a red square.", "A big star that is pink ."])
                == [".", "a", "big", "is", "pink", "red", "square", "star", "that"])
    }
}
