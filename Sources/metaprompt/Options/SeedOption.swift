/// `--seed S`: the run's seed.
struct SeedOption: ParsableArguments {
    @Option(valueName: "S", help: "the run's seed: every random draw is keyed by it") var seed: Int = 1
}
