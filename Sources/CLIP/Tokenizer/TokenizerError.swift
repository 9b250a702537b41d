/// Why a ``CLIPTokenizer`` could not be built from its vocabulary and merges files.
///
/// Every case names the file it is about; line numbers are 1-based.
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be read (missing, unreadable, or not UTF-8).
    case unreadableFile(path: String, reason: String)
    /// `vocab.json` is not valid JSON.
    case malformedJSON(path: String, reason: String)
    /// `vocab.json` is valid JSON but not an object.
    case vocabularyNotAnObject(path: String)
    /// The entry `token` of `vocab.json` is not a non-negative integer id.
    case invalidVocabularyEntry(path: String, token: String, reason: String)
    /// Two tokens of `vocab.json` share one id.
    case duplicateVocabularyID(path: String, id: Int, first: String, second: String)
    /// A line of `merges.txt` is not two space-separated symbols.
    case malformedMerge(path: String, line: Int, text: String)
    /// A merge's part or result is not in the vocabulary.
    case mergeNotInVocabulary(path: String, line: Int, token: String)
    /// One of the 512 byte-level base symbols (a byte's character, alone or with `</w>`) is not
    /// in the vocabulary.
    case missingByteToken(path: String, token: String)
    /// `<|startoftext|>` or `<|endoftext|>` is not in the vocabulary.
    case missingSpecialToken(path: String, token: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            "\(path): cannot read: \(reason)"
        case .malformedJSON(let path, let reason):
            "\(path): not valid JSON: \(reason)"
        case .vocabularyNotAnObject(let path):
            "\(path): expected a JSON object mapping tokens to ids"
        case .invalidVocabularyEntry(let path, let token, let reason):
            "\(path): entry \(quoted(token)): \(reason)"
        case .duplicateVocabularyID(let path, let id, let first, let second):
            "\(path): id \(id) is used by both \(quoted(first)) and \(quoted(second))"
        case .malformedMerge(let path, let line, let text):
            "\(path):\(line): expected two space-separated symbols, found \(quoted(text))"
        case .mergeNotInVocabulary(let path, let line, let token):
            "\(path):\(line): \(quoted(token)) is not in the vocabulary"
        case .missingByteToken(let path, let token):
            "\(path): byte-level token \(quoted(token)) is missing"
        case .missingSpecialToken(let path, let token):
            "\(path): special token \(quoted(token)) is missing"
        }
    }
}

/// `token` in double quotes with quotes, backslashes and control characters escaped, so that
/// whitespace and invisible characters show in messages.
private func quoted(_ token: String) -> String {
    var out = "\""
    for scalar in token.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
            out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
