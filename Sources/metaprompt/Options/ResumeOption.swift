/// `--resume`: continue a run from its newest checkpoint.
struct ResumeOption: ParsableArguments {
    @Flag(help: "continue from the newest checkpoint in the output directory's checkpoints/") var resume = false
}
