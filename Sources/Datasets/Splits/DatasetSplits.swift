/// The train/val/test lists of a dataset, before or after few-shot sampling.
public struct DatasetSplits: Sendable, Equatable {
    public var train: [DatasetItem]
    public var val: [DatasetItem]
    public var test: [DatasetItem]

    public init(train: [DatasetItem], val: [DatasetItem], test: [DatasetItem]) {
        self.train = train
        self.val = val
        self.test = test
    }
}
