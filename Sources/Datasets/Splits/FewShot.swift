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
