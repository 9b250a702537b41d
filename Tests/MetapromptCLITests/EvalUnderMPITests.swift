import Foundation
import Testing
import TestSupport

/// `metaprompt eval` under real `mpirun`: the test batches split over 1–3 ranks give the
/// one-process stdout, log.txt, results.json and logits file byte for byte, with blocks of
/// unequal length and with ranks that have no batch; an image that one rank cannot decode ends
/// the job naming the file.
@Suite(.serialized) struct EvalUnderMPITests {
    let binary = metapromptExecutable()
    static let split = fixture("tinyshapes/split_zhou_TinyShapes.json")

    func mpirun(_ ranks: Int, _ arguments: [String]) throws -> ProcessResult {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "\(ranks)"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        return try runProcess(launcher, args + [binary] + arguments, timeout: 120)
    }

    /// What a run leaves: its stdout, log.txt, results.json and logits file. Every run writes
    /// to the same paths (results.json records them), which are cleared before the next.
    struct Outputs: Equatable, CustomStringConvertible {
        var stdout: String
        var log: Data?
        var results: Data?
        var logits: Data?
        var description: String { "stdout:\n\(stdout)\nresults.json:\n\(results.map { String(decoding: $0, as: UTF8.self) } ?? "none")" }
    }

    func outputs(_ ranks: Int?, _ arguments: [String], in dir: String) throws -> (Outputs, ProcessResult) {
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let command = ["eval", "--model", fixture("tiny-clip"), "--split", Self.split, "--output", dir + "/out",
                       "--save-logits", dir + "/logits.safetensors", "--per-class"] + arguments
        let r = try ranks.map { try mpirun($0, command) } ?? runProcess(binary, command)
        let read = { (file: String) in FileManager.default.contents(atPath: dir + "/" + file) }
        return (Outputs(stdout: r.stdout, log: read("out/log.txt"), results: read("out/results.json"), logits: read("logits.safetensors")), r)
    }

    /// The 18 test images in batches of 4 (5 batches, the last of 2 images: blocks 3+2 on 2
    /// ranks, 2+2+1 on 3) and of 32 (one batch: rank 1 of 2 has none), zero-shot and with the
    /// 60-template ensemble; learned prompts take the same image path.
    @Test(arguments: [(["--batch-size", "4"], [1, 2, 3]), (["--batch-size", "32", "--ensemble"], [2])])
    func ranksGiveTheOneProcessOutputsByteForByte(_ arguments: [String], _ rankCounts: [Int]) throws {
        let dir = NSTemporaryDirectory() + "metaprompt-eval-mpi-\(UUID().uuidString)"
        let (reference, plain) = try outputs(nil, arguments, in: dir)
        #expect(plain.status == 0, "\(plain)")
        #expect(reference.log != nil && reference.results != nil && reference.logits != nil, "\(plain)")
        #expect(plain.stderr.hasPrefix("eval: 18 images in ") && plain.stderr.contains(" s on 1 rank: "), "\(plain)")
        for ranks in rankCounts {
            let (run, r) = try outputs(ranks, arguments, in: dir)
            #expect(r.status == 0, "-np \(ranks): \(r)")
            #expect(run == reference, "-np \(ranks) differs from one process:\n\(run)\nvs\n\(reference)")
            // Rank 0 alone reports: one closing line with the job's images/s.
            #expect(r.stderr.components(separatedBy: "images/s").count == 2 && r.stderr.contains(" s on \(ranks) rank"), "\(r)")
        }
    }

    @Test func anImageOneRankCannotDecodeEndsTheJobNamingIt() throws {
        let data = NSTemporaryDirectory() + "metaprompt-tinyshapes-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: data)
        // The last test image: batch 4 of 0…4 at batch size 4, rank 1's block of 2 ranks.
        let bad = data + "/images/blue_triangle/011.jpg"
        try "not a JPEG".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try mpirun(2, ["eval", "--model", fixture("tiny-clip"), "--split", data + "/split_zhou_TinyShapes.json", "--batch-size", "4",
                               "--output", data + "/out"])
        #expect(r.status != 0, "\(r)")
        #expect(r.stderr.contains("metaprompt (rank 1 of 2): \(bad) is not a JPEG file"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: data + "/out/results.json"))
    }
}
