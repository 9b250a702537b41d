import Foundation
import Testing
import TestSupport

/// `metaprompt sweep` as users run it: the plan, refusals before any work, and a base-to-new
/// sweep over two data sets in CoOp's layout under real `mpirun`.
@Suite struct SweepCommandTests {
    let binary = metapromptExecutable()

    static func temporary(_ what: String) -> String { NSTemporaryDirectory() + "metaprompt-sweep-\(what)-\(UUID().uuidString)" }

    func sweep(_ data: String, _ output: String, _ extra: [String]) throws -> ProcessResult {
        try runProcess(binary, ["sweep", "--model", fixture("tiny-clip"), "--root", data, "--output", output, "--datasets", "caltech101,oxford_pets"] + extra)
    }

    @Test func thePlanListsEveryRunWithItsDirectoryAndEstimateAndWritesNothing() throws {
        let data = try StandardLayout.make(at: Self.temporary("data")), output = Self.temporary("out")
        defer { for d in [data, output] { try? FileManager.default.removeItem(atPath: d) } }
        let r = try sweep(data, output, ["--methods", "zeroshot,prometar", "--seeds", "1,2", "--plan"])
        #expect(r.status == 0, "\(r)")
        let runs = r.stdout.split(separator: "\n").filter { $0.contains(" seed ") && $0.contains(" → ") }
        #expect(runs.count == 8, "\(r.stdout)")
        #expect(r.stdout.contains("caltech101 ProMetaR seed 2 → \(output)/base2new/train_base/caltech101/shots_16/ProMetaR/vit_b16_c2_ep10_batch4_4+4ctx/seed2"),
                "\(r.stdout)")
        #expect(r.stdout.contains("oxford_pets ZeroshotCLIP seed 1 → \(output)/base2new/train_base/oxford_pets/shots_16/ZeroshotCLIP/vit_b16/seed1"))
        #expect(r.stdout.contains("total ") && r.stdout.contains(" of single-core time; per group 0: "))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test(arguments: [
        (["--set", "epochs=2"], 64, "--set, --epochs or --batch-size change prometar's published settings (vit_b16_c2_ep10_batch4_4+4ctx): name the runs' <cfg> folder with --cfg"),
        (["--set", "coop:epochs=2"], 64, "--set 'coop:epochs=2': 'coop' is not one of --methods"),
        (["--set", "lr_ratio=-1", "--cfg", "x"], 64, "prometar: --set: 'lr_ratio' must be a non-negative number"),
        (["--datasets", "caltech101,mnist"], 64, "mnist"),
        (["--methods", "gram_coop"], 64, "gram_coop meta-trains on image-caption pairs: give --pairs FILE"),
        (["--pairs", "p.tsv"], 64, "--pairs and --gram-steps go with a gram_* method"),
        (["--datasets", "caltech101,dtd"], 1, "dtd/split_zhou_DescribableTextures.json: split file not found"),
        (["--setting", "few-shot", "--datasets", "imagenet_a"], 64, "ImageNetA is a test-only dataset"),
        (["--setting", "dg", "--source", "imagenet_r"], 64, "ImageNetR is a test-only dataset"),
        // dg's "all" targets start with ImageNet-V2, which this layout lacks.
        (["--setting", "dg", "--source", "caltech101", "--datasets", "all"], 1, "imagenetv2/classnames.txt: No such file or directory"),
    ])
    func badInputIsRefusedNamingItBeforeAnyRun(arguments: [String], status: Int32, message: String) throws {
        let data = try StandardLayout.make(at: Self.temporary("data")), output = Self.temporary("out")
        defer { for d in [data, output] { try? FileManager.default.removeItem(atPath: d) } }
        var args = ["sweep", "--model", fixture("tiny-clip"), "--root", data, "--output", output]
        if !arguments.contains("--datasets") { args += ["--datasets", "caltech101"] }
        let r = try runProcess(binary, args + arguments)
        #expect(r.status == status && r.stderr.contains(message), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: output + "/base2new"))
    }

    @Test func aDomainGeneralisationPlanTrainsOnImageNetAndEvaluatesTheVariants() throws {
        let data = try StandardLayout.make(at: Self.temporary("data"), imageNet: true), output = Self.temporary("out")
        defer { for d in [data, output] { try? FileManager.default.removeItem(atPath: d) } }
        _ = try EvalImageNetVariantTests.writeImageNetA(under: data)
        _ = try EvalImageNetVariantTests.writeImageNetA(under: data, directory: "imagenet-rendition", images: "imagenet-r")
        let r = try runProcess(binary, ["sweep", "--model", fixture("tiny-clip"), "--root", data, "--output", output, "--setting", "dg",
                                        "--datasets", "imagenet_a,imagenet_r", "--methods", "coop", "--seeds", "1", "--plan"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("sweep: dg, 1 runs over 1 group(s) of 1 rank(s), under \(output)\n"), "\(r.stdout)")
        #expect(r.stdout.contains("imagenet CoOp seed 1 → \(output)/imagenet/CoOp/vit_b16_16shots/seed1 + 2 target evaluation(s) under \(output)/evaluation/"),
                "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func twoRanksRunABaseToNewSweepAndWriteTheTable() throws {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        let data = try StandardLayout.make(at: Self.temporary("data")), output = Self.temporary("out")
        defer { for d in [data, output] { try? FileManager.default.removeItem(atPath: d) } }
        var args = ["--oversubscribe", "-np", "2"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        let command = [binary, "sweep", "--model", fixture("tiny-clip"), "--root", data, "--output", output, "--datasets", "caltech101,oxford_pets",
                       "--methods", "zeroshot,coop", "--seeds", "1", "--shots", "2", "--epochs", "1", "--batch-size", "2", "--cfg", "tiny",
                       "--set", "coop:n_ctx_text=4"]
        let r = try runProcess(launcher, args + command, timeout: 300)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.split(separator: "\n").filter { $0.contains(" done: base ") }.count == 4, "\(r.stdout)")
        #expect(r.stdout.contains("average (2)     CoOp"), "\(r.stdout)")
        for file in ["table.txt", "results.json", "results.csv", "chart.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(output)/sweep/base2new/\(file)"), "\(file)")
        }
        for d in ["caltech101", "oxford_pets"] {
            #expect(FileManager.default.fileExists(atPath: "\(output)/base2new/train_base/\(d)/shots_2/CoOp/tiny/seed1/prompts.safetensors"))
            #expect(FileManager.default.fileExists(atPath: "\(output)/base2new/test_new/\(d)/shots_2/ZeroshotCLIP/vit_b16/seed1/log.txt"))
        }
        // Resubmitted: every run is kept.
        let again = try runProcess(launcher, args + command, timeout: 300)
        #expect(again.status == 0 && again.stdout.split(separator: "\n").filter { $0.contains(" kept ") }.count == 4, "\(again)")
    }

    /// SIGUSR1 to mpirun during a sweep's training run: the run stops after its step with a
    /// checkpoint and the sweep exits 75; the same sweep again resumes that run from the
    /// checkpoint and ends with the prompts of a sweep that never stopped.
    @Test func aPreemptedSweepResumesItsRunAndEndsByteIdentical() throws {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        let data = try StandardLayout.make(at: Self.temporary("data")), output = Self.temporary("out"), reference = Self.temporary("ref")
        defer { for d in [data, output, reference] { try? FileManager.default.removeItem(atPath: d) } }
        let mpi = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "2"]
        func command(_ out: String) -> [String] {
            [binary, "sweep", "--model", fixture("tiny-clip"), "--root", data, "--output", out, "--datasets", "caltech101", "--methods", "prometar",
             "--seeds", "1", "--shots", "4", "--batch-size", "4", "--epochs", "30", "--cfg", "tiny", "--ranks-per-run", "2",
             "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2", "--set", "depth_vision=2"]
        }
        let run = "\(output)/base2new/train_base/caltech101/shots_4/ProMetaR/tiny/seed1"
        let job = try SignalledProcess(launcher, mpi + command(output))
        let deadline = Date().addingTimeInterval(240)
        while job.isRunning && Date() < deadline && !((try? String(contentsOfFile: run + "/log.txt", encoding: .utf8))?.contains("\nstep 10/") ?? false) {
            usleep(20_000)
        }
        try #require(job.isRunning, "the sweep ended before it could be preempted: \(job.stderr)")
        kill(job.pid, SIGUSR1)
        let status = job.wait()
        #expect(status == 75, "\(job.stderr)")
        #expect(job.stderr.contains("preempted by SIGUSR1 after step "), "\(job.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run + "/results.json"))

        let resumed = try runProcess(launcher, mpi + command(output), timeout: 300)
        #expect(resumed.status == 0 && resumed.stdout.contains("ProMetaR seed 1 done: base "), "\(resumed)")
        #expect(try String(contentsOfFile: run + "/log.txt", encoding: .utf8).contains("resumed from \(run)/checkpoints/step-"))
        let uninterrupted = try runProcess(launcher, mpi + command(reference), timeout: 300)
        #expect(uninterrupted.status == 0, "\(uninterrupted)")
        let a = FileManager.default.contents(atPath: run + "/prompts.safetensors")
        let b = FileManager.default.contents(atPath: "\(reference)/base2new/train_base/caltech101/shots_4/ProMetaR/tiny/seed1/prompts.safetensors")
        #expect(a != nil && a == b, "the resumed sweep's prompts differ from the uninterrupted sweep's")
    }
}
