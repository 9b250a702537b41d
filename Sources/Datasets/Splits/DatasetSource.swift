import TensorIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a dataset's images and lists are: one of CoOp's standard datasets under a data root,
/// or a custom split file with its image root.
public enum DatasetSource: Sendable, Equatable {
    /// `$DATA/<directory>/...` as ``StandardDataset`` describes.
    case standard(StandardDataset, root: String)
    /// A `split_zhou`-format JSON file (`--split FILE`) and the directory its paths are
    /// relative to.
    case custom(splitFile: String, imageRoot: String)

    /// The directory holding the lists and `split_fewshot/` (CoOp's `dataset_dir`; for a
    /// custom split, the split file's directory). Absolute.
    public var datasetDirectory: String {
        switch self {
        case .standard(let dataset, let root): joinPath(absolutePath(root), dataset.directoryName)
        case .custom(let splitFile, _): directoryOf(absolutePath(splitFile))
        }
    }

    /// The directory split paths are relative to (CoOp's `image_dir`). Absolute.
    public var imageRoot: String {
        switch self {
        case .standard(let dataset, _):
            dataset.imageSubdirectory.isEmpty ? datasetDirectory : joinPath(datasetDirectory, dataset.imageSubdirectory)
        case .custom(_, let imageRoot): absolutePath(imageRoot)
        }
    }

    /// The file the lists come from, for messages: the split file, or what replaces it (an
    /// ImageNet variant's: its image folder).
    public var listFile: String {
        switch self {
        case .standard(.imageNet, _): joinPath(datasetDirectory, ImageNetCache.fileName)
        case .standard(let dataset, _) where dataset.isTestOnly: imageRoot
        case .standard(.fgvcAircraft, _): joinPath(datasetDirectory, "images_variant_*.txt")
        case .standard(let dataset, _): joinPath(datasetDirectory, dataset.splitFileName!)
        case .custom(let splitFile, _): absolutePath(splitFile)
        }
    }

    /// Whether CoOp samples a few-shot val list for this dataset (all but ImageNet).
    var samplesFewShotValidation: Bool {
        if case .standard(let dataset, _) = self { return dataset.samplesFewShotValidation }
        return true
    }

    /// The full train/val/test lists, before few-shot sampling and class subsetting.
    ///
    /// ImageNet's folder scan is cached as `imagenet/preprocessed.json` (train and test lists,
    /// paths relative to `images/`; CoOp caches the same lists as `preprocessed.pkl`) and read
    /// back from there when present; a cache that cannot be written is skipped silently.
    /// The ImageNet variants are scanned each time (CoOp caches none of them).
    public func readSplits() throws -> DatasetSplits {
        switch self {
        case .standard(.imageNet, _):
            return try ImageNetCache.splits(directory: datasetDirectory, imageRoot: imageRoot)
        case .standard(let dataset, _) where dataset.isTestOnly:
            return try ImageNetVariantFolders.read(dataset, directory: datasetDirectory)
        case .standard(.fgvcAircraft, _):
            return try FGVCAircraftLists.read(directory: datasetDirectory)
        case .standard, .custom:
            guard fileExists(listFile) else {
                throw DatasetError.unreadable(path: listFile, reason: "split file not found")
            }
            return try SplitFile.readSplits(listFile, imageRoot: imageRoot)
        }
    }

    /// The few-shot cache file for `shots` and `seed`: `split_fewshot/shot_K-seed_S.json` in
    /// the dataset directory. CoOp pickles the same lists to `shot_K-seed_S.pkl`; this is
    /// JSON in the split-file format (`{"train": [...], "val": [...]}`).
    public func fewShotCachePath(shots: Int, seed: Int) -> String {
        joinPath(joinPath(datasetDirectory, "split_fewshot"), "shot_\(shots)-seed_\(seed).json")
    }

    /// The lists CoOp trains and tests on.
    ///
    /// 1. The full lists (``readSplits()``).
    /// 2. With `shots ≥ 1`: the few-shot train and val lists of ``FewShot/coopLists(train:val:shots:seed:)``
    ///    (ImageNet: train only), read from the cache file when it exists, otherwise sampled
    ///    and written there atomically.
    /// 3. ``ClassSubset/apply(_:)`` to train, val and test.
    /// 4. With `verifyImages`, every remaining image must exist.
    ///
    /// A test-only dataset (``StandardDataset/isTestOnly``) takes only `shots < 1` and `.all`:
    /// CoOp's readers of the ImageNet variants read neither `NUM_SHOTS` nor `SUBSAMPLE_CLASSES`,
    /// and a run that asked for them would silently get every image of every class.
    ///
    /// - Throws: ``DatasetError`` for unreadable or malformed lists and missing images;
    ///   ``DatasetError/testOnly(dataset:refused:)`` for shots or a subset of a test-only set.
    public func load(shots: Int, seed: Int, subset: ClassSubset = .all, verifyImages: Bool = true) throws -> LoadedDataset {
        if case .standard(let dataset, _) = self, dataset.isTestOnly {
            if shots >= 1 { throw DatasetError.testOnly(dataset: dataset, refused: "\(shots)-shot training list") }
            if subset != .all { throw DatasetError.testOnly(dataset: dataset, refused: "'\(subset.rawValue)' class subset") }
        }
        var splits = try readSplits()
        var cache = FewShotCacheStatus.notUsed
        var trainSource = listFile, valSource = listFile
        if shots >= 1 {
            let path = fewShotCachePath(shots: shots, seed: seed)
            let withVal = samplesFewShotValidation
            if fileExists(path) {
                let lists = try SplitFile.read(path, imageRoot: imageRoot, lists: withVal ? ["train", "val"] : ["train"])
                splits.train = lists["train"]!
                if withVal { splits.val = lists["val"]! }
                cache = .loaded(path: path)
            } else {
                let sampled = FewShot.coopLists(train: splits.train, val: withVal ? splits.val : nil, shots: shots, seed: seed)
                splits.train = sampled.train
                if let val = sampled.val { splits.val = val }
                var object = JSONObject()
                object["train"] = SplitFile.json(splits.train, imageRoot: imageRoot)
                if withVal { object["val"] = SplitFile.json(splits.val, imageRoot: imageRoot) }
                cache = writeCache(JSONValue.object(object), to: path, pretty: true)
            }
            trainSource = path
            if withVal { valSource = path }
        }
        let subsetLists = subset.apply([splits.train, splits.val, splits.test])
        splits = DatasetSplits(train: subsetLists[0], val: subsetLists[1], test: subsetLists[2])
        if verifyImages {
            for (items, source) in [(splits.train, trainSource), (splits.val, valSource), (splits.test, listFile)] {
                if let missing = items.first(where: { !fileExists($0.path) }) {
                    throw DatasetError.missingImage(path: missing.path, listedIn: source)
                }
            }
        }
        let classnames = try LoadedDataset.classnames(of: splits, listFile: listFile)
        return LoadedDataset(splits: splits, classnames: classnames, fewShotCache: cache)
    }
}

/// Writes a cache file atomically, creating its directory; failure is reported, not thrown.
/// Pretty output puts every value on its own line.
func writeCache(_ value: JSONValue, to path: String, pretty: Bool) -> FewShotCacheStatus {
    let directory = directoryOf(path)
    if !isDirectory(directory) && mkdir(directory, 0o755) != 0 && errno != EEXIST {
        return .notWritten(path: path, reason: "cannot create \(directory): \(String(cString: strerror(errno)))")
    }
    do {
        try AtomicFile.write(value.serialized(pretty: pretty) + "\n", to: path)
        return .written(path: path)
    } catch {
        return .notWritten(path: path, reason: "\(error)")
    }
}
