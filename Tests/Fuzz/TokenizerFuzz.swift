// libFuzzer target: the CLIP tokenizer's files (`vocab.json`, `merges.txt` of a model
// directory) and its encoding of any text, built by Tests/Fuzz/run.sh. An input is
// `vocab.json NUL merges.txt NUL text` (a missing part is empty; the text may hold more NULs).
//
// 1. When a file part is not empty, both files are written and loaded: loading must succeed or
//    throw a TokenizerError, and a loaded tokenizer must tokenize the text into a row of 77 ids
//    that starts with its SOT id, and decode its ids.
// 2. The text's words (at most 64) make a VocabularyBuilder vocabulary, written and loaded as
//    the demo world's is: every word must be one token, decoding to the word and a space; the
//    loaded tokenizer must encode the text as the in-memory one does, with EOT the row's argmax.
import CLIP
import Foundation

private let directory = scratchDirectory("tokenizer")

/// What every tokenizer must do with any text.
private func check(_ tokenizer: CLIPTokenizer, _ text: String) {
    let row = tokenizer.tokenize([text])[0]
    guard row.count == CLIPTokenizer.defaultContextLength, row[0] == tokenizer.startOfTextID,
          row.contains(tokenizer.endOfTextID)
    else { fatalError("tokenize gave \(row)") }
    _ = tokenizer.decode(tokenizer.encode(text))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    let text = parts.count > 2 ? String(decoding: parts[2], as: UTF8.self) : ""

    if !parts.prefix(2).allSatisfy(\.isEmpty) {
        write(parts[0], to: directory + "/vocab.json")
        write(parts.count > 1 ? Array(parts[1]) : [], to: directory + "/merges.txt")
        do {
            check(try CLIPTokenizer(modelDirectory: directory), text)
        } catch is TokenizerError {
        } catch {
            fatalError("loading threw \(type(of: error)), not a TokenizerError: \(error)")
        }
    }

    let vocabulary: VocabularyBuilder, loaded: CLIPTokenizer
    do {
        vocabulary = try VocabularyBuilder(words: Array(VocabularyBuilder.words(in: [text]).prefix(64)))
        try vocabulary.write(directory: directory)
        loaded = try CLIPTokenizer(modelDirectory: directory)
    } catch {
        fatalError("the vocabulary of the text's words: \(error)")
    }
    let built = CLIPTokenizer(vocabulary)
    for word in vocabulary.words where word != "<start_of_text>" && word != "<end_of_text>" {
        let ids = loaded.encode(word)
        guard ids.count == 1, loaded.decode(ids) == word + " " else {
            fatalError("the vocabulary word \(word.debugDescription) encodes as \(ids), decoding to \(loaded.decode(ids).debugDescription)")
        }
    }
    check(loaded, text)
    let row = loaded.tokenize([text])[0]
    guard row == built.tokenize([text])[0], row[CLIPTokenizer.eotPosition(in: row)] == loaded.endOfTextID else {
        fatalError("the loaded vocabulary tokenizes as \(row), the built one as \(built.tokenize([text])[0])")
    }
    return 0
}
