/// What happened to the few-shot cache file during ``DatasetSource/load(shots:seed:subset:verifyImages:)``.
public enum FewShotCacheStatus: Sendable, Equatable {
    /// No few-shot sampling (`shots < 1`).
    case notUsed
    /// The lists were read from this file.
    case loaded(path: String)
    /// The lists were sampled and saved to this file.
    case written(path: String)
    /// The lists were sampled but could not be saved (e.g. a read-only data directory); the
    /// run goes on with them.
    case notWritten(path: String, reason: String)
}

/// A dataset ready to train on: its lists and class names.
public struct LoadedDataset: Sendable, Equatable {
    public var splits: DatasetSplits
    /// Class names by label, `0..<classCount`.
    public var classnames: [String]
    public var fewShotCache: FewShotCacheStatus

    public init(splits: DatasetSplits, classnames: [String], fewShotCache: FewShotCacheStatus) {
        self.splits = splits
        self.classnames = classnames
        self.fewShotCache = fewShotCache
    }

    /// The class name of every label of the three lists. Labels must run `0..<n` and each
    /// must have one name.
    static func classnames(of splits: DatasetSplits, listFile: String) throws -> [String] {
        var names: [Int: String] = [:]
        for (list, items) in [("train", splits.train), ("val", splits.val), ("test", splits.test)] {
            for item in items {
                if let known = names[item.label], known != item.classname {
                    throw DatasetError.malformed(
                        path: listFile, location: "label \(item.label)",
                        message: "class names '\(known)' and '\(item.classname)' (\(list): \(item.path)) disagree")
                }
                names[item.label] = item.classname
            }
        }
        // n distinct labels run 0..<n exactly when none is n or more; then one of 0...n is missing.
        // (The largest label may be Int.max: the range is closed, so nothing overflows.)
        if let largest = names.keys.max(), largest >= names.count {
            let gap = (0...names.count).first { names[$0] == nil }!
            throw DatasetError.malformed(path: listFile, location: "label \(gap)",
                                         message: "no image has label \(gap) (labels must run 0...\(largest))")
        }
        return (0..<names.count).map { names[$0]! }
    }
}
