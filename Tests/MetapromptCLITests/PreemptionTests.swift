import Foundation
import Testing
import TestSupport

/// Preemption under real `mpirun`: SIGUSR1 (forwarded by mpirun, as Slurm's `--signal=USR1@T`
/// and `scancel --signal=USR1` deliver it) or SIGTERM (what `scancel` and a time limit send
/// each task) ends the job after the step in progress, with a checkpoint of that step and
/// exit code 75; `--resume` then ends byte-identical to a run that never stopped.
@Suite(.serialized) struct PreemptionTests {
    let binary = metapromptExecutable()
    static let steps = 40

    /// ProMetaR on the tiny model, 2 tasks per step, checkpoints only every 100 steps (so the
    /// one a preemption writes is its own), one progress line per step.
    func job(_ output: String, extra: [String] = []) -> [String] {
        [binary, "train", "--model", fixture("tiny-clip"), "--split", TrainUnderMPITests.data + "/split_zhou_TinyShapes.json",
         "--method", "prometar", "--output", output, "--shots", "4", "--batch-size", "4", "--tasks-per-step", "2",
         "--max-steps", "\(Self.steps)", "--checkpoint-every", "100", "--log-every", "1", "--no-eval",
         "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2", "--set", "depth_vision=2"] + extra
    }

    /// Waits until rank 0's log shows step 2 done; then `signal(mpirun's pid)`; returns the exit
    /// status, stderr and the seconds from the signal to the end (the job is killed past 60 s).
    func preempt(_ output: String, _ signal: (pid_t) throws -> Void) throws -> (status: Int32, stderr: String, seconds: Double) {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        let job = try SignalledProcess(launcher, (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "2"] + job(output))
        let deadline = Date().addingTimeInterval(240)
        while job.isRunning && Date() < deadline
                && !((try? String(contentsOfFile: output + "/log.txt", encoding: .utf8))?.contains("\nstep 2/") ?? false) {
            usleep(20_000)
        }
        try #require(job.isRunning, "the job ended before it could be preempted: \(job.stderr)")
        let signalled = Date()
        try signal(job.pid)
        while job.isRunning && Date().timeIntervalSince(signalled) < 60 { usleep(50_000) }
        let seconds = Date().timeIntervalSince(signalled)
        if job.isRunning { kill(job.pid, SIGKILL) }
        return (job.wait(), job.stderr, seconds)
    }

    /// The checkpoint the preemption wrote, by step, and what a resume must end with.
    func checkPreemptedRunResumes(_ output: String, _ r: (status: Int32, stderr: String, seconds: Double)) throws {
        #expect(r.status == 75, "\(r.stderr)")
        #expect(r.seconds < 60)
        let files = try FileManager.default.contentsOfDirectory(atPath: output + "/checkpoints")
        let steps = files.compactMap { Int($0.dropFirst(5).dropLast(12)) }
        #expect(steps.count == 1 && files.count == 1, "\(files)")
        let step = try #require(steps.first)
        #expect(step >= 2 && step < Self.steps)
        #expect(r.stderr.contains("after step \(step) of \(Self.steps): checkpoint \(output)/checkpoints/step-\(step).safetensors written; run the same command with --resume"),
                "\(r.stderr)")
        #expect(try String(contentsOfFile: output + "/log.txt", encoding: .utf8).contains("preempted by "))
        #expect(!FileManager.default.fileExists(atPath: output + "/prompts.safetensors"))

        let launcher = try #require(findOnPath("mpirun"))
        let mpi = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "2"]
        let resumed = try runProcess(launcher, mpi + job(output, extra: ["--resume"]), timeout: 300)
        #expect(resumed.status == 0 && resumed.stdout.contains("resumed from \(output)/checkpoints/step-\(step).safetensors at step \(step)"), "\(resumed)")
        let reference = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        #expect(try runProcess(launcher, mpi + job(reference), timeout: 300).status == 0)
        let (a, b) = (FileManager.default.contents(atPath: output + "/prompts.safetensors"), FileManager.default.contents(atPath: reference + "/prompts.safetensors"))
        #expect(a != nil && a == b, "resumed prompts differ from the uninterrupted run's")
        #expect(FileManager.default.contents(atPath: output + "/checkpoints/step-\(Self.steps).safetensors")
                == FileManager.default.contents(atPath: reference + "/checkpoints/step-\(Self.steps).safetensors"))
    }

    @Test func sigusr1ToMpirunCheckpointsTheStepAndResumeIsByteIdentical() throws {
        let out = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        let r = try preempt(out) { kill($0, SIGUSR1) }
        try checkPreemptedRunResumes(out, r)
    }

    /// SIGTERM to one rank only: the ranks still stop after the same step (they agree after
    /// every step), so the job ends cleanly with one checkpoint.
    @Test func sigtermToOneRankStopsEveryRankAfterTheSameStep() throws {
        let out = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        let r = try preempt(out) { _ in
            let ranks = try TrainUnderMPITests.rankProcesses(containing: out)
            try #require(ranks.count == 2, "rank processes: \(ranks)")
            kill(ranks[1], SIGTERM)
        }
        try checkPreemptedRunResumes(out, r)
        #expect(r.stderr.contains("preempted by SIGTERM"), "\(r.stderr)")
    }

    /// What a requeue reruns: the same command without --resume is refused (the checkpoints
    /// stay); --resume with other settings is refused naming them.
    @Test func aRerunNeitherOverwritesNorResumesAnotherRun() throws {
        let out = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        let short = job(out).map { $0 == "\(Self.steps)" ? "3" : $0 }
        let first = try runProcess(binary, Array(short.dropFirst()))
        #expect(first.status == 0, "\(first)")
        let checkpoint = FileManager.default.contents(atPath: out + "/checkpoints/step-3.safetensors")
        let again = try runProcess(binary, Array(short.dropFirst()))
        #expect(again.status == 1 && again.stderr.contains("\(out)/checkpoints holds the checkpoints of a run (newest step-3.safetensors): pass --resume"), "\(again)")
        #expect(FileManager.default.contents(atPath: out + "/checkpoints/step-3.safetensors") == checkpoint)
        let other = try runProcess(binary, Array(short.dropFirst()) + ["--resume", "--seed", "2"])
        #expect(other.status == 1 && other.stderr.contains("the run being resumed was made with other settings (seed)"), "\(other)")
    }

    /// `deploy/slurm.sbatch` run as a plain script (no Slurm here: its mpirun branch, no
    /// requeue): SIGUSR1 to the script, as `--signal=B:USR1@120` sends it, reaches the ranks,
    /// the job ends with 75 after a checkpoint; running the script again — what the requeue
    /// does — continues the run (the script always passes --resume) to the uninterrupted run's
    /// prompts.
    @Test func theSlurmScriptPassesThePreemptionOnAndItsRerunContinues() throws {
        let root = fixturesDirectory().deletingLastPathComponent().deletingLastPathComponent().path
        let out = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        let arguments = Array(job(out).dropFirst(2))  // the train arguments
        let script = try SignalledProcess("/usr/bin/env", ["METAPROMPT_BIN=\(binary)", "SLURM_SUBMIT_DIR=\(root)", "bash", root + "/deploy/slurm.sbatch"] + arguments)
        let deadline = Date().addingTimeInterval(240)
        while script.isRunning && Date() < deadline
                && !((try? String(contentsOfFile: out + "/log.txt", encoding: .utf8))?.contains("\nstep 2/") ?? false) {
            usleep(20_000)
        }
        try #require(script.isRunning, "the job ended before it could be preempted: \(script.stdout) \(script.stderr)")
        kill(script.pid, SIGUSR1)
        let status = script.wait()
        #expect(status == 75, "\(script.stdout)\n\(script.stderr)")
        let steps = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints").compactMap { Int($0.dropFirst(5).dropLast(12)) }
        #expect(steps.count == 1 && steps[0] < Self.steps, "\(steps)")
        let rerun = try runProcess("/usr/bin/env", ["METAPROMPT_BIN=\(binary)", "SLURM_SUBMIT_DIR=\(root)", "bash", root + "/deploy/slurm.sbatch"] + arguments)
        #expect(rerun.status == 0 && rerun.stdout.contains("resumed from "), "\(rerun)")
        let reference = NSTemporaryDirectory() + "metaprompt-preempt-\(UUID().uuidString)"
        let launcher = try #require(findOnPath("mpirun"))
        #expect(try runProcess(launcher, (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "2"] + job(reference)).status == 0)
        #expect(FileManager.default.contents(atPath: out + "/prompts.safetensors") == FileManager.default.contents(atPath: reference + "/prompts.safetensors"))
    }
}
