import AutoDiff
import Datasets
import Distributed
import Foundation
import Training
import World

/// `metaprompt world`: the built-in synthetic world (issue 7): generate it, pretrain a tiny
/// CLIP on it. The base-to-new comparison runs through `train`, `eval` and `report`
/// (deploy/run.sh strings them together).
enum WorldCommand: Command {
    static let name = "world"
    static let summary = "generate the built-in synthetic world; pretrain a tiny CLIP on it"
    static let usage = """
        usage: metaprompt world generate --output DIR [--seed S] [--pairs N]
               metaprompt world pretrain --output DIR [--seed S] [--steps N] [--batch-size B]

        generate  writes DIR/world (downstream dataset in the Dassl layout: 48 colour × shape
                  classes, base = red/yellow/green/blue, new = orange/cyan/purple/pink, 16 train,
                  4 val, 20 test images per class, split_zhou_World.json) and DIR/pretrain
                  (N image-caption pairs, pairs.tsv; default 4000) from the seed (default 1).
        pretrain  trains a tiny CLIP from scratch (both towers 128 wide, 4 layers, patch 8,
                  projection 64) contrastively on freshly drawn pretraining-domain pairs
                  (symmetric InfoNCE, AdamW, warm-up + cosine; batch B = 128 in micro-batches
                  of 32 combined rank-count-independently) and writes a Hugging Face CLIP
                  directory to DIR. Runs under mpirun like train.
        """

    static func run(_ words: [String]) throws {
        let args = try Arguments(words, options: ["output", "seed", "pairs", "steps", "batch-size"])
        if args.wantsHelp { print(usage); return }
        let seed = UInt64(try args.int("seed", default: 1))
        switch args.positional {
        case ["generate"]:
            var configuration = WorldConfiguration()
            configuration.pretrainingPairs = try args.int("pairs", default: configuration.pretrainingPairs, in: 1...10_000_000)
            let summary = try WorldWriter.write(to: try args.required("output"), configuration: configuration, seed: seed)
            print("world \(seed): \(summary.downstreamImages) downstream images (\(summary.splitFile)), \(summary.pretrainingImages) pretraining pairs (\(summary.pairsFile))")
        case ["pretrain"]:
            var options = PretrainingOptions(outputDirectory: try args.required("output"), words: World.vocabulary, seed: seed,
                                             steps: try args.int("steps", default: 1000, in: 1...10_000_000))
            options.batchSize = try args.int("batch-size", default: 128, in: 32...100_000)
            options.logDirectory = options.outputDirectory
            let configuration = WorldConfiguration()
            try TrainCommand.launch { communicator in
                try PretrainingTrainer(options: options, communicator: communicator) { index in
                    let s = World.pretrainingSample(index: index, seed: seed, configuration: configuration)
                    return (s.image, s.caption)
                }.run()
            }
        case []:
            throw UsageError("missing subcommand (generate or pretrain)")
        default:
            throw UsageError("unknown subcommand '\(args.positional.joined(separator: " "))'")
        }
    }
}
