/// `--checkpoint-every N` and `--log-every N`: how often a training run writes a checkpoint
/// and reports progress (each also after the last step).
struct CadenceOptions: ParsableArguments {
    @Option(help: "write checkpoints/step-<n>.safetensors every N steps", in: 1...100_000_000) var checkpointEvery: Int = 100
    @Option(help: "rank 0 prints progress and appends to metrics.jsonl every N steps", in: 1...100_000_000) var logEvery: Int = 10
    @Option(help: "keep the newest N checkpoints, deleting older ones as new ones are written", in: 1...100_000_000) var keepCheckpoints: Int = 3
}
