import Foundation
import Testing
import TensorIO
@testable import CLIP

/// Hand-made `vocab.json` / `merges.txt` pairs in a fresh temporary directory.
struct TokenizerFiles {
    let directory: String
    var vocabularyPath: String { directory + "/vocab.json" }
    var mergesPath: String { directory + "/merges.txt" }

    /// The smallest valid vocabulary plus `extra`: the 256 byte symbols (id = byte), the same with
    /// `</w>` (id = 256 + byte), then `extra`, then `<|startoftext|>` and `<|endoftext|>`.
    static func vocabulary(extra: [String] = []) -> [(String, Int)] {
        let symbols = BytePairEncoder.byteSymbols.map { String($0) }
        let tokens = symbols + symbols.map { $0 + "</w>" } + extra
            + ["<|startoftext|>", "<|endoftext|>"]
        return tokens.enumerated().map { ($1, $0) }
    }

    static func json(_ vocabulary: [(String, Int)]) -> String {
        JSONValue.object(JSONObject(vocabulary.map { ($0, .int(Int64($1))) })).serialized()
    }

    /// Writes the two files into a new directory, runs `body`, removes the directory.
    static func with<R>(vocabulary: String, merges: some Collection<UInt8>,
                        _ body: (TokenizerFiles) throws -> R) throws -> R {
        let directory = FileManager.default.temporaryDirectory.path
            + "/clip-tokenizer-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory,
                                                withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = TokenizerFiles(directory: directory)
        try Data(vocabulary.utf8).write(to: URL(fileURLWithPath: files.vocabularyPath))
        try Data(merges).write(to: URL(fileURLWithPath: files.mergesPath))
        return try body(files)
    }

    static func with<R>(vocabulary: String, merges: String,
                        _ body: (TokenizerFiles) throws -> R) throws -> R {
        try with(vocabulary: vocabulary, merges: Array(merges.utf8), body)
    }

    /// The error loading these files throws (a test failure if none).
    static func loadingError(vocabulary: String, merges: String) throws -> TokenizerError? {
        try with(vocabulary: vocabulary, merges: merges) { files in
            #expect(throws: TokenizerError.self) {
                try CLIPTokenizer(vocabularyPath: files.vocabularyPath,
                                  mergesPath: files.mergesPath)
            }
        }
    }
}

@Suite struct TokenizerFilesTests {
    static let helloMerges = "#version: 0.2\nl l\nh e\nhe ll\nhell o</w>\n"
    static let helloVocabulary = TokenizerFiles.json(
        TokenizerFiles.vocabulary(extra: ["ll", "he", "hell", "hello</w>"]))

    // MARK: - Hand-made vocabularies

    @Test func handMadeVocabularyMergesByRankWithWordEnds() throws {
        try TokenizerFiles.with(vocabulary: Self.helloVocabulary, merges: Self.helloMerges) {
            let tokenizer = try CLIPTokenizer(modelDirectory: $0.directory)
            #expect(tokenizer.startOfTextID == 516)
            #expect(tokenizer.endOfTextID == 517)
            #expect(tokenizer.encode("hello") == [515])
            // "l l" cannot merge "l" with the final "l</w>": he + l + l</w>.
            #expect(tokenizer.bpeTokens(ofWord: "hell") == ["he", "l", "l</w>"])
            #expect(tokenizer.tokenize(["Hello!"], contextLength: 5)
                    == [[516, 515, 256 + 0x21, 517, 0]])  // "!</w>"
        }
    }

    @Test func acceptsCRLFAndAMissingHeaderOrFinalNewline() throws {
        for merges in ["#version: 0.2\r\nl l\r\nh e\r\nhe ll\r\nhell o</w>\r\n",
                       "l l\nh e\nhe ll\nhell o</w>"] {
            try TokenizerFiles.with(vocabulary: Self.helloVocabulary, merges: merges) { files in
                let tokenizer = try CLIPTokenizer(modelDirectory: files.directory)
                #expect(tokenizer.encode("hello") == [515])
            }
        }
    }

    // MARK: - Unreadable files

    @Test func missingFileIsNamed() throws {
        let path = "/nonexistent-\(UUID().uuidString)/vocab.json"
        let error = #expect(throws: TokenizerError.self) {
            try CLIPTokenizer(vocabularyPath: path, mergesPath: path)
        }
        guard case .unreadableFile(let named, let reason) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(reason.contains("No such file"))
        #expect(error?.description.hasPrefix(path + ": cannot read") == true)
    }

    @Test func mergesThatAreNotUTF8AreUnreadable() throws {
        let merges: [UInt8] = [0x68, 0x20, 0xFF, 0x0A]  // "h \xFF\n"
        try TokenizerFiles.with(vocabulary: Self.helloVocabulary, merges: merges) { files in
            let error = #expect(throws: TokenizerError.self) {
                try CLIPTokenizer(modelDirectory: files.directory)
            }
            #expect(error == .unreadableFile(path: files.mergesPath, reason: "not valid UTF-8"))
        }
    }

    // MARK: - vocab.json

    @Test func invalidJSONNamesTheFileLineAndColumn() throws {
        let error = try TokenizerFiles.loadingError(vocabulary: "{\"a\": 1,\n  }",
                                                    merges: Self.helloMerges)
        guard case .malformedJSON(let path, let reason) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("/vocab.json"))
        #expect(reason.hasPrefix("line 2, column 3"))
    }

    @Test func vocabularyMustBeAnObject() throws {
        let error = try TokenizerFiles.loadingError(vocabulary: "[\"a\", \"b\"]",
                                                    merges: Self.helloMerges)
        guard case .vocabularyNotAnObject(let path) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(error?.description == "\(path): expected a JSON object mapping tokens to ids")
    }

    @Test(arguments: [
        (#"{"ok": 1, "bad": "7"}"#, "bad", "found a string \"7\""),
        (#"{"bad": 1.5}"#, "bad", "found 1.5"),
        (#"{"bad": -1}"#, "bad", "found -1"),
        (#"{"bad": null}"#, "bad", "found null"),
        (#"{"bad\n": 3000000000}"#, "bad\n", "found 3000000000"),
    ])
    func vocabularyEntriesMustBeIntegerIDs(json: String, token: String, found: String) throws {
        let error = try TokenizerFiles.loadingError(vocabulary: json, merges: Self.helloMerges)
        guard case .invalidVocabularyEntry(let path, let named, let reason) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(named == token)
        #expect(reason.hasSuffix(found))
        let description = error?.description ?? ""
        #expect(description.hasPrefix("\(path): entry \"") && !description.contains("\n"))
    }

    @Test func vocabularyIDsMustBeDistinct() throws {
        let error = try TokenizerFiles.loadingError(vocabulary: #"{"a": 4, "b": 5, "c": 4}"#,
                                                    merges: Self.helloMerges)
        guard case .duplicateVocabularyID(let path, 4, "a", "c") = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(error?.description == "\(path): id 4 is used by both \"a\" and \"c\"")
    }

    @Test(arguments: ["<|startoftext|>", "<|endoftext|>"])
    func specialTokensMustBeInTheVocabulary(missing: String) throws {
        let vocabulary = TokenizerFiles.vocabulary(extra: ["ll", "he", "hell", "hello</w>"])
            .filter { $0.0 != missing }
        let error = try TokenizerFiles.loadingError(vocabulary: TokenizerFiles.json(vocabulary),
                                                    merges: Self.helloMerges)
        guard case .missingSpecialToken(let path, missing) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("/vocab.json"))
    }

    @Test(arguments: ["!", "Ġ</w>"])
    func byteSymbolsMustBeInTheVocabulary(missing: String) throws {
        let vocabulary = TokenizerFiles.vocabulary().filter { $0.0 != missing }
        let error = try TokenizerFiles.loadingError(vocabulary: TokenizerFiles.json(vocabulary),
                                                    merges: "#version: 0.2\n")
        guard case .missingByteToken(let path, missing) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("/vocab.json"))
    }

    // MARK: - merges.txt

    @Test(arguments: [
        ("#version: 0.2\nl l\nh e x\n", 3, "h e x"),
        ("#version: 0.2\nl l\n\nh e\n", 3, ""),
        ("#version: 0.2\nl l\nh e\nhe\n", 4, "he"),
    ])
    func malformedMergeLinesAreNamedByLine(merges: String, line: Int, text: String) throws {
        let error = try TokenizerFiles.loadingError(vocabulary: Self.helloVocabulary,
                                                    merges: merges)
        guard case .malformedMerge(let path, line, text) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("/merges.txt"))
        #expect(error?.description.hasPrefix("\(path):\(line): expected two") == true)
    }

    @Test(arguments: [
        ("#version: 0.2\nl l\nq z\n", 3, "qz"),
        ("#version: 0.2\nl l\nll x\n", 3, "llx"),
        ("#version: 0.2\nhe ll\n", 2, "hell"),
        ("#version: 0.2\nxy z\n", 2, "xy"),  // a part, not the result, is missing
    ])
    func mergesMustStayInTheVocabulary(merges: String, line: Int, token: String) throws {
        let vocabulary = TokenizerFiles.json(TokenizerFiles.vocabulary(extra: ["ll", "he", "xyz"]))
        let error = try TokenizerFiles.loadingError(vocabulary: vocabulary, merges: merges)
        guard case .mergeNotInVocabulary(let path, line, token) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(error?.description == "\(path):\(line): \"\(token)\" is not in the vocabulary")
    }
}
