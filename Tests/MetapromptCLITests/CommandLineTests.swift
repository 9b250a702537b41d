import Foundation
import Testing
import TestSupport

/// The binary's exit codes and exact messages: 0 success, 1 failure, 64 usage.
@Suite struct CommandLineTests {
    let binary = metapromptExecutable()

    @Test func noArgumentsPrintsUsageAndExits64() throws {
        let r = try runProcess(binary, [])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("usage: metaprompt COMMAND [OPTIONS]\n"))
    }

    @Test func helpListsCommandsAndExits0() throws {
        let r = try runProcess(binary, ["--help"])
        #expect(r.status == 0)
        for command in ["demo", "tokenize", "encode", "step", "train", "inspect", "bench"] { #expect(r.stdout.contains("\n  \(command) "), "\(r)") }
    }

    @Test(arguments: [
        (["frobnicate"], "metaprompt: unknown command 'frobnicate'"),
        (["bench"], "metaprompt bench: missing benchmark (kernels, clip, step, scaling or features)"),
        (["bench", "gpus"], "metaprompt bench: unknown benchmark 'gpus' (kernels, clip, step, scaling or features)"),
        (["demo", "--steps", "ten"], "metaprompt demo: --steps must be an integer in 1...1000000, got 'ten'"),
        (["demo", "--steps"], "metaprompt demo: --steps needs a value"),
        (["demo", "--first-order=yes"], "metaprompt demo: --first-order takes no value"),
        (["demo", "--speed", "3"], "metaprompt demo: unknown option --speed"),
    ])
    func usageErrorsExit64WithMessage(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
    }

    @Test(arguments: ["demo", "tokenize", "encode", "step", "train", "inspect", "bench"])
    func everyCommandHasHelp(_ command: String) throws {
        let r = try runProcess(binary, [command, "--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("usage: metaprompt \(command)"), "\(r)")
    }
}

/// `inspect` on good and malformed safetensors files: exact listing, or exit 1 naming the file.
@Suite struct InspectCommandTests {
    let binary = metapromptExecutable()

    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "metaprompt-inspect-\(UUID().uuidString).safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A file with the given header and `dataBytes` zero bytes of data.
    func file(header: String, dataBytes: Int) throws -> String {
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init)
        bytes += h + [UInt8](repeating: 0, count: dataBytes)
        return try temporaryFile(bytes)
    }

    @Test func listsTensorsInSortedOrder() throws {
        let path = try file(header: #"{"b":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"I64","shape":[],"data_offsets":[24,32]},"__metadata__":{"format":"pt"}}"#, dataBytes: 32)
        let r = try runProcess(binary, ["inspect", path])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "\(path): 2 tensors\n  a  I64  []\n  b  F32  [2, 3]\n  metadata format = pt\n")
    }

    @Test(arguments: [
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, 20, "truncated"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]"#, 24, "not valid JSON"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,240]}}"#, 24, "'x'"),
        (#"{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, 20, "'x'"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, "'x'"),
    ])
    func malformedFileExits1NamingFileAndTensor(_ header: String, _ dataBytes: Int, _ mention: String) throws {
        let path = try file(header: header, dataBytes: dataBytes)
        let r = try runProcess(binary, ["inspect", path])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt inspect: \(path): "), "\(r)")
        #expect(r.stderr.contains(mention), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    @Test func truncatedToFourBytesIsAnError() throws {
        let r = try runProcess(binary, ["inspect", try temporaryFile([1, 2, 3, 4])])
        #expect(r.status == 1 && r.stderr.contains("shorter than the 8-byte header length"), "\(r)")
    }

    @Test func missingFileIsAnError() throws {
        let r = try runProcess(binary, ["inspect", "/nonexistent/model.safetensors"])
        #expect(r.status == 1 && r.stderr.contains("/nonexistent/model.safetensors"), "\(r)")
    }

    /// A one-character split file name used to crash Foundation's path handling.
    @Test(arguments: ["train", "eval"])
    func aBareOneLetterSplitNameIsAnErrorNotACrash(_ command: String) throws {
        let extra = command == "train" ? ["--method", "coop", "--output", NSTemporaryDirectory() + "unused-\(UUID().uuidString)"] : []
        let r = try runProcess(binary, [command, "--model", fixture("tiny-clip"), "--split", "y"] + extra)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("metaprompt \(command): "), "\(r)")
    }
}

/// The usage text and usage errors generated from each command's option declarations.
@Suite struct DeclaredOptionsTests {
    let binary = metapromptExecutable()

    /// The option list of `metaprompt COMMAND --help`: each entry's label and its help text
    /// (continuation lines joined), in order.
    static func entries(_ help: String) -> [(label: String, text: String)] {
        var entries: [(label: String, text: String)] = []
        var inList = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "arguments:" || line == "options:" { inList = true; continue }
            guard inList, !line.isEmpty else { inList = false; continue }
            if line.hasPrefix("    ") {
                entries[entries.count - 1].text += (entries[entries.count - 1].text.isEmpty ? "" : " ") + line.trimmingCharacters(in: .whitespaces)
            } else {
                let body = line.dropFirst(2)
                let label = body.range(of: "  ").map { String(body[..<$0.lowerBound]) } ?? String(body)
                entries.append((label, body.dropFirst(label.count).trimmingCharacters(in: .whitespaces)))
            }
        }
        return entries
    }

    /// Every command's declarations: each entry's label and the default its help states (nil:
    /// none stated).
    static let declarations: [(String, [(String, String?)])] = [
        ("demo", [("--steps N", "300"), ("--tasks-per-step T", "8"), ("--seed S", "1"), ("--first-order", nil), ("--log-every N", "50")]),
        ("tokenize", [("TEXT ...", nil), ("--model DIR", nil)]),
        ("encode", [("--model DIR", nil), ("--texts FILE", nil), ("--pixels FILE", nil), ("--out FILE", nil)]),
        ("step", [("--model DIR", nil), ("--method coop|vpt|ivlp|promptsrc|prometar|gram", nil), ("--classes FILE", nil),
                  ("--state IN.safetensors", nil), ("--batch B.safetensors", nil), ("--config C.json", nil), ("--set key=value", nil),
                  ("--seed S", "1"), ("--out OUT.safetensors", nil)]),
        ("train", [("KEY VALUE ...", nil), ("--model DIR", nil), ("--root DATA", nil), ("--dataset NAME", nil), ("--split FILE", nil), ("--images DIR", nil),
                   ("--method coop|vpt|ivlp|promptsrc|prometar|gram", nil), ("--output DIR", nil), ("--shots K", "16"),
                   ("--subsample all|base|new", "base"), ("--batch-size B", nil), ("--epochs E", nil),
                   ("--init GRAM/prompts.safetensors", nil), ("--crop-scale MIN,MAX", "0.08,1"), ("--new-output DIR", nil), ("--no-eval", nil),
                   ("--eval-batch-size B", "32"), ("--seed S", "1"), ("--tasks-per-step T", "1"), ("--max-steps N", nil), ("--config C.json", nil), ("--set key=value", nil),
                   ("--checkpoint-every N", "100"), ("--log-every N", "10"), ("--keep-checkpoints N", "3"), ("--resume", nil), ("--comm-timeout SECONDS", "1800"), ("--comm-warning SECONDS", "120"), ("--pairs FILE", nil), ("--domains D", "4"),
                   ("--classes-per-domain C", "8"), ("--ways N", "4"), ("--support-shots K", "2"), ("--query-shots Q", "2"),
                   ("--features FILE", nil), ("--image-cache N", "256"),
                   ("--config-file FILE.yaml", nil), ("--dataset-config-file FILE.yaml", nil), ("--trainer NAME", nil), ("--output-dir DIR", nil)]),
        ("sweep", [("--model DIR", nil), ("--root DATA", nil), ("--setting base2new|few-shot|cross-dataset|dg", "base2new"), ("--datasets all|d1,d2,...", "all"),
                   ("--source NAME", "imagenet"), ("--methods m1,m2,...", "prometar"), ("--seeds 1,2,3", "1,2,3"), ("--shots K", "16"), ("--output DIR", "output"),
                   ("--set [method:]key=value", nil), ("--cfg NAME", nil), ("--epochs E", nil), ("--batch-size B", nil), ("--ranks-per-run K", "1"),
                   ("--pairs FILE", nil), ("--gram-steps N", "100"), ("--plan", nil),
                   ("--comm-timeout SECONDS", "1800"), ("--comm-warning SECONDS", "120")]),
        ("report", [("--runs DIR", nil), ("--order m1,m2,...", nil), ("--std sample|population", "sample"), ("--ci95", nil), ("--output DIR", nil), ("--paired A:B", nil), ("--title TEXT", "\"Base-to-new accuracy\"")]),
        ("world", [("generate|pretrain|compare", nil), ("--output DIR", nil), ("--seed S", "1"), ("--comm-timeout SECONDS", "1800"), ("--comm-warning SECONDS", "120"), ("--pairs N", "4000"),
                   ("--train-per-class N", "64"), ("--val-per-class N", "4"), ("--test-per-class N", "100"), ("--hue-rotation DEG", "30"),
                   ("--steps N", "1000"), ("--batch-size B", "128"), ("--micro-batch M", "32"), ("--lr LR", "0.001"), ("--world DIR", nil),
                   ("--model DIR", nil), ("--seeds 1,2,3", "1,2,3,4,5"), ("--epochs E", "4"), ("--gram-steps N", "100"), ("--methods m1,m2,...", nil),
                   ("--crop-scale MIN,MAX", "1,1"), ("--prompt-lr LR", "0.01"), ("--ranks-per-run K", "1")]),
        ("eval", [("RESULTS ...", nil), ("--model DIR", nil), ("--root DATA", nil), ("--dataset NAME", nil), ("--split FILE", nil),
                  ("--images DIR", nil), ("--subsample all|base|new", "all"), ("--split-name test|val", "test"),
                  ("--prompts FILE.safetensors", nil), ("--template T", "\"a photo of a {}.\""), ("--ensemble", nil),
                  ("--ensemble-mean normalized|raw", "normalized"), ("--output DIR", nil), ("--save-logits FILE", nil),
                  ("--batch-size N", "32"), ("--threads N", "OPENBLAS_NUM_THREADS, else 1"), ("--comm-timeout SECONDS", "1800"), ("--comm-warning SECONDS", "120"), ("--per-class", nil), ("--summary", nil)]),
        ("inspect", [("FILE", nil)]),
        ("bench", [("kernels|clip|step|scaling|features", nil), ("--model vit-b16|vit-b32|vit-l14", "vit-b16"), ("--batch B", "4"), ("--classes C", "10"),
                   ("--order second|first", nil), ("--threads N", "1"), ("--repeats N", nil), ("--steps N", "2"), ("--tasks-per-rank K", "1"),
                   ("--first-order", nil), ("--strong", nil), ("--method prometar|coop|ivlp", "prometar"), ("--ranks LIST", "1,2"),
                   ("--worker", nil), ("--pairs FILE", nil), ("--clip DIR", nil), ("--features-file FILE", nil), ("--project-pairs N", "3318333"),
                   ("--project-ranks R", "64")]),
    ]

    @Test(arguments: declarations)
    func helpListsEveryDeclaredOptionWithItsDefault(_ command: String, _ expected: [(String, String?)]) throws {
        let r = try runProcess(binary, [command, "--help"])
        #expect(r.status == 0, "\(r)")
        let entries = Self.entries(r.stdout)
        #expect(entries.map(\.label) == expected.map(\.0) + ["-h, --help"], "\(r.stdout)")
        for ((label, value), entry) in zip(expected, entries) {
            let stated = entry.text.hasSuffix(")") ? entry.text.range(of: " (default ", options: .backwards).map { entry.text[$0.upperBound...].dropLast() } : nil
            #expect(stated.map(String.init) == value, "\(command) \(label): '\(entry.text)'")
            #expect(!entry.text.isEmpty, "\(command) \(label) has no help")
        }
    }

    @Test func demoHelpIsExact() throws {
        let r = try runProcess(binary, ["demo", "--help"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.stdout == """
            usage: metaprompt demo [--steps N] [--tasks-per-step T] [--seed S] [--first-order] [--log-every N]

            Meta-learns an initialisation of a 1-40-40-1 tanh MLP for sine regression tasks
            (amplitude U[0.1, 5], phase U[0, π], 10 support + 10 query points on [-5, 5]) with
            one inner SGD step (α = 0.01) and Adam (lr 0.001) on the meta-gradient.
            Under mpirun the T tasks of each step are split over the ranks; per-task gradients are
            combined with training's fixed-point mean, so the result is the same for any number of
            ranks (the printed parameter checksum shows it).

            options:
              --steps N            meta-steps (default 300)
              --tasks-per-step T   tasks per meta-step, independent of the rank count (default 8)
              --seed S             the run's seed: every random draw is keyed by it (default 1)
              --first-order        first-order MAML (inner gradient detached)
              --log-every N        rank 0 prints progress every N steps (default 50)
              -h, --help           print this help

            """)
    }

    /// Synopsis lines wrap at 100 columns and continue under the first option.
    @Test func trainSynopsisWrapsUnderTheFirstOption() throws {
        let r = try runProcess(binary, ["train", "--help"])
        let synopsis = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        #expect(synopsis.first?.hasPrefix("usage: metaprompt train --model DIR [--root DATA] ") == true, "\(r)")
        #expect(synopsis.count > 1 && synopsis.allSatisfy { $0.count <= 100 }, "\(r)")
        #expect(synopsis.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: "usage: metaprompt train ".count) + "[") || $0.hasPrefix(String(repeating: " ", count: "usage: metaprompt train ".count) + "--") }, "\(r)")
        // Every declared option appears once in the synopsis, the required ones without brackets
        // (--method and --output are required unless an official config says them: validate()).
        let text = synopsis.joined(separator: " ")
        #expect(text.contains(" --model DIR "), "\(text)")
        for optional in ["[--method coop|vpt|ivlp|promptsrc|prometar|gram]", "[--output DIR]", "[--seed S]", "[--set key=value ...]", "[--no-eval]",
                         "[--query-shots Q]", "[--config-file FILE.yaml]", "[--trainer NAME]", "[KEY VALUE ...]"] {
            #expect(text.contains(optional), "\(text)")
        }
    }

    @Test(arguments: [
        // Unknown option, missing value, a flag with a value.
        (["train", "--epoch", "3"], "metaprompt train: unknown option --epoch"),
        (["eval", "--model"], "metaprompt eval: --model needs a value"),
        (["train", "--resume=yes"], "metaprompt train: --resume takes no value"),
        // Missing required options, named, in declaration order.
        (["encode", "--out", "o.safetensors", "--texts", "t.txt"], "metaprompt encode: missing --model"),
        (["train", "--model", "m", "--method", "coop"], "metaprompt train: missing --output"),
        (["step", "--model", "m", "--method", "coop", "--classes", "c", "--state", "s", "--batch", "b"], "metaprompt step: missing --out"),
        (["report"], "metaprompt report: missing --runs"),
        // Bad values: the option, the allowed range or words, and the text given.
        (["train", "--model", "m", "--method", "coop", "--output", "o", "--shots", "0"], "metaprompt train: --shots must be an integer in 1...100000, got '0'"),
        (["train", "--model", "m", "--method", "coop", "--output", "o", "--max-steps=1e3"], "metaprompt train: --max-steps must be an integer in 1...100000000, got '1e3'"),
        (["demo", "--seed", "-1"], "metaprompt demo: --seed must be an integer in 0...9223372036854775807, got '-1'"),
        (["world", "generate", "--output", "o", "--hue-rotation", "warm"], "metaprompt world: --hue-rotation must be a number, got 'warm'"),
        (["world", "compare", "--output", "o", "--seeds", "1,two"], "metaprompt world: --seeds must be comma-separated values, each an integer in 0...9223372036854775807, got '1,two'"),
        (["train", "--model", "m", "--method", "maple", "--output", "o"], "metaprompt train: --method must be coop, vpt, ivlp, promptsrc, prometar or gram, got 'maple'"),
        (["step", "--method", "zeroshot"], "metaprompt step: --method must be coop, vpt, ivlp, promptsrc, prometar or gram, got 'zeroshot'"),
        (["train", "--model", "m", "--method", "coop", "--output", "o", "--crop-scale", "0.5"], "metaprompt train: --crop-scale must be MIN,MAX with 0 < MIN ≤ MAX ≤ 1, got '0.5'"),
        (["bench", "clip", "--model", "vit-h14"], "metaprompt bench: --model must be vit-b16, vit-b32 or vit-l14, got 'vit-h14'"),
        // Positionals.
        (["world"], "metaprompt world: missing subcommand (generate, pretrain or compare)"),
        (["world", "render", "--output", "o"], "metaprompt world: unknown subcommand 'render' (generate, pretrain or compare)"),
        (["inspect"], "metaprompt inspect: missing FILE"),
        (["inspect", "a", "b"], "metaprompt inspect: unexpected argument 'b'"),
        (["report", "--runs", "r", "extra"], "metaprompt report: unexpected argument 'extra'"),
    ])
    func parseErrorsExit64NamingTheOption(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
        #expect(r.stderr.contains("\n\nusage: metaprompt \(arguments[0]) "), "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
    }

    @Test(arguments: [
        (["train", "--model", "m", "--method", "gram", "--output", "o", "--pairs", "p", "--epochs", "3"], "metaprompt train: --epochs does not go with --method gram"),
        (["train", "--model", "m", "--method", "gram", "--output", "o", "--pairs", "p", "--split", "s"], "metaprompt train: --split does not go with --method gram"),
        (["train", "--model", "m", "--method", "gram", "--output", "o"], "metaprompt train: missing --pairs"),
        (["train", "--model", "m", "--method", "ivlp", "--output", "o", "--split", "s", "--ways", "3"], "metaprompt train: --ways goes with --method gram"),
        (["train", "--model", "m", "--method", "ivlp", "--output", "o", "--split", "s", "--no-eval", "--new-output", "n"], "metaprompt train: --new-output does not go with --no-eval"),
        (["train", "--model", "m", "--method", "ivlp", "--output", "o", "--split", "s", "--subsample", "all", "--new-output", "n"], "metaprompt train: --new-output goes with --subsample base"),
        (["train", "--model", "m", "--method", "ivlp", "--output", "o", "--split", "s", "--no-eval", "--eval-batch-size", "8"], "metaprompt train: --eval-batch-size does not go with --no-eval"),
        (["world", "pretrain", "--output", "o", "--batch-size", "96", "--micro-batch", "64"], "metaprompt world: --batch-size 96 must be a multiple of --micro-batch 64"),
        (["world", "compare", "--output", "o", "--world", "w", "--model", "m", "--prompt-lr", "0"], "metaprompt world: --prompt-lr must be positive"),
        (["world", "compare", "--output", "o", "--model", "m"], "metaprompt world: missing --world"),
        (["bench", "step", "--batch", "1"], "metaprompt bench: --batch must be at least 2 for step (a query class and a support class), got 1"),
        (["eval", "--summary", "a", "b", "--ensemble"], "metaprompt eval: --ensemble does not go with --summary"),
        (["tokenize", "--model", "m"], "metaprompt tokenize: no TEXT given"),
        (["encode", "--model", "m", "--out", "o"], "metaprompt encode: give --texts, --pixels or both"),
    ])
    func validateErrorsExit64BeforeAnyWork(_ arguments: [String], _ firstLine: String) throws {
        let r = try runProcess(binary, arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) == firstLine, "\(r)")
        #expect(r.stderr.contains("\n\nusage: metaprompt \(arguments[0]) "), "\(r)")
    }

    /// `--help` anywhere prints the usage, even after a value that would not parse.
    @Test func helpWinsOverABadValue() throws {
        let r = try runProcess(binary, ["demo", "--steps", "ten", "--help"])
        #expect(r.status == 0 && r.stdout.hasPrefix("usage: metaprompt demo "), "\(r)")
    }

    /// A group declared once parses the same in every command that includes it: the same
    /// words give the same message.
    @Test(arguments: [
        (["--seed", "x"], "--seed must be an integer in 0...9223372036854775807, got 'x'", ["demo", "train", "step", "world"]),
        (["--threads", "0"], "--threads must be an integer in 1...1024, got '0'", ["eval", "bench"]),
        (["--checkpoint-every", "0"], "--checkpoint-every must be an integer in 1...100000000, got '0'", ["train"]),
        (["--split", "s.json", "--images", "i", "--dataset", "pets"], "give exactly one of --dataset NAME or --split FILE", ["train", "eval"]),
        (["--dataset", "pets", "--images", "i", "--root", "r"], "--images goes with --split", ["train", "eval"]),
        (["--dataset", "pets"], "missing --root", ["train", "eval"]),
    ])
    func aSharedGroupParsesTheSameInEveryCommand(_ words: [String], _ message: String, _ commands: [String]) throws {
        // Each command's required options, so that the group's words decide the outcome.
        let required = ["train": ["--model", "m", "--method", "coop", "--output", "o"], "eval": ["--model", "m"],
                        "step": ["--model", "m", "--method", "coop", "--classes", "c", "--state", "s", "--batch", "b", "--out", "o"],
                        "world": ["generate", "--output", "o"], "bench": ["kernels"], "demo": []]
        for command in commands {
            let r = try runProcess(binary, [command] + required[command]! + words)
            #expect(r.status == 64, "\(command): \(r)")
            #expect(r.stderr.hasPrefix("metaprompt \(command): \(message)\n"), "\(command): \(r)")
        }
    }

    /// `--config` and `--set` (one group) reach the same configuration loader from `train` and
    /// `step`: the same override fails with the same message, before any file is read.
    @Test(arguments: [["--set", "bogus=1"], ["--config", "/nonexistent/c.json"], ["--set", "prompt_optim.lr=-1"]])
    func configurationOptionsFailTheSameInTrainAndStep(_ words: [String]) throws {
        let train = try runProcess(binary, ["train", "--model", fixture("tiny-clip"), "--split", fixture("tinyshapes/split_zhou_TinyShapes.json"),
                                            "--method", "prometar", "--output", NSTemporaryDirectory() + "unused-\(UUID().uuidString)"] + words)
        let step = try runProcess(binary, ["step", "--model", fixture("tiny-clip"), "--method", "prometar", "--classes", "/nonexistent/classes.txt",
                                           "--state", "/nonexistent/s", "--batch", "/nonexistent/b", "--out", "/nonexistent/o"] + words)
        // A setting the method cannot take is 64; a config file that cannot be read, 1.
        let status: Int32 = words[0] == "--set" ? 64 : 1
        #expect(train.status == status && step.status == status, "\(train)\n\(step)")
        #expect(train.stderr.hasPrefix("metaprompt train: ") && step.stderr.hasPrefix("metaprompt step: "), "\(train)\n\(step)")
        #expect(train.stderr.dropFirst("metaprompt train: ".count) == step.stderr.dropFirst("metaprompt step: ".count), "\(train)\n\(step)")
    }
}
