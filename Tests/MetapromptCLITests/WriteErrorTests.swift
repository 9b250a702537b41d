import Foundation
import TensorIO
import Testing
import TestSupport

/// A full disk during training: a 200 KiB tmpfs holds the first checkpoint (145 KiB) but not
/// the second. Needs root to mount it; elsewhere, or where mounting is not allowed, the test
/// says so and checks nothing.
@Suite(.serialized) struct WriteErrorTests {
    let binary = metapromptExecutable()

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskEndsTheRunNamingTheFileAndKeepsTheLastCheckpoint() throws {
        let mountPoint = NSTemporaryDirectory() + "metaprompt-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mount = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", mountPoint])
        guard mount.status == 0 else {
            print("WriteErrorTests: not run, cannot mount a tmpfs here: \(mount.stderr)")
            return
        }
        defer { _ = try? runProcess("/bin/umount", [mountPoint]) }
        let out = mountPoint + "/run"
        let r = try runProcess(binary, ["train", "--model", fixture("tiny-clip"), "--split", TrainUnderMPITests.data + "/split_zhou_TinyShapes.json",
                                        "--method", "prometar", "--output", out, "--shots", "4", "--batch-size", "4", "--max-steps", "6",
                                        "--checkpoint-every", "1", "--log-every", "1", "--no-eval",
                                        "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2", "--set", "depth_vision=2"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "metaprompt train: cannot write '\(out)/checkpoints/step-2.safetensors': write: No space left on device\n", "\(r)")
        // The checkpoint before is complete and readable; no partial or temporary file is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints") == ["step-1.safetensors"])
        let checkpoint = try SafeTensorsFile(path: out + "/checkpoints/step-1.safetensors")
        #expect(checkpoint.metadata["step"] == "1" && checkpoint.names.contains("text.ctx"))
        #expect(!FileManager.default.fileExists(atPath: out + "/prompts.safetensors"))
    }
}
