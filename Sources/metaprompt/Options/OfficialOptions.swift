import Dassl

/// The official `python train.py` arguments: `--config-file`, `--dataset-config-file`,
/// `--trainer`, `--output-dir` and the trailing `KEY VALUE` pairs (yacs `opts`); `--root` and
/// `--seed` are metaprompt's own. Any of the first three or a pair makes the run an official
/// one, configured as `setup_cfg` does (``OfficialRun``).
struct OfficialOptions: ParsableArguments {
    @Option(valueName: "FILE.yaml", help: "an official trainer config (e.g. ProMetaR's configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml), merged after --dataset-config-file; see README, \"The official command line\"")
    var configFile: String?
    @Option(valueName: "FILE.yaml", help: "an official dataset config (configs/datasets/NAME.yaml), merged first")
    var datasetConfigFile: String?
    @Option(valueName: "NAME", help: "the official trainer: CoOp, VPT, IVLP, PromptSRC or ProMetaR (instead of --method)")
    var trainer: String?
    @Option(valueName: "DIR", help: "the run's directory, as train.py's (instead of --output)")
    var outputDir: String?
    @Argument(valueName: "KEY VALUE", help: "yacs overrides merged last, as train.py's opts: e.g. DATASET.NUM_SHOTS 16 DATASET.SUBSAMPLE_CLASSES base OPTIM.MAX_EPOCH 5")
    var opts: [String]

    /// Whether the run is configured the official way.
    var isOfficial: Bool { configFile != nil || datasetConfigFile != nil || trainer != nil || !opts.isEmpty }

    /// The official inputs given, as spelled, for messages.
    var given: [String] { givenOptions() + (opts.isEmpty ? [] : ["KEY VALUE pairs"]) }

    /// `setup_cfg` with these files and pairs and `flags`, translated; a ``DasslError`` is a
    /// ``SettingError`` (exit 64).
    func resolve(flags: CommandLineFlags, model: ModelFacts) throws -> OfficialRun {
        do {
            return try OfficialRun.resolve(datasetConfigFile: datasetConfigFile, configFile: configFile, flags: flags, opts: opts, model: model)
        } catch let error as DasslError {
            throw SettingError(description: error.description)
        }
    }
}
