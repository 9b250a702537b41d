import Foundation
import Testing
import TensorIO
@testable import CLIP

/// The tokenizer reference, `Tests/Fixtures/tokenizer.json`: 50 strings through open_clip 3.3.0's
/// `tokenize` (ftfy 6.3.1), with the cleaned text, the split pattern's words, the BPE tokens and
/// the 77 ids of each; and the real CLIP vocabulary in `Tests/Fixtures/tiny-clip`.
///
/// Every case is checked at every stage; none is excepted.
enum TokenizerFixture {
    /// One reference string and what open_clip made of it.
    struct Case: Sendable, CustomTestStringConvertible {
        let index: Int
        let text: String
        let tags: [String]
        let cleaned: String
        let words: [String]
        let bpeTokens: [String]
        let inputIDs: [Int]
        let eotPosition: Int
        let truncated: Bool

        var testDescription: String {
            "#\(index) \(tags.joined(separator: ",")): \(text.prefix(40))"
        }
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// The document, parsed once.
    static let document = Result { () throws -> JSONValue in
        let path = directory + "/tokenizer.json"
        return try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The tokenizer over `tiny-clip/vocab.json` + `merges.txt`, loaded once for all tests.
    static let loaded = Result { try CLIPTokenizer(modelDirectory: directory + "/tiny-clip") }

    static func tokenizer() throws -> CLIPTokenizer { try loaded.get() }

    static func cases() throws -> [Case] {
        let cases = try #require(try document.get()["cases"]?.arrayValue)
        return try cases.enumerated().map { index, value in
            func strings(_ key: String) throws -> [String] {
                try #require(value[key]?.arrayValue).map { try #require($0.stringValue) }
            }
            return Case(
                index: index,
                text: try #require(value["text"]?.stringValue),
                tags: try strings("tags"),
                cleaned: try #require(value["cleaned"]?.stringValue),
                words: try strings("words"),
                bpeTokens: try strings("bpe_tokens"),
                inputIDs: try #require(value["input_ids"]?.arrayValue)
                    .map { try #require($0.intValue) },
                eotPosition: try #require(value["eot_position"]?.intValue),
                truncated: try #require(value["truncated"]?.boolValue as Bool?))
        }
    }
}

/// Strings compared code point by code point: `String`'s `==` is canonical equivalence, under
/// which a decomposed `é` would pass for a composed one.
func codePoints(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

func codePoints(_ texts: [String]) -> [[UInt32]] { texts.map(codePoints) }

@Suite struct TokenizerTests {
    // MARK: - open_clip reference

    @Test func fixtureHasFiftyCasesAndCLIPsSpecialIDs() throws {
        let document = try TokenizerFixture.document.get()
        #expect(try TokenizerFixture.cases().count == 50)
        #expect(document["num_cases"]?.intValue == 50)
        #expect(document["context_length"]?.intValue == CLIPTokenizer.defaultContextLength)
        #expect(document["sot_token_id"]?.intValue == CLIPTokenizer.startOfText)
        #expect(document["eot_token_id"]?.intValue == CLIPTokenizer.endOfText)
        #expect(document["pad_token_id"]?.intValue == CLIPTokenizer.padding)
    }

    @Test(arguments: try TokenizerFixture.cases())
    func inputIDsMatchOpenCLIP(_ reference: TokenizerFixture.Case) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let rows = tokenizer.tokenize([reference.text])
        #expect(rows == [reference.inputIDs])
        #expect(CLIPTokenizer.eotPosition(in: rows[0]) == reference.eotPosition)
    }

    @Test(arguments: try TokenizerFixture.cases())
    func cleaningSplittingAndBPEMatchOpenCLIP(_ reference: TokenizerFixture.Case) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(codePoints(CLIPTextCleaner.clean(reference.text)) == codePoints(reference.cleaned))
        let words = tokenizer.words(in: reference.text)
        #expect(codePoints(words) == codePoints(reference.words))
        #expect(codePoints(words.flatMap(tokenizer.bpeTokens(ofWord:)))
                == codePoints(reference.bpeTokens))
    }

    @Test func truncatedReferenceRowsEndInEOT() throws {
        let truncated = try TokenizerFixture.cases().filter(\.truncated)
        #expect(truncated.count == 3)
        for reference in truncated {
            #expect(reference.inputIDs.count == 77)
            #expect(reference.inputIDs.last == CLIPTokenizer.endOfText)
            #expect(reference.inputIDs.dropLast().contains(CLIPTokenizer.endOfText) == false)
        }
    }

    // MARK: - Special tokens

    @Test func specialIDsAreLookedUpInTheVocabulary() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.startOfTextID == CLIPTokenizer.startOfText)
        #expect(tokenizer.endOfTextID == CLIPTokenizer.endOfText)
        #expect(tokenizer.vocabularySize == 49408)
        #expect(tokenizer.tokens[49406] == "<|startoftext|>")
        #expect(tokenizer.tokens[49407] == "<|endoftext|>")
    }

    @Test func openCLIPsSpecialNamesBecomeSpecialIDsAnywhere() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.encode("<start_of_text>") == [49406])
        #expect(tokenizer.encode("x<end_of_text>y") == [343, 49407, 344])
        // HF's names are ordinary text for open_clip.
        #expect(tokenizer.encode("<|endoftext|>") == [27, 347, 40786, 4160, 91, 285])
        // A literal EOT in the text is the first argmax, as in open_clip.
        let row = tokenizer.tokenize(["a <end_of_text> b"])[0]
        #expect(Array(row.prefix(6)) == [49406, 320, 49407, 321, 49407, 0])
        #expect(CLIPTokenizer.eotPosition(in: row) == 2)
    }

    // MARK: - Framing

    @Test func encodeHasNoSpecialTokens() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.encode("a photo of a dog.") == [320, 1125, 539, 320, 1929, 269])
        #expect(tokenizer.encode("") == [])
        #expect(tokenizer.encode(" \t\n ") == [])
    }

    @Test func tokenizeFramesPadsAndBatches() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let rows = tokenizer.tokenize(["a photo of a dog.", "", "HELLO World"], contextLength: 10)
        #expect(rows == [
            [49406, 320, 1125, 539, 320, 1929, 269, 49407, 0, 0],
            [49406, 49407, 0, 0, 0, 0, 0, 0, 0, 0],
            [49406, 3306, 1002, 49407, 0, 0, 0, 0, 0, 0],
        ])
        #expect(tokenizer.tokenize([]).isEmpty)
    }

    // Expected rows from open_clip's tokenize(..., context_length=n).
    @Test(arguments: [
        (8, [49406, 320, 1125, 539, 320, 1929, 269, 49407]),  // exactly fits
        (7, [49406, 320, 1125, 539, 320, 1929, 49407]),       // "." gives way to EOT
        (5, [49406, 320, 1125, 539, 49407]),
        (2, [49406, 49407]),
        (1, [49407]),
    ])
    func truncationKeepsTheFirstIDsAndEndsInEOT(contextLength: Int, expected: [Int]) throws {
        // open_clip: tokens[:n], then tokens[-1] = EOT, so the content id at n - 1 is lost.
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.tokenize(["a photo of a dog."], contextLength: contextLength)
                == [expected])
    }

    @Test func eotPositionIsTheFirstArgmax() {
        #expect(CLIPTokenizer.eotPosition(in: [49406, 320, 49407, 0]) == 2)
        #expect(CLIPTokenizer.eotPosition(in: [49406, 49407, 5, 49407]) == 1)
        #expect(CLIPTokenizer.eotPosition(in: [0, 0, 0]) == 0)
    }

    // MARK: - Decoding, caching, concurrency

    @Test func decodeInvertsEncodeUpToWordEnds() throws {
        // Values from open_clip's SimpleTokenizer.decode.
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.decode(tokenizer.encode("a photo of a dog.")) == "a photo of a dog . ")
        #expect(tokenizer.decode(tokenizer.encode("café 😀 Привет")) == "café 😀 привет ")
        #expect(tokenizer.decode([49406, 320, 49407]) == "<start_of_text>a <end_of_text>")
    }

    @Test func cachedWordsGiveTheSameIDs() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let text = "supercalifragilisticexpialidocious naïve 🐶🐱"
        let first = tokenizer.encode(text)
        #expect(tokenizer.encode(text) == first)
        #expect(tokenizer.encode(text + " " + text) == first + first)
    }

    @Test func concurrentTokenizationAgreesWithSerial() async throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let texts = try TokenizerFixture.cases().map(\.text)
        let serial = tokenizer.tokenize(texts)
        let results = await withTaskGroup(of: [[Int]].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    // Each task starts at another text, so the tasks race on the word cache.
                    let start = Int.random(in: 0..<texts.count)
                    let rotated = Array(texts[start...] + texts[..<start])
                    let rows = tokenizer.tokenize(rotated)
                    return Array(rows[(texts.count - start)...] + rows[..<(texts.count - start)])
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result == serial) }
    }
}
