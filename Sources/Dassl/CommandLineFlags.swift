/// Step 3 of `train.py`'s `setup_cfg`: the flags `reset_cfg` writes into the config, and
/// metaprompt's own flags that have a Dassl key, each as the key it sets.
///
/// `reset_cfg` sets a key only when its flag is truthy (`if args.seed:`), so an empty
/// `--root` and `--seed 0` leave the config's value, as with `train.py`.
public struct CommandLineFlags: Sendable {
    /// `--root`: DATASET.ROOT.
    public var root: String?
    /// `--output-dir` (or metaprompt's `--output`) and the flag's name: OUTPUT_DIR.
    public var outputDirectory: (value: String, option: String)?
    /// `--seed`: SEED.
    public var seed: Int?
    /// `--trainer NAME` (or `--method`, as the official name) and the flag's name: TRAINER.NAME.
    public var trainer: (value: String, option: String)?
    /// metaprompt's own flags with a key (given ones only): `--dataset` DATASET.NAME, `--shots`
    /// DATASET.NUM_SHOTS, `--subsample` DATASET.SUBSAMPLE_CLASSES, `--epochs` OPTIM.MAX_EPOCH,
    /// `--batch-size` DATALOADER.TRAIN_X.BATCH_SIZE, `--eval-batch-size`
    /// DATALOADER.TEST.BATCH_SIZE, `--no-eval` TEST.NO_TEST, `--crop-scale` INPUT.RRCROP_SCALE,
    /// `--log-every` TRAIN.PRINT_FREQ.
    public var dataset: String?
    public var shots: Int?
    public var subsample: String?
    public var epochs: Int?
    public var batchSize: Int?
    public var evaluationBatchSize: Int?
    public var noEvaluation = false
    public var cropScale: ClosedRange<Double>?
    public var logEvery: Int?

    public init() {}

    /// One key a flag sets.
    public struct Assignment: Sendable, CustomStringConvertible {
        public var key: String
        public var value: PythonValue
        public var option: String
        public var description: String { "\(option) → \(key) = \(value)" }
    }

    /// The keys in `reset_cfg`'s order, then metaprompt's flags'.
    public var assignments: [Assignment] {
        var list: [Assignment] = []
        if let root, !root.isEmpty { list.append(Assignment(key: "DATASET.ROOT", value: .string(root), option: "--root")) }
        if let (value, option) = outputDirectory, !value.isEmpty { list.append(Assignment(key: "OUTPUT_DIR", value: .string(value), option: option)) }
        if let seed, seed != 0 { list.append(Assignment(key: "SEED", value: .int(seed), option: "--seed")) }
        if let (value, option) = trainer, !value.isEmpty { list.append(Assignment(key: "TRAINER.NAME", value: .string(value), option: option)) }
        if let dataset { list.append(Assignment(key: "DATASET.NAME", value: .string(dataset), option: "--dataset")) }
        if let shots { list.append(Assignment(key: "DATASET.NUM_SHOTS", value: .int(shots), option: "--shots")) }
        if let subsample { list.append(Assignment(key: "DATASET.SUBSAMPLE_CLASSES", value: .string(subsample), option: "--subsample")) }
        if let epochs { list.append(Assignment(key: "OPTIM.MAX_EPOCH", value: .int(epochs), option: "--epochs")) }
        if let batchSize { list.append(Assignment(key: "DATALOADER.TRAIN_X.BATCH_SIZE", value: .int(batchSize), option: "--batch-size")) }
        if let evaluationBatchSize {
            list.append(Assignment(key: "DATALOADER.TEST.BATCH_SIZE", value: .int(evaluationBatchSize), option: "--eval-batch-size"))
        }
        if noEvaluation { list.append(Assignment(key: "TEST.NO_TEST", value: .bool(true), option: "--no-eval")) }
        if let cropScale {
            list.append(Assignment(key: "INPUT.RRCROP_SCALE", value: .tuple([.float(cropScale.lowerBound), .float(cropScale.upperBound)]),
                                   option: "--crop-scale"))
        }
        if let logEvery { list.append(Assignment(key: "TRAIN.PRINT_FREQ", value: .int(logEvery), option: "--log-every")) }
        return list
    }

    /// Writes the keys into `tree`.
    public func apply(to tree: inout ConfigTree) {
        for a in assignments { tree.set(a.key, a.value, origin: .commandLine(option: a.option)) }
    }
}
