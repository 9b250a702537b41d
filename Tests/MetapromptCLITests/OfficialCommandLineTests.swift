import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt train` given the official `python train.py` arguments: ProMetaR's own
/// base2new_train.sh with its `python train.py` line replaced runs, and what cannot be
/// honoured stops with exit 64 before any work.
@Suite struct OfficialCommandLineTests {
    let binary = metapromptExecutable()
    static let configs = fixture("dassl/ProMetaR/configs")
    static let prometar = configs + "/trainers/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx.yaml"

    /// The test suite's tiny CLIP (32 px, 3 layers) is not ViT-B/16: these pairs make the
    /// official config fit it, and one epoch keeps the run to seconds.
    static let tinyOverrides = "MODEL.BACKBONE.NAME '' INPUT.SIZE '(32, 32)' TRAINER.PROMETAR.PROMPT_DEPTH_TEXT 2 TRAINER.PROMETAR.PROMPT_DEPTH_VISION 2 OPTIM.MAX_EPOCH 1"

    /// A data root whose caltech-101 is the tinyshapes fixture (its split file under CoOp's
    /// name, its images through a link), and the official configs beside the script.
    static func workspace() throws -> String {
        let dir = NSTemporaryDirectory() + "metaprompt-official-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/data/caltech-101", withIntermediateDirectories: true)
        try fm.copyItem(atPath: fixture("tinyshapes/split_zhou_TinyShapes.json"), toPath: dir + "/data/caltech-101/split_zhou_Caltech101.json")
        try fm.createSymbolicLink(atPath: dir + "/data/caltech-101/101_ObjectCategories", withDestinationPath: fixture("tinyshapes"))
        try fm.copyItem(atPath: configs, toPath: dir + "/configs")
        try fm.createDirectory(atPath: dir + "/scripts", withIntermediateDirectories: true)
        return dir
    }

    @Test func prometarsBase2NewTrainScriptRunsWithOnlyItsTrainLineReplaced() throws {
        let dir = try Self.workspace()
        // The script as it is, but for DATA (its "custom config") and the python line.
        var script = try String(contentsOfFile: fixture("dassl/ProMetaR/scripts/base2new_train.sh"), encoding: .utf8)
        let line = "    CUDA_VISIBLE_DEVICES=${GPU} python train.py \\\n"
        #expect(script.contains(line) && script.contains("DATA=\"/path/to/dataset/folder\"\n"))
        script = script.replacingOccurrences(of: line, with: "    \(binary) train --model \(fixture("tiny-clip")) \(Self.tinyOverrides) \\\n")
            .replacingOccurrences(of: "DATA=\"/path/to/dataset/folder\"\n", with: "DATA=\"\(dir)/data\"\n")
        try script.write(toFile: dir + "/scripts/base2new_train.sh", atomically: true, encoding: .utf8)

        let r = try runProcess("/bin/bash", ["-c", "cd \(dir) && bash scripts/base2new_train.sh caltech101 1 0"], environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(r.status == 0, "\(r)")
        let run = dir + "/output/base2new/train_base/caltech101/shots_16/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx/seed1"
        #expect(r.stdout.hasPrefix("Run this job and save the output to output/base2new/train_base/caltech101/shots_16/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx/seed1\n"), "\(r)")
        let config = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: run + "/config.json")))
        // The trainer config's values (its lines), the script's pairs and flags, the tiny overrides.
        let expected: JSONValue = [
            "batch_size": 4, "epochs": 1,
            "prompt_optim": ["lr": 0.0025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-05, "warmup_epochs": 1],
            "regulator_optim": ["lr": 0.00025, "momentum": 0.9, "weight_decay": 0.0005, "warmup_lr": 1e-06, "warmup_epochs": 1],
            "n_ctx_text": 4, "depth_text": 2, "ctx_init": "a photo of a", "n_ctx_vision": 4, "depth_vision": 2,
            "adapt_lr": 0.0005, "lr_ratio": 0.0005, "first_order": false, "mixup_alpha": 0.5, "mixup_beta": 0.5, "dim_rate": 8,
            "method": "prometar", "shots": 16, "seed": 1, "tasks_per_step": 1, "subsample": "base", "crop_scale": [0.08, 1.0],
        ]
        #expect(config == expected, "\(config.serialized())")
        let log = try String(contentsOfFile: run + "/log.txt", encoding: .utf8)
        #expect(log.contains("\nFinish training\nFinished training\nDeploy the last-epoch model\nEvaluate on the *test* set\n=> result\n* total: 9\n"), "\(log)")
        // The new classes go to the test_new twin, as for any train_base directory.
        let newResults = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: run.replacingOccurrences(of: "train_base", with: "test_new") + "/results.json")))
        #expect(newResults["subsample"]?.stringValue == "new")

        // The script's own guard: a second run finds the directory.
        let again = try runProcess("/bin/bash", ["-c", "cd \(dir) && bash scripts/base2new_train.sh caltech101 1 0"])
        #expect(again.status == 0 && again.stdout == "Results are available in output/base2new/train_base/caltech101/shots_16/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx/seed1.\n", "\(again)")
    }

    /// The official arguments (files, flags, pairs) followed by `extra`.
    func official(_ out: String, config: String = prometar, _ extra: [String]) -> [String] {
        ["train", "--model", fixture("tiny-clip"), "--root", "/nonexistent", "--seed", "1", "--trainer", "ProMetaR",
         "--dataset-config-file", Self.configs + "/datasets/caltech101.yaml", "--config-file", config, "--output-dir", out,
         "DATASET.NUM_SHOTS", "16", "DATASET.SUBSAMPLE_CLASSES", "base", "MODEL.BACKBONE.NAME", "", "INPUT.SIZE", "(32, 32)"] + extra
    }

    static func badYAML() throws -> String {
        let path = NSTemporaryDirectory() + "metaprompt-bad-\(UUID().uuidString).yaml"
        try "OPTIM:\n  NAME: \"sgd\"\n LR: 0.1\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Refused settings: exit 64, the message alone (no usage), no output directory made.
    @Test(arguments: [
        (["TRAINER.PROMETAR.PREC", "fp64"], "command line: TRAINER.PROMETAR.PREC 'fp64': one of fp16, fp32, amp (the official assert)"),
        (["OPTIM.LR_SCHEDULER", "single_step"], "command line: OPTIM.LR_SCHEDULER 'single_step': only 'cosine' is supported: metaprompt's schedule is Dassl's cosine"),
        (["TRAINER.PROMETAR.N_CTXX", "4"], "command line: unknown key TRAINER.PROMETAR.N_CTXX (neither Dassl's defaults nor the trainers' extend_cfg have it; yacs refuses it too)"),
        (["OPTIM.LR", "1"], "command line: OPTIM.LR must be of type float as its default, got int 1 (yacs refuses the mismatch too)"),
    ])
    func refusedSettingExits64NamingWhereBeforeAnyWork(extra: [String], message: String) throws {
        let out = NSTemporaryDirectory() + "metaprompt-official-bad-\(UUID().uuidString)"
        let r = try runProcess(binary, official(out, extra))
        #expect(r.status == 64 && r.stderr == "metaprompt train: \(message)\n", "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out), "work started before the configuration was checked")
    }

    @Test func malformedYAMLExits64WithFileLineAndColumn() throws {
        let path = try Self.badYAML()
        let r = try runProcess(binary, official(NSTemporaryDirectory() + "unused-\(UUID().uuidString)", config: path, []))
        #expect(r.status == 64 && r.stderr == "metaprompt train: \(path):3:2: invalid YAML: did not find expected key (while parsing a block mapping at 1:1)\n", "\(r)")
    }

    /// Conflicting ways of saying the same thing are usage errors.
    @Test(arguments: [
        (["--method", "prometar"], "metaprompt train: give --method or --trainer, not both"),
        (["--config", "c.json"], "metaprompt train: --config (metaprompt's JSON) does not go with --config-file, --dataset-config-file, --trainer, --output-dir, KEY VALUE pairs; official configs are --config-file"),
        (["--output", "o"], "metaprompt train: give --output or --output-dir, not both"),
    ])
    func conflictingOptionsAreUsageErrors(extra: [String], message: String) throws {
        let r = try runProcess(binary, official(NSTemporaryDirectory() + "unused-\(UUID().uuidString)", extra))
        #expect(r.status == 64 && r.stderr.hasPrefix(message + "\n\nusage: metaprompt train "), "\(r)")
    }
}
