import Datasets

/// Where a dataset comes from: `--dataset NAME` under `--root DATA`, or `--split FILE` with
/// its images under `--images DIR`.
struct DatasetSourceOptions: ParsableArguments {
    @Option(valueName: "DATA", help: "the directory holding CoOp's datasets (with --dataset)") var root: String?
    @Option(valueName: "NAME", help: "one of CoOp's datasets under --root (e.g. caltech101, oxford_pets; test-only: imagenetv2, imagenet_sketch, imagenet_a, imagenet_r)") var dataset: String?
    @Option(valueName: "FILE", help: "instead of --dataset, a split_zhou-format JSON (--root is not used)") var split: String?
    @Option(valueName: "DIR", help: "the images of --split, which names them relative to it (default: the split file's directory)")
    var images: String?

    /// The source the options name; throws ``UsageError`` unless exactly one of --dataset and
    /// --split is given, --dataset with --root and a known name, --images with --split.
    func source() throws -> DatasetSource {
        let source: DatasetSource
        switch (dataset, split) {
        case let (name?, nil):
            guard let dataset = StandardDataset(name: name) else { throw UsageError(DatasetError.unknownDataset(name: name).description) }
            guard let root else { throw UsageError("missing --root") }
            source = .standard(dataset, root: root)
        case let (nil, split?):
            source = .custom(splitFile: split, imageRoot: images ?? parentDirectory(of: split))
        default:
            throw UsageError("give exactly one of --dataset NAME or --split FILE")
        }
        if images != nil && split == nil { throw UsageError("--images goes with --split") }
        return source
    }
}
