import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt train` under real `mpirun`: the same run on 1–4 ranks gives byte-identical
/// checkpoints, prompts and final evaluation; a resumed run ends byte-identical to an
/// uninterrupted one; a killed rank ends the job with an error and leaves no partial file.
@Suite(.serialized) struct TrainUnderMPITests {
    let binary = metapromptExecutable()

    /// A private copy of the tinyshapes dataset (few-shot caches are written beside it).
    static let data: String = {
        let dir = NSTemporaryDirectory() + "metaprompt-tinyshapes-\(UUID().uuidString)"
        try! FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: dir)
        return dir
    }()

    func job(_ output: String, steps: Int, extra: [String] = []) -> [String] {
        [binary, "train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json",
         "--method", "prometar", "--output", output, "--shots", "4", "--batch-size", "4", "--tasks-per-step", "4",
         "--max-steps", "\(steps)", "--checkpoint-every", "1", "--log-every", "1",
         "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2", "--set", "depth_vision=2"] + extra
    }

    func mpirun(_ ranks: Int, _ command: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "\(ranks)"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        return try runProcess(launcher, args + command, environment: environment, timeout: 300)
    }

    static func output() -> String { NSTemporaryDirectory() + "metaprompt-train-\(UUID().uuidString)" }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The engine's threads change no byte: one process on 1 and 3 threads and 2 ranks of 2
    /// threads each write the same checkpoints and prompts, with every kernel split over the
    /// threads (METAPROMPT_PARALLEL_MINIMUM_WORK=0; the tiny model's ops are below the default).
    @Test func threadCountsWriteByteIdenticalRuns() throws {
        var reference: [String: Data] = [:]
        for (ranks, threads) in [(1, 1), (1, 3), (2, 2)] {
            let out = Self.output()
            let environment = ["OPENBLAS_NUM_THREADS": "\(threads)", "METAPROMPT_PARALLEL_MINIMUM_WORK": "0"]
            let command = job(out, steps: 2, extra: ["--no-eval"])
            let r = ranks == 1 ? try runProcess(command[0], Array(command.dropFirst()), environment: environment)
                               : try mpirun(ranks, command, environment: environment)
            #expect(r.status == 0, "\(ranks) rank(s) × \(threads) threads: \(r)")
            for file in ["prompts.safetensors", "checkpoints/step-1.safetensors", "checkpoints/step-2.safetensors"] {
                let data = try #require(Self.bytes(out + "/" + file), "\(ranks) rank(s) × \(threads) threads: no \(file)")
                if let ref = reference[file] {
                    #expect(data == ref, "\(ranks) rank(s) × \(threads) threads: \(file) differs from one thread")
                } else { reference[file] = data }
            }
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    /// The final evaluation's 9 base and 9 new test images in batches of 2 (5 batches: blocks
    /// 3+2, 2+2+1 and 2+2+1+0 over 2–4 ranks) give the same lines and results files.
    @Test func oneToFourRanksWriteByteIdenticalCheckpointsAndEvaluation() throws {
        var reference: [String: Data] = [:]
        var evaluation: [String: String] = [:]
        for ranks in 1...4 {
            let out = Self.output()
            let r = try mpirun(ranks, job(out, steps: 2, extra: ["--new-output", out + "-new", "--eval-batch-size", "2"]))
            #expect(r.status == 0, "-np \(ranks): \(r)")
            // Rank 0 alone reports progress.
            #expect(r.stdout.components(separatedBy: "\nstep ").count - 1 == 2, "\(r)")
            // The final evaluation: log.txt ends as Dassl's after_train, with the base block
            // only; the new classes go to the test_new directory as `eval` writes them.
            let log = try String(contentsOfFile: out + "/log.txt", encoding: .utf8)
            #expect(log.contains("\nFinish training\nFinished training\nDeploy the last-epoch model\nEvaluate on the *test* set\n=> result\n* total: 9\n"), "\(log)")
            #expect(log.components(separatedBy: "* accuracy: ").count == 2 && log.split(separator: "\n").last!.hasPrefix("Elapsed: 0:00:"), "\(log)")
            let newLog = try String(contentsOfFile: out + "-new/log.txt", encoding: .utf8)
            #expect(newLog.hasPrefix("Evaluate on the *test* set\n=> result\n* total: 9\n"), "\(newLog)")
            let results = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
            #expect(results["base"]?["total"]?.intValue == 9 && results["new"]?["total"]?.intValue == 9 && results["harmonic_mean"]?.doubleValue != nil)
            let newResults = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: out + "-new/results.json")))
            #expect(newResults["subsample"]?.stringValue == "new" && newResults["accuracy"]?.doubleValue == results["new"]?["accuracy"]?.doubleValue)
            // The resolved configuration names what was not given too (Dassl's default crop).
            let config = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: out + "/config.json")))
            #expect(config["crop_scale"]?.arrayValue?.compactMap(\.doubleValue) == [0.08, 1.0] && config["seed"]?.intValue == 1, "\(config)")
            for file in ["prompts.safetensors", "checkpoints/step-1.safetensors", "checkpoints/step-2.safetensors"] {
                let data = try #require(Self.bytes(out + "/" + file), "-np \(ranks): no \(file)")
                if let ref = reference[file] { #expect(data == ref, "-np \(ranks): \(file) differs from -np 1") } else { reference[file] = data }
            }
            // The evaluation block of log.txt, both logs of the new classes and both results files,
            // with this run's directory (recorded in them) in the same words.
            let block = log.components(separatedBy: "Deploy the last-epoch model\n").last!.components(separatedBy: "Elapsed: ").first!
            let texts = ["log.txt block": block, "new log.txt": newLog,
                         "results.json": try String(contentsOfFile: out + "/results.json", encoding: .utf8),
                         "new results.json": try String(contentsOfFile: out + "-new/results.json", encoding: .utf8)]
            for (name, text) in texts {
                let text = text.replacingOccurrences(of: out, with: "OUT")
                if let ref = evaluation[name] { #expect(text == ref, "-np \(ranks): \(name) differs from -np 1") } else { evaluation[name] = text }
            }
        }
    }

    /// One task per step, the official algorithm: the ranks split each step's images and class
    /// prompts (4 images, 3 classes; at -np 3 blocks of 2+1+1 images and 1+1+1 classes), and
    /// every method writes the prompts and checkpoints of one process, byte for byte.
    @Test(arguments: [("coop", []), ("vpt", []), ("ivlp", []), ("promptsrc", []), ("prometar", []),
                      ("prometar", ["--set", "first_order=true"])])
    func oneRunsStepSplitOverRanksWritesTheBytesOfOneProcess(_ method: String, _ settings: [String]) throws {
        var reference: [String: Data] = [:]
        for ranks in 1...3 {
            let out = Self.output()
            var command = [binary, "train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json",
                           "--method", method, "--output", out, "--shots", "4", "--batch-size", "4", "--max-steps", "2",
                           "--checkpoint-every", "1", "--log-every", "1", "--no-eval"] + settings
            if method != "coop" { command += ["--set", "n_ctx_vision=2", "--set", "depth_vision=2"] }
            if method != "coop" && method != "vpt" { command += ["--set", "n_ctx_text=2", "--set", "depth_text=2"] }
            let r = try mpirun(ranks, command)
            #expect(r.status == 0, "\(method) -np \(ranks): \(r)")
            for file in ["prompts.safetensors", "checkpoints/step-1.safetensors", "checkpoints/step-2.safetensors"] {
                let data = try #require(Self.bytes(out + "/" + file), "\(method) -np \(ranks): no \(file)")
                if let ref = reference[file] { #expect(data == ref, "\(method) -np \(ranks): \(file) differs from -np 1") } else { reference[file] = data }
            }
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    @Test func resumedRunEndsIdenticalToAnUninterruptedOne() throws {
        let whole = Self.output(), split = Self.output()
        #expect(try mpirun(2, job(whole, steps: 3)).status == 0)
        #expect(try mpirun(2, job(split, steps: 1)).status == 0)
        let resumed = try mpirun(2, job(split, steps: 3, extra: ["--resume"]))
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.contains("resumed from \(split)/checkpoints/step-1.safetensors at step 1"), "\(resumed)")
        #expect(Self.bytes(whole + "/prompts.safetensors") == Self.bytes(split + "/prompts.safetensors"))
        #expect(Self.bytes(whole + "/checkpoints/step-3.safetensors") == Self.bytes(split + "/checkpoints/step-3.safetensors"))
    }

    /// PromptSRC at the fixture's size: 3 steps per epoch, 2 epochs, GPA μ 1.5 σ 1 (both
    /// epochs weigh in).
    func promptSRC(_ output: String, extra: [String] = []) -> [String] {
        [binary, "train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json", "--method", "promptsrc",
         "--output", output, "--shots", "4", "--epochs", "2", "--checkpoint-every", "1", "--keep-checkpoints", "100", "--no-eval",
         "--set", "depth_text=2", "--set", "depth_vision=2", "--set", "gpa_mean=1.5"] + extra
    }

    @Test func promptSRCIsRankCountIndependentAndResumesWithItsAggregate() throws {
        let one = Self.output(), two = Self.output(), split = Self.output()
        let r1 = try mpirun(1, promptSRC(one)), r2 = try mpirun(2, promptSRC(two))
        #expect(r1.status == 0 && r2.status == 0, "\(r1)\n\(r2)")
        #expect(r1.stdout.contains("prompts: the Gaussian aggregate of the 2 epochs' prompts"), "\(r1)")
        for file in ["prompts.safetensors", "checkpoints/step-3.safetensors", "checkpoints/step-6.safetensors"] {
            let a = try #require(Self.bytes(one + "/" + file), "no \(file)")
            #expect(a == Self.bytes(two + "/" + file), "\(file): -np 2 differs from -np 1")
        }
        // Stopped mid-epoch 2 (the checkpoint holds epoch 1's aggregate), then resumed.
        let stopped = try mpirun(2, promptSRC(split, extra: ["--max-steps", "4"]))
        #expect(stopped.status == 0 && stopped.stdout.contains("prompts: the current ones (stopped in epoch 2 of 2"), "\(stopped)")
        let checkpoint = try SafeTensorsFile(path: split + "/checkpoints/step-4.safetensors")
        #expect(checkpoint.names.contains("gpa.text.ctx"), "\(checkpoint.names)")
        // --max-steps before the last epoch ends: prompts.safetensors holds the current prompts.
        let early = try SafeTensorsFile(path: split + "/prompts.safetensors")
        for name in early.names { #expect(try early.floats(name) == checkpoint.floats(name), "\(name)") }
        let resumed = try mpirun(2, promptSRC(split, extra: ["--resume"]))
        #expect(resumed.status == 0 && resumed.stdout.contains("resumed from \(split)/checkpoints/step-4.safetensors at step 4"), "\(resumed)")
        #expect(Self.bytes(split + "/prompts.safetensors") == Self.bytes(one + "/prompts.safetensors"))
        #expect(Self.bytes(split + "/checkpoints/step-6.safetensors") == Self.bytes(one + "/checkpoints/step-6.safetensors"))
    }

    /// Starts `job` under `mpirun -np 2` in the background and waits (up to 240 s) for its
    /// checkpoint of step `checkpoint`: the job, its standard error, and the ranks' pids.
    /// Starts `job` on `count` ranks in the background and returns once checkpoint
    /// `checkpoint` exists: mpirun, its standard error, and the ranks' processes by job rank.
    func startRanks(_ count: Int, _ out: String, steps: Int, extra: [String] = [], untilCheckpoint checkpoint: Int) throws -> (Process, Pipe, [pid_t]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(findOnPath("mpirun")))
        process.arguments = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "\(count)"] + job(out, steps: steps, extra: extra)
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(240)
        while !FileManager.default.fileExists(atPath: out + "/checkpoints/step-\(checkpoint).safetensors") && Date() < deadline && process.isRunning {
            usleep(100_000)
        }
        let ranks = try Self.rankProcesses(containing: out)
        #expect(ranks.count == count, "rank processes: \(ranks)")
        return (process, errors, ranks)
    }

    /// A rank that stops answering (SIGSTOP: as a hung process, a lost host or a cut link look
    /// to its peers) does not hang the job: the other ranks' collective waits, warns after
    /// --comm-warning, and ends the whole job after --comm-timeout, naming the operation, the
    /// step, and the rank that has not arrived (only that one: the third rank answers the roll
    /// call); the checkpoints written before are whole.
    @Test func aStoppedRankEndsTheJobAfterTheCommunicationTimeout() throws {
        let out = Self.output()
        let (process, errors, ranks) = try startRanks(3, out, steps: 400, extra: ["--comm-timeout", "6", "--comm-warning", "2"],
                                                      untilCheckpoint: 2)
        let stopped = Date()
        if ranks.count == 3 { kill(ranks[1], SIGSTOP) }
        defer { for pid in ranks { kill(pid, SIGCONT); kill(pid, SIGKILL) } }
        while process.isRunning && Date() < stopped.addingTimeInterval(90) { usleep(100_000) }
        let took = Date().timeIntervalSince(stopped)
        #expect(!process.isRunning, "the job still runs 90 s after a rank stopped")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        // Ended by the watch: 6 s of waiting, plus at most the step in progress and the abort.
        #expect(took < 60, "the job ended \(took) s after the rank stopped")
        #expect(message.contains("did not complete within 6 s (step ") && message.contains("warning: MPI_"), "\(message)")
        // Every warning, and the timeout of the rank that ends the job, name rank 1 alone. A
        // second rank's timeout may be racing the abort: Open MPI's kill sequence sends SIGCONT
        // before SIGTERM (a stopped process cannot take SIGTERM), so the stopped rank can wake
        // for a moment and answer a roll call still in progress elsewhere.
        let lines = message.split(separator: "\n").map(String.init)
        func namesRank1Alone(_ line: String) -> Bool {
            line.contains("not arrived: rank 1 (host ") && line.contains("no answer within 5 s")
                && !line.contains("rank 0 (host") && !line.contains("rank 2 (host")
        }
        let warnings = lines.filter { $0.contains("warning: MPI_") && $0.contains("not arrived") }
        let timeouts = lines.filter { $0.contains("did not complete within 6 s") }
        #expect(!warnings.isEmpty && warnings.allSatisfy(namesRank1Alone), "\(message)")
        #expect(timeouts.contains(where: namesRank1Alone), "\(message)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints")
        #expect(files.allSatisfy { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") } && files.contains("step-2.safetensors"), "\(files)")
    }

    @Test func killedRankEndsTheJobAndResumeCompletesIt() throws {
        let out = Self.output()
        // Wait for the first checkpoint, then SIGKILL one rank.
        let (process, errors, ranks) = try startRanks(2, out, steps: 40, untilCheckpoint: 1)
        if let victim = ranks.last { kill(victim, SIGKILL) }
        let stopBy = Date().addingTimeInterval(120)
        while process.isRunning && Date() < stopBy { usleep(100_000) }
        #expect(!process.isRunning, "the job did not end after a rank was killed")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("signal 9") || message.contains("killed"), "\(message)")
        // Only complete checkpoints: every file is a finished step, no temporary leftovers.
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints")
        #expect(files.allSatisfy { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }, "\(files)")
        #expect(!FileManager.default.fileExists(atPath: out + "/prompts.safetensors"))
        // Resume to 3 steps and compare with an uninterrupted 3-step run.
        let resumed = try mpirun(2, job(out, steps: 3, extra: ["--resume"]))
        let reference = Self.output()
        #expect(try mpirun(2, job(reference, steps: 3)).status == 0)
        if files.compactMap({ Int($0.dropFirst(5).dropLast(12)) }).max() ?? 0 < 3 {
            #expect(resumed.status == 0, "\(resumed)")
            #expect(Self.bytes(out + "/prompts.safetensors") == Self.bytes(reference + "/prompts.safetensors"))
        }
    }

    @Test func nonFiniteLossStopsTheJobNamingTheStepAndKeepsGoodCheckpoints() throws {
        let out = Self.output()
        // A learning rate of 1e30 during warm-up makes the prompts, then the loss, non-finite.
        let r = try mpirun(2, [binary, "train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json",
                               "--method", "ivlp", "--shots", "4", "--max-steps", "6", "--checkpoint-every", "1", "--no-eval",
                               "--set", "depth_text=2", "--set", "depth_vision=2", "--set", "prompt_optim.warmup_lr=1e30", "--output", out])
        #expect(r.status != 0)
        #expect(r.stderr.contains("is nan at step") && r.stderr.contains("the last good checkpoint is kept"), "\(r)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints")
        #expect(!files.isEmpty && files.allSatisfy { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }, "\(files)")
        #expect(!FileManager.default.fileExists(atPath: out + "/prompts.safetensors"))
    }

    /// Caption pairs from the tinyshapes training images, in a TSV beside them (its paths are
    /// relative to its directory).
    static let pairs: String = {
        let split = try! JSONValue(parsing: try! Data(contentsOf: URL(fileURLWithPath: data + "/split_zhou_TinyShapes.json")))
        let rows = (split["train"]?.arrayValue ?? []).compactMap { $0.arrayValue }
        let tsv = rows.map { "\($0[0].stringValue!)\tthere is a \($0[2].stringValue!) here ." }.joined(separator: "\n")
        let path = data + "/pairs-\(UUID().uuidString).tsv"
        try! (tsv + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// GRAM meta-training on the tinyshapes pairs with the smallest task shape: 2 domains of 3
    /// pseudo-classes, 2-way, 1 support and 1 query pair per class.
    func gramJob(_ output: String, extra: [String] = []) -> [String] {
        [binary, "train", "--model", fixture("tiny-clip"), "--method", "gram", "--pairs", Self.pairs, "--domains", "2",
         "--classes-per-domain", "3", "--ways", "2", "--support-shots", "1", "--query-shots", "1", "--keep-checkpoints", "100", "--output", output] + extra
    }

    /// metrics.jsonl's lines as JSON objects.
    static func metrics(_ output: String) throws -> [JSONValue] {
        try String(contentsOfFile: output + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { try JSONValue(parsing: Data($0.utf8)) }
    }

    @Test func gramMetaTrainingIsRankCountIndependentAndInitialisesIVLP() throws {
        var outputs: [String] = []
        for ranks in 1...4 {
            let out = Self.output()
            let r = try mpirun(ranks, gramJob(out, extra: ["--max-steps", "2", "--tasks-per-step", "3"]))
            #expect(r.status == 0, "-np \(ranks): \(r)")
            outputs.append(out)
        }
        let one = outputs[0]
        #expect(Self.bytes(one + "/prompts.safetensors") != nil)
        for (i, out) in outputs.enumerated().dropFirst() {
            #expect(Self.bytes(one + "/prompts.safetensors") == Self.bytes(out + "/prompts.safetensors"), "-np \(i + 1) differs from -np 1")
        }
        // Downstream: IVLP with matching prompt shapes starts from it and uses its regulator.
        let ivlp = [binary, "train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json", "--method", "ivlp",
                    "--shots", "4", "--max-steps", "1", "--init", one + "/prompts.safetensors", "--set", "n_ctx_text=4", "--set", "n_ctx_vision=4",
                    "--set", "depth_text=1", "--set", "depth_vision=1"]
        let down = try runProcess(ivlp[0], Array(ivlp.dropFirst()) + ["--output", Self.output()])
        #expect(down.status == 0, "\(down)")
        let mismatch = try runProcess(ivlp[0], Array(ivlp.dropFirst()) + ["--set", "n_ctx_text=2", "--output", Self.output()])
        #expect(mismatch.status == 1 && mismatch.stderr.contains("tensor 'text.ctx' has shape [4, 64], expected [2, 64]"), "\(mismatch)")
    }

    /// A default-length run (100 meta-steps) spends its warm-up tenth at the warm-up rates and
    /// the rest on the cosine from the base rates, as its metrics.jsonl and progress lines say.
    @Test func defaultGRAMRunTrainsAboveTheWarmupRates() throws {
        let out = Self.output()
        let r = try runProcess(binary, Array(gramJob(out, extra: ["--log-every", "1"]).dropFirst()))
        #expect(r.status == 0, "\(r)")
        let lines = try Self.metrics(out)
        #expect(lines.compactMap { $0["step"]?.intValue } == Array(1...100))
        let lr = lines.map { $0["lr"]?.doubleValue ?? .nan }, regulator = lines.map { $0["lr_regulator"]?.doubleValue ?? .nan }
        // Warm-up: steps 1–10 at 1e-5 / 1e-6. Then the cosine over 90 steps: step 11 at the
        // base rates exactly ((1 + cos 0)/2 = 1), step 56 at half (cos(π/2) ≈ 6e-17, hence the
        // 1e-12 relative), and below the warm-up rate only in its last 3 (sin²(π(90 − k)/180) < 0.004 for k ≥ 87).
        #expect(lr.prefix(10).allSatisfy { $0 == 1e-5 } && regulator.prefix(10).allSatisfy { $0 == 1e-6 }, "\(lr) \(regulator)")
        #expect(lr[10] == 0.0025 && regulator[10] == 0.00025, "\(lr[10]) \(regulator[10])")
        #expect(abs(lr[55] - 0.00125) <= 1e-12 * 0.00125 && abs(regulator[55] - 0.000125) <= 1e-12 * 0.000125, "\(lr[55]) \(regulator[55])")
        #expect(lr.filter { $0 > 1e-5 }.count == 87 && regulator.filter { $0 > 1e-6 }.count == 87, "\(lr) \(regulator)")
        #expect(r.stdout.contains("\nstep 11/100  loss.query ") && r.stdout.contains("  lr 0.0025  lr_regulator 0.00025  "), "\(r)")
        #expect(r.stdout.contains("lr prompts: 10 warm-up step(s) at 1e-05, then a cosine from 0.0025 to 0 over 90 step(s)"), "\(r)")
    }

    /// A GRAM run resumed from its step-5 checkpoint ends byte-identical to the uninterrupted
    /// run. The interrupted run is the uninterrupted one's directory with the checkpoints after
    /// step 5 and the prompts removed: what a run stopped between steps 5 and 10 leaves
    /// (`--max-steps` cannot stop it early, since the schedule is a function of the run's steps).
    @Test func resumedGRAMRunEndsIdenticalToAnUninterruptedOne() throws {
        let whole = Self.output(), split = Self.output()
        let args = ["--max-steps", "20", "--tasks-per-step", "2", "--checkpoint-every", "5"]
        let r = try mpirun(2, gramJob(whole, extra: args))
        #expect(r.status == 0, "\(r)")
        try FileManager.default.copyItem(atPath: whole, toPath: split)
        for file in ["prompts.safetensors", "checkpoints/step-10.safetensors", "checkpoints/step-15.safetensors", "checkpoints/step-20.safetensors"] {
            try FileManager.default.removeItem(atPath: split + "/" + file)
        }
        let resumed = try mpirun(2, gramJob(split, extra: args + ["--resume"]))
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.contains("resumed from \(split)/checkpoints/step-5.safetensors at step 5"), "\(resumed)")
        for file in ["prompts.safetensors", "checkpoints/step-10.safetensors", "checkpoints/step-20.safetensors"] {
            #expect(Self.bytes(whole + "/" + file) != nil && Self.bytes(whole + "/" + file) == Self.bytes(split + "/" + file), "\(file)")
        }
    }

    @Test(arguments: [
        (["--set", "prompt_optim.warmup_epochs=2"], "metaprompt train: --set: GRAM is scheduled in meta-steps: use 'prompt_optim.warmup_steps', not 'prompt_optim.warmup_epochs'"),
        (["--max-steps", "5", "--set", "regulator_optim.warmup_steps=5"], "metaprompt train: regulator_optim.warmup_steps is 5 but the run has 5 steps; the warm-up must be shorter than the run"),
        (["--set", "prompt_optim.warmup_steps=2.5"], "metaprompt train: --set: 'prompt_optim.warmup_steps' must be a non-negative integer, found 2.5"),
    ])
    func gramWarmupSettingsAreCheckedBeforeTraining(_ extra: [String], _ message: String) throws {
        let out = Self.output()
        let r = try runProcess(binary, Array(gramJob(out, extra: extra).dropFirst()))
        // A setting the method cannot take is 64; one that does not fit the run's length, 1.
        #expect(r.status == (message.contains("--set: ") ? 64 : 1) && r.stderr == message + "\n", "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out), "\(out) was created")
    }

    @Test func warmupStepsAreGRAMsOnly() throws {
        let r = try runProcess(binary, ["train", "--model", fixture("tiny-clip"), "--split", Self.data + "/split_zhou_TinyShapes.json", "--method", "ivlp",
                                        "--set", "prompt_optim.warmup_steps=3", "--output", Self.output()])
        #expect(r.status == 64 && r.stderr == "metaprompt train: --set: 'prompt_optim.warmup_steps' is GRAM's (meta-steps); ivlp is scheduled in epochs: use 'prompt_optim.warmup_epochs'\n", "\(r)")
    }

    /// PIDs of `metaprompt train` processes whose command line mentions `marker`.
    /// A rank process's rank in its job (mpirun's OMPI_COMM_WORLD_RANK), or Int.max.
    static func jobRank(of pid: pid_t) -> Int {
        let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        let prefix = "OMPI_COMM_WORLD_RANK="
        return environment.split(separator: 0).lazy.map { String(decoding: $0, as: UTF8.self) }
            .first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? Int.max
    }

    /// The processes of a job's ranks, by job rank.
    static func rankProcesses(containing marker: String) throws -> [pid_t] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard args.first?.hasSuffix("/metaprompt") == true, args.contains("train"), args.contains(marker) else { return nil }
            return pid
        }.sorted { jobRank(of: $0) < jobRank(of: $1) }
    }
}
