/// Why a dataset, split, caption list or preprocessing config could not be read. Every case
/// names the file and, where there is one, the place in it.
public enum DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or read (`reason` is the system's).
    case unreadable(path: String, reason: String)
    /// The file is readable but wrong at `location` — `line 3, column 14` for JSON syntax,
    /// `train[12]` for a split entry, `line 7` for a text list, a key for a config.
    case malformed(path: String, location: String, message: String)
    /// An image named by a split or list does not exist.
    case missingImage(path: String, listedIn: String)
    /// A dataset name that is none of the standard ones.
    case unknownDataset(name: String)
    /// A few-shot list or a class subset asked of a test-only dataset
    /// (``StandardDataset/isTestOnly``); `refused` says what was asked, e.g. `16 shots`.
    case testOnly(dataset: StandardDataset, refused: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .malformed(let path, let location, let message):
            "\(path): \(location): \(message)"
        case .missingImage(let path, let listedIn):
            "image \(path) (listed in \(listedIn)) does not exist"
        case .unknownDataset(let name):
            "unknown dataset '\(name)'; expected one of "
                + StandardDataset.allCases.map(\.rawValue).joined(separator: ", ")
                + ", or a custom split file with an image root"
        case .testOnly(let dataset, let refused):
            "\(dataset.rawValue) is a test-only dataset (CoOp's domain-generalisation set: every image in the test list, "
                + "all its classes), so it has no \(refused); learn prompts on ImageNet and evaluate them on it with all classes"
        }
    }
}
