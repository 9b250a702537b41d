import Dassl
import Foundation
import Testing
import TestSupport

/// yacs's merges over Dassl's defaults: `merge_from_file`, `reset_cfg`, `merge_from_list`.
@Suite struct ConfigTreeTests {
    static let prometar = fixture("dassl/ProMetaR/configs/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml")
    static let caltech = fixture("dassl/ProMetaR/configs/datasets/caltech101.yaml")

    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "dassl-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsAreDasslsAndTheTrainersExtendCfg() {
        let tree = ConfigTree.dasslDefaults()
        // dassl/config/defaults.py:179-202 and ProMetaR train.py:82-98.
        #expect(tree["OPTIM.NAME"].value == .string("adam") && tree["OPTIM.WEIGHT_DECAY"].value == .float(5e-4))
        #expect(tree["OPTIM.STEPSIZE"].value == .tuple([.int(-1)]) && tree["INPUT.SIZE"].value == .tuple([.int(224), .int(224)]))
        #expect(tree["TRAINER.PROMETAR.DIM_RATE"].value == .int(8) && tree["TRAINER.IVLP.N_CTX_TEXT"].value == .int(2))
        #expect(tree["SEED"].value == .int(-1) && tree["SEED"].origin == .defaults)
        #expect(tree.keys.count == Set(tree.keys).count && tree.keys.count > 200)
    }

    /// setup_cfg's order: dataset file, trainer file, flags, opts; each later one wins.
    @Test func laterSourcesOverrideEarlierOnes() throws {
        var tree = ConfigTree.dasslDefaults()
        try tree.merge(file: Self.caltech)
        let override = try file("DATASET:\n  NAME: \"EuroSAT\"\nOPTIM:\n  MAX_EPOCH: 3\n")
        try tree.merge(file: Self.prometar)
        #expect(tree["OPTIM.MAX_EPOCH"].value == .int(10) && tree["OPTIM.MAX_EPOCH"].origin == .file(path: Self.prometar, mark: YAMLMark(line: 19, column: 3)))
        #expect(tree["DATASET.NAME"].value == .string("Caltech101"))
        try tree.merge(file: override)
        #expect(tree["DATASET.NAME"].value == .string("EuroSAT") && tree["OPTIM.MAX_EPOCH"].value == .int(3))
        var flags = CommandLineFlags()
        flags.seed = 2
        flags.epochs = 7
        flags.apply(to: &tree)
        #expect(tree["SEED"].value == .int(2) && tree["OPTIM.MAX_EPOCH"].value == .int(7) && tree["OPTIM.MAX_EPOCH"].origin == .commandLine(option: "--epochs"))
        try tree.merge(opts: ["OPTIM.MAX_EPOCH", "5", "DATASET.SUBSAMPLE_CLASSES", "base", "OPTIM.LR", "1e-3", "INPUT.SIZE", "[32, 32]"])
        #expect(tree["OPTIM.MAX_EPOCH"].value == .int(5) && tree["OPTIM.MAX_EPOCH"].origin == .commandLine(option: nil))
        #expect(tree["DATASET.SUBSAMPLE_CLASSES"].value == .string("base") && tree["OPTIM.LR"].value == .float(1e-3))
        #expect(tree["INPUT.SIZE"].value == .tuple([.int(32), .int(32)]))  // a list for a tuple is converted, as yacs does
    }

    /// reset_cfg sets a flag's key only when the flag is truthy.
    @Test func falsyFlagsLeaveTheConfigsValue() {
        var tree = ConfigTree.dasslDefaults()
        var flags = CommandLineFlags()
        flags.seed = 0
        flags.root = ""
        flags.apply(to: &tree)
        #expect(tree["SEED"].value == .int(-1) && tree["DATASET.ROOT"].value == .string(""))
    }

    static let errors: [(yaml: String?, opts: [String], message: String)] = [
        ("OPTIM:\n  LRR: 0.1\n", [], "FILE:2:3: unknown key OPTIM.LRR (neither Dassl's defaults nor the trainers' extend_cfg have it; yacs refuses it too)"),
        ("TRAINER:\n  MAPLE2:\n    N_CTX: 2\n", [], "FILE:2:3: unknown key TRAINER.MAPLE2 (neither Dassl's defaults nor the trainers' extend_cfg have it; yacs refuses it too)"),
        ("OPTIM:\n  LR: 1\n", [], "FILE:2:3: OPTIM.LR must be of type float as its default, got int 1 (yacs refuses the mismatch too)"),
        ("OPTIM: 5\n", [], "FILE:1:1: OPTIM must be of type CfgNode as its default, got int 5 (yacs refuses the mismatch too)"),
        ("OPTIM:\n  LR: 0.1\n LR: 2\n", [], "FILE:3:2: invalid YAML: did not find expected key (while parsing a block mapping at 1:1)"),
        (nil, ["OPTIM.MAX_EPOCH", "5.0"], "command line: OPTIM.MAX_EPOCH must be of type int as its default, got float 5.0 (yacs refuses the mismatch too)"),
        (nil, ["DATASET.NUM_SHOT", "16"], "command line: unknown key DATASET.NUM_SHOT (neither Dassl's defaults nor the trainers' extend_cfg have it; yacs refuses it too)"),
        (nil, ["DATASET.NUM_SHOTS"], "command line: the trailing KEY VALUE list has an odd length (1 words: DATASET.NUM_SHOTS); yacs refuses it too"),
    ]

    @Test(arguments: errors)
    func badInputNamesWhereAndTheKey(yaml: String?, opts: [String], message: String) throws {
        var tree = ConfigTree.dasslDefaults()
        let path = try yaml.map(file)
        do {
            if let path { try tree.merge(file: path) }
            try tree.merge(opts: opts)
            Issue.record("no error for \(yaml ?? "") \(opts)")
        } catch let error as DasslError {
            #expect(error.description == message.replacingOccurrences(of: "FILE", with: path ?? ""))
        }
    }
}
