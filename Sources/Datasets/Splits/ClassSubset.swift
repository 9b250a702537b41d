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
