import Synchronization

/// Byte-level BPE over vocabulary ids: open_clip's `SimpleTokenizer.bpe` + `encoder` lookup.
///
/// A word (one piece of ``CLIPWordSplitter``) becomes its UTF-8 bytes, each byte a symbol
/// (GPT-2's `bytes_to_unicode` character), the last one with `</w>` appended. Then, repeatedly,
/// the adjacent pair with the lowest merge rank is found and *every* occurrence of it is merged,
/// left to right without overlap, until no adjacent pair has a rank. Symbols are kept as their
/// vocabulary ids, which is equivalent because every symbol that can arise (the 512 byte symbols
/// and every merge result) is checked to be in the vocabulary when the encoder is built.
struct BytePairEncoder: Sendable {
    /// A merge rule: its rank (0 = first line after the header) and the id of its result.
    struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    /// The vocabulary id of each byte's symbol, without `</w>` (indexed by byte).
    let byteIDs: [Int32]
    /// The vocabulary id of each byte's symbol with `</w>`, for the last byte of a word.
    let finalByteIDs: [Int32]
    /// The merge rules, keyed by ``pairKey(_:_:)`` of the two symbols' ids.
    let merges: [UInt64: Merge]
    /// Whole-word results, shared by copies: prompts repeat the same few words.
    private let cache = WordCache()

    /// Builds the encoder from a vocabulary and merge pairs in rank order.
    ///
    /// - Parameters:
    ///   - vocabulary: token → id, as read from `vocab.json`.
    ///   - merges: the pairs of `merges.txt` in rank order, each with its 1-based line number.
    ///   - vocabularyPath: named in errors about missing byte symbols.
    ///   - mergesPath: named in errors about merges.
    /// - Throws: ``TokenizerError/missingByteToken(path:token:)`` and
    ///   ``TokenizerError/mergeNotInVocabulary(path:line:token:)``.
    init(vocabulary: [String: Int], merges: [(line: Int, left: String, right: String)],
         vocabularyPath: String, mergesPath: String) throws {
        let symbols = Self.byteSymbols
        var byteIDs = [Int32](repeating: 0, count: 256)
        var finalByteIDs = [Int32](repeating: 0, count: 256)
        for byte in 0..<256 {
            let plain = String(symbols[byte])
            let final = plain + "</w>"
            guard let id = vocabulary[plain] else {
                throw TokenizerError.missingByteToken(path: vocabularyPath, token: plain)
            }
            guard let finalID = vocabulary[final] else {
                throw TokenizerError.missingByteToken(path: vocabularyPath, token: final)
            }
            byteIDs[byte] = Int32(id)
            finalByteIDs[byte] = Int32(finalID)
        }

        var rules: [UInt64: Merge] = [:]
        rules.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            var ids: [Int32] = []
            for token in [merge.left, merge.right, merge.left + merge.right] {
                guard let id = vocabulary[token] else {
                    throw TokenizerError.mergeNotInVocabulary(path: mergesPath, line: merge.line,
                                                              token: token)
                }
                ids.append(Int32(id))
            }
            // A repeated pair takes its last rank, as in open_clip's dict(zip(merges, ranks)).
            rules[Self.pairKey(ids[0], ids[1])] = Merge(rank: Int32(rank), result: ids[2])
        }
        self.byteIDs = byteIDs
        self.finalByteIDs = finalByteIDs
        self.merges = rules
    }

    /// The vocabulary ids of one word (a non-empty piece of the split regex).
    func encode(_ word: String) -> [Int] {
        // Keyed by bytes: as `String`s, `豈` U+F900 and `豈` U+8C48 would be one key.
        let bytes = Array(word.utf8)
        if let cached = cache[bytes] { return cached }
        let ids = merge(bytes).map(Int.init)
        cache[bytes] = ids
        return ids
    }

    /// Runs the merge loop on the bytes of one word.
    private func merge(_ bytes: [UInt8]) -> [Int32] {
        precondition(!bytes.isEmpty, "BPE of an empty word")
        var word = bytes.dropLast().map { byteIDs[Int($0)] }
        word.append(finalByteIDs[Int(bytes[bytes.count - 1])])
        var scratch: [Int32] = []
        scratch.reserveCapacity(word.count)
        while word.count > 1 {
            // The lowest-ranked adjacent pair (open_clip: min(pairs, key=rank)).
            var best: Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for index in 0..<(word.count - 1) {
                if let rule = merges[Self.pairKey(word[index], word[index + 1])],
                   rule.rank < best?.rank ?? .max {
                    best = rule
                    bestLeft = word[index]
                    bestRight = word[index + 1]
                }
            }
            guard let best else { break }
            // Merge every occurrence, scanning left to right without overlap.
            scratch.removeAll(keepingCapacity: true)
            var index = 0
            while index < word.count {
                if index + 1 < word.count, word[index] == bestLeft, word[index + 1] == bestRight {
                    scratch.append(best.result)
                    index += 2
                } else {
                    scratch.append(word[index])
                    index += 1
                }
            }
            swap(&word, &scratch)
        }
        return word
    }

    /// Packs two symbol ids into one dictionary key.
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// GPT-2's `bytes_to_unicode`: the printable Latin-1 bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` stand
    /// for themselves; the other 68 bytes (controls, space, DEL, NBSP, soft hyphen), in byte
    /// order, take U+0100, U+0101, … so that no symbol is whitespace or a control character.
    static let byteSymbols: [Unicode.Scalar] = {
        let printable = Set(Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF))
        var next = 0x100
        return (0..<256).map { byte in
            if printable.contains(byte) { return Unicode.Scalar(UInt8(byte)) }
            defer { next += 1 }
            return Unicode.Scalar(UInt32(next))!
        }
    }()
}

/// A thread-safe word (UTF-8) → ids cache. It is cleared when it reaches ``capacity`` entries,
/// which bounds memory when a long run tokenizes many distinct captions.
private final class WordCache: Sendable {
    static let capacity = 1 << 16
    private let entries = Mutex<[[UInt8]: [Int]]>([:])

    subscript(word: [UInt8]) -> [Int]? {
        get { entries.withLock { $0[word] } }
        set {
            entries.withLock { entries in
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
                entries[word] = newValue
            }
        }
    }
}
