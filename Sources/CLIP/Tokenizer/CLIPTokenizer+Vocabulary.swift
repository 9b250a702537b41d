extension CLIPTokenizer {
    /// The tokenizer of a built vocabulary, without files: the same as loading what
    /// ``VocabularyBuilder/write(directory:)`` writes.
    public init(_ vocabulary: VocabularyBuilder) {
        let ids = Dictionary(uniqueKeysWithValues: vocabulary.tokens.enumerated().map { ($1, $0) })
        do {
            self.encoder = try BytePairEncoder(
                vocabulary: ids, merges: vocabulary.merges.enumerated().map { (line: $0 + 2, left: $1.left, right: $1.right) },
                vocabularyPath: "vocab.json", mergesPath: "merges.txt")
        } catch {
            preconditionFailure("a built vocabulary is complete by construction: \(error)")
        }
        self.startOfTextID = vocabulary.startOfTextID
        self.endOfTextID = vocabulary.endOfTextID
        self.vocabularySize = vocabulary.count
        self.tokens = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
    }
}
