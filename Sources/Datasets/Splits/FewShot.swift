/// Few-shot sampling as Dassl's `DatasetBase.generate_fewshot_dataset`, under CoOp's seeding.
public enum FewShot {
    /// Groups `items` by label in order of each label's first appearance, items in list order:
    /// Dassl's `split_dataset_by_label` (a `defaultdict(list)`, which iterates in insertion
    /// order).
    public static func groupedByLabel(_ items: [DatasetItem]) -> [(label: Int, items: [DatasetItem])] {
        var position: [Int: Int] = [:]
        var groups: [(label: Int, items: [DatasetItem])] = []
        for item in items {
            if let index = position[item.label] {
                groups[index].items.append(item)
            } else {
                position[item.label] = groups.count
                groups.append((item.label, [item]))
            }
        }
        return groups
    }

    /// `generate_fewshot_dataset(items, num_shots=shots)` with `repeat=False`: per label (in
    /// first-appearance order), `random.sample(items, shots)` when the label has at least
    /// `shots` items, else all of them (no draw). `shots < 1` returns `items` unchanged.
    public static func sample(_ items: [DatasetItem], shots: Int, random: inout PythonRandom) -> [DatasetItem] {
        guard shots >= 1 else { return items }
        var output: [DatasetItem] = []
        for group in groupedByLabel(items) {
            if group.items.count >= shots {
                output.append(contentsOf: random.sample(group.items, count: shots))
            } else {
                output.append(contentsOf: group.items)
            }
        }
        return output
    }

    /// CoOp's few-shot lists: after `random.seed(seed)` (Dassl's `set_random_seed`, nothing
    /// else drawing from Python's `random` before the dataset is built), the train list with
    /// `shots` per class, then — from the same generator — the val list with `min(shots, 4)`.
    ///
    /// - Parameters:
    ///   - val: `nil` for ImageNet, whose val list CoOp does not sample.
    /// - Returns: the sampled train and val lists (`val` unchanged when `nil` was passed).
    public static func coopLists(train: [DatasetItem], val: [DatasetItem]?, shots: Int, seed: Int)
        -> (train: [DatasetItem], val: [DatasetItem]?)
    {
        var random = PythonRandom(seed: seed)
        let sampledTrain = sample(train, shots: shots, random: &random)
        let sampledVal = val.map { sample($0, shots: min(shots, 4), random: &random) }
        return (sampledTrain, sampledVal)
    }
}

/// CoOp's base-to-new class split (`OxfordPets.subsample_classes`).
public enum ClassSubset: String, CaseIterable, Sendable {
    /// Every class, labels unchanged.
    case all
    /// The first `⌈n/2⌉` labels (sorted) of the train list.
    case base
    /// The remaining labels, relabelled from 0 in sorted order.
    case new

    /// Keeps the selected classes in each list and relabels them `0..<m` in sorted label order.
    ///
    /// The labels are those of the first list (CoOp passes the few-shot train list), sorted;
    /// `base` takes the first `⌈n/2⌉`, `new` the rest. Items of other labels are dropped from
    /// every list; order is preserved.
    public func apply(_ lists: [[DatasetItem]]) -> [[DatasetItem]] {
        guard self != .all, let first = lists.first else { return lists }
        let labels = Set(first.map(\.label)).sorted()
        let half = (labels.count + 1) / 2
        let selected = self == .base ? Array(labels[..<half]) : Array(labels[half...])
        var relabel: [Int: Int] = [:]
        for (new, old) in selected.enumerated() { relabel[old] = new }
        return lists.map { list in
            list.compactMap { item in
                relabel[item.label].map { DatasetItem(path: item.path, label: $0, classname: item.classname) }
            }
        }
    }
}
