import Datasets
import Foundation

/// The labelled images an evaluation runs on: one split of a dataset, restricted to the base
/// or new classes as CoOp's base-to-new protocol does, in split-file order.
public struct EvaluationSet: Sendable, Equatable {
    /// Which list of the dataset (Dassl's `TEST.SPLIT`).
    public enum Split: String, CaseIterable, Sendable {
        case test, val
    }

    /// The images and their labels (`0..<classNames.count`, relabelled for `new`).
    public var items: [DatasetItem]
    /// Class names by label.
    public var classNames: [String]
    public var split: Split
    public var subset: ClassSubset
    /// The file the lists come from, for messages.
    public var listFile: String

    public init(items: [DatasetItem], classNames: [String], split: Split, subset: ClassSubset, listFile: String) {
        self.items = items
        self.classNames = classNames
        self.split = split
        self.subset = subset
        self.listFile = listFile
    }

    /// Reads `split` of `source`, keeps `subset`'s classes (base: the first ⌈n/2⌉ labels of
    /// the full train list; new: the rest, relabelled from 0 — CoOp's `subsample_classes`),
    /// and checks that every image of that split exists (the other splits are not touched).
    ///
    /// - Throws: ``DatasetError`` for a missing or malformed split file
    ///   (`unreadable`/`malformed`, naming the file and entry) or a missing image
    ///   (`missingImage`, naming the image and the list); ``EvaluationError/emptySplit(split:listFile:)``.
    public static func load(_ source: DatasetSource, split: Split = .test, subset: ClassSubset = .all) throws -> EvaluationSet {
        // No few-shot sampling (shots 0): evaluation always uses the full lists.
        let dataset = try source.load(shots: 0, seed: 0, subset: subset, verifyImages: false)
        let items = split == .test ? dataset.splits.test : dataset.splits.val
        guard !items.isEmpty else { throw EvaluationError.emptySplit(split: split.rawValue, listFile: source.listFile) }
        if let missing = items.first(where: { !FileManager.default.fileExists(atPath: $0.path) }) {
            throw DatasetError.missingImage(path: missing.path, listedIn: source.listFile)
        }
        return EvaluationSet(items: items, classNames: dataset.classnames, split: split, subset: subset, listFile: source.listFile)
    }
}
