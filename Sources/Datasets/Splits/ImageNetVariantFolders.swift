/// The four ImageNet variants of CoOp's domain-generalisation test, read from their folders
/// as CoOp's `datasets/imagenetv2.py`, `imagenet_sketch.py`, `imagenet_a.py` and
/// `imagenet_r.py` read them, each with the `classnames.txt` copied from ImageNet into its
/// dataset directory (CoOp's DATASETS.md):
///
/// | dataset | folders | labels |
/// |---|---|---|
/// | ImageNetV2 | `imagenetv2/imagenetv2-matched-frequency-format-val/0` … `/999` | folder `i` is label `i`, named by the `i`-th folder of `classnames.txt` |
/// | ImageNetSketch | `imagenet-sketch/images/<wnid>` (1000) | the folders sorted, `0..<n` |
/// | ImageNetA | `imagenet-adversarial/imagenet-a/<wnid>` (200; `README.txt` ignored) | the folders sorted, `0..<n` |
/// | ImageNetR | `imagenet-rendition/imagenet-r/<wnid>` (200; `README.txt` ignored) | the folders sorted, `0..<n` |
///
/// These sets are test-only: CoOp passes the one list as both `train_x` and `test`, with no
/// `val` (`super().__init__(train_x=data, test=data)`, imagenetv2.py:29, imagenet_sketch.py:28,
/// imagenet_a.py:30, imagenet_r.py:30), and none of the readers looks at `NUM_SHOTS` or
/// `SUBSAMPLE_CLASSES`. Images within a folder come in `os.listdir` order (`readdir`, as
/// ``ImageNetFolders``), hidden names skipped (Dassl's `listdir_nohidden`).
public enum ImageNetVariantFolders {
    /// The lists of a variant in the dataset directory `directory` (`$DATA/imagenetv2`, …):
    /// `train` and `test` both every image, `val` empty.
    ///
    /// - Precondition: `dataset.isTestOnly`.
    /// - Throws: ``DatasetError`` naming an unreadable `classnames.txt` or folder, or
    ///   `classnames.txt` with the folder it has no class name for.
    public static func read(_ dataset: StandardDataset, directory: String) throws -> DatasetSplits {
        precondition(dataset.isTestOnly, "\(dataset.rawValue) is not an ImageNet variant")
        let classnames = try ImageNetClassnames.read(joinPath(directory, "classnames.txt"))
        let imageRoot = joinPath(directory, dataset.imageSubdirectory)
        let items = dataset == .imageNetV2
            ? try numberedFolders(imageRoot, classnames: classnames)
            : try sortedFolders(imageRoot, classnames: classnames, ignoring: dataset == .imageNetSketch ? [] : ["README.txt"])
        return DatasetSplits(train: items, val: [], test: items)
    }

    /// ImageNet-V2's `read_data` (imagenetv2.py:31-46): for label `i` in `0..<classCount`,
    /// the images of folder `<imageRoot>/<i>` with the class name of the `i`-th folder name
    /// in `classnames.txt`'s order (`list(classnames.keys())[i]`).
    ///
    /// CoOp loops over `range(1000)`, the number of lines of ImageNet's `classnames.txt`, and
    /// so does ``read(_:directory:)``; `classCount` is there for small test layouts.
    ///
    /// - Throws: ``DatasetError/unreadable(path:reason:)`` for a missing folder `i`;
    ///   ``DatasetError/malformed(path:location:message:)`` naming `classnames.txt` when it lists
    ///   fewer than `classCount` folders (CoOp's `IndexError`).
    static func numberedFolders(_ imageRoot: String, classnames: ImageNetClassnames, classCount: Int = 1000) throws -> [DatasetItem] {
        var items: [DatasetItem] = []
        for label in 0..<classCount {
            let folderPath = joinPath(imageRoot, String(label))
            let names = try listdirNoHidden(folderPath)
            guard label < classnames.folders.count else {
                throw DatasetError.malformed(path: classnames.path, location: "label \(label)",
                                             message: "no class for \(folderPath): the file lists \(classnames.folders.count) folders, ImageNet-V2 has \(classCount) labels")
            }
            let classname = classnames.names[classnames.folders[label]]!
            for name in names {
                items.append(DatasetItem(path: joinPath(folderPath, name), label: label, classname: classname))
            }
        }
        return items
    }

    /// ImageNet-Sketch's, -A's and -R's `read_data` (imagenet_sketch.py:30-43,
    /// imagenet_a.py:32-46, imagenet_r.py:32-46): the non-hidden names in `imageRoot`, sorted,
    /// but those in `ignoring` (CoOp's `TO_BE_IGNORED = ["README.txt"]` for -A and -R, their
    /// line 8, applied at line 35), are the class folders, labelled `0..<n` in that order.
    /// Every such name is taken for a folder, as CoOp takes it: another file there fails as
    /// its `os.listdir` does.
    ///
    /// - Throws: ``DatasetError/unreadable(path:reason:)`` for a missing `imageRoot` or a name
    ///   in it that is not a readable folder; ``DatasetError/malformed(path:location:message:)``
    ///   naming `classnames.txt` and a folder it has no class name for (CoOp's `KeyError`).
    static func sortedFolders(_ imageRoot: String, classnames: ImageNetClassnames, ignoring: Set<String>) throws -> [DatasetItem] {
        let folders = try listdirNoHidden(imageRoot, sorted: true).filter { !ignoring.contains($0) }
        var items: [DatasetItem] = []
        for (label, folder) in folders.enumerated() {
            let folderPath = joinPath(imageRoot, folder)
            let names = try listdirNoHidden(folderPath)
            let classname = try classnames.classname(of: folder, at: folderPath)
            for name in names {
                items.append(DatasetItem(path: joinPath(folderPath, name), label: label, classname: classname))
            }
        }
        return items
    }
}
