import TensorIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ImageNet as CoOp reads it (`datasets/imagenet.py`): no Zhou split file; the lists come from
/// the folders `images/train/<wnid>/` and `images/val/<wnid>/` and `classnames.txt`
/// (`<wnid> <class name>` per line).
///
/// Labels follow the wnid folders sorted by code point; within a folder the images come in
/// `os.listdir` order — the directory's `readdir` order, which this reproduces by calling
/// `readdir` too, so on the same file system the lists (and hence the few-shot picks) equal
/// CoOp's. Hidden files (leading `.`) are skipped, as Dassl's `listdir_nohidden`.
public enum ImageNetFolders {
    /// Reads `train` from `images/train` and `test` from `images/val` of the dataset directory.
    /// `val` is the same list as `test` (CoOp evaluates on ImageNet's val set).
    ///
    /// - Throws: ``DatasetError`` naming an unreadable folder, or `classnames.txt` when a
    ///   folder has no class name.
    public static func read(directory: String) throws -> DatasetSplits {
        let classnames = try ImageNetClassnames.read(joinPath(directory, "classnames.txt"))
        let imageRoot = joinPath(directory, "images")
        func list(_ split: String) throws -> [DatasetItem] {
            let splitDirectory = joinPath(imageRoot, split)
            let folders = try directoryEntries(splitDirectory)
                .filter { isDirectory(joinPath(splitDirectory, $0)) }
                .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var items: [DatasetItem] = []
            for (label, folder) in folders.enumerated() {
                let folderPath = joinPath(splitDirectory, folder)
                let classname = try classnames.classname(of: folder, at: folderPath)
                for name in try listdirNoHidden(folderPath) {
                    items.append(DatasetItem(path: joinPath(folderPath, name), label: label, classname: classname))
                }
            }
            return items
        }
        let train = try list("train")
        let test = try list("val")
        return DatasetSplits(train: train, val: test, test: test)
    }
}

/// ImageNet's scanned lists, cached as `preprocessed.json` beside CoOp's `preprocessed.pkl`.
enum ImageNetCache {
    static let fileName = "preprocessed.json"

    static func splits(directory: String, imageRoot: String) throws -> DatasetSplits {
        let path = joinPath(directory, fileName)
        if fileExists(path) {
            let lists = try SplitFile.read(path, imageRoot: imageRoot, lists: ["train", "test"])
            return DatasetSplits(train: lists["train"]!, val: lists["test"]!, test: lists["test"]!)
        }
        let splits = try ImageNetFolders.read(directory: directory)
        var object = JSONObject()
        object["train"] = SplitFile.json(splits.train, imageRoot: imageRoot)
        object["test"] = SplitFile.json(splits.test, imageRoot: imageRoot)
        // Compact: 1.3 million entries.
        _ = writeCache(.object(object), to: path, pretty: false)
        return splits
    }
}

/// The names in a directory in `readdir` order, without `.` and `..` (Python's `os.listdir`).
func directoryEntries(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else {
        throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// The names in a directory but those starting with `.`, in `readdir` order or sorted by code
/// point (Dassl's `listdir_nohidden(path, sort)`, `dassl/utils/tools.py:135-145`; Python sorts
/// `str`s by code point).
func listdirNoHidden(_ path: String, sorted: Bool = false) throws -> [String] {
    let names = try directoryEntries(path).filter { !$0.hasPrefix(".") }
    return sorted ? names.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) } : names
}

/// Whether `path` is a directory, following symlinks (Python's `DirEntry.is_dir()`).
func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
