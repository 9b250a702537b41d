import Foundation
import Testing
import TestSupport

/// `metaprompt world compare --ranks-per-run K` under real `mpirun`: runs spread over groups
/// of K ranks write the same run directories whatever K and the job's size; a job size that
/// is not a multiple of K is refused before any work; a failing group ends the whole job.
@Suite(.serialized) struct WorldCompareUnderMPITests {
    let binary = metapromptExecutable()

    /// A world directory in `compare`'s layout made of the tinyshapes fixture (3 base and 3
    /// new classes, 8 training images each): `world/split_zhou_World.json` and `world/images`.
    static let world: String = {
        let dir = NSTemporaryDirectory() + "metaprompt-world-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir + "/world", withIntermediateDirectories: true)
        try! FileManager.default.copyItem(atPath: fixture("tinyshapes/images"), toPath: dir + "/world/images")
        let split = try! String(contentsOfFile: fixture("tinyshapes/split_zhou_TinyShapes.json"), encoding: .utf8)
        try! split.replacingOccurrences(of: "\"images/", with: "\"").write(toFile: dir + "/world/split_zhou_World.json", atomically: true, encoding: .utf8)
        return dir
    }()

    func compare(_ ranks: Int, ranksPerRun: Int, output: String) throws -> ProcessResult {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "\(ranks)"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        // Zero-shot, a base method and ProMetaR (its meta-gradient goes through the group's
        // reduction), two seeds, one epoch of 6 steps.
        return try runProcess(launcher, args + [binary, "world", "compare", "--world", Self.world, "--model", fixture("tiny-clip"),
                                                "--output", output, "--seeds", "1,2", "--epochs", "1", "--methods", "zeroshot,coop,prometar",
                                                "--ranks-per-run", "\(ranksPerRun)"], timeout: 300)
    }

    static func output() -> String { NSTemporaryDirectory() + "metaprompt-compare-\(UUID().uuidString)" }

    /// Every file under `root` by relative path: safetensors as bytes, text with the root,
    /// timings, the rank count of the "… over N rank(s)" line and where the few-shot lists
    /// came from taken out (the only lines that may differ: whether a run finds the lists
    /// cached depends on which runs of its seed ran before it, and where).
    static func runFiles(_ root: String) throws -> [String: Data] {
        let timing = try Regex(#"  [0-9.]+ \w+/s  ETA \S+$"#).anchorsMatchLineEndings()
        let rate = try Regex(#", "\w+_per_second": [^,}]+"#), ranks = try Regex(#"\d+ (rank|group)\(s\)"#)
        var out: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root)! {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
            guard !path.hasSuffix(".safetensors") else { out[path] = data; continue }
            let lines = String(decoding: data, as: UTF8.self).replacingOccurrences(of: root, with: "ROOT")
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Elapsed: ") }
                .map { $0.hasPrefix("few-shot lists: ") ? "few-shot lists: …"
                           : $0.replacing(timing, with: "").replacing(rate, with: "").replacing(ranks, with: "K rank(s)") }
            out[path] = Data(lines.joined(separator: "\n").utf8)
        }
        return out
    }

    @Test func runGroupsWriteTheSameRunsForEveryGroupSizeAndJobSize() throws {
        let reference = Self.output()
        let single = try compare(2, ranksPerRun: 1, output: reference)
        #expect(single.status == 0, "\(single)")
        // Each rank reports its own runs.
        for rank in 0..<2 { #expect(single.stdout.contains("\n[rank \(rank): 1/3] "), "\(single)") }
        let expected = try Self.runFiles(reference)
        #expect(expected.keys.contains("train_base/world/shots_16/prometar/ep1_batch4/seed2/prompts.safetensors")
                && expected.keys.contains("train_base/world/shots_16/prometar/ep1_batch4/seed2/checkpoints/step-6.safetensors")
                && expected.keys.contains("test_new/world/shots_16/zeroshot/ep1_batch4/seed1/results.json"), "\(expected.keys.sorted())")
        for (ranks, heads) in [(2, ["[ranks 0-1: 6/6] "]), (4, ["[ranks 0-1: 3/3] ", "[ranks 2-3: 3/3] "])] {
            let output = Self.output()
            let r = try compare(ranks, ranksPerRun: 2, output: output)
            #expect(r.status == 0, "-np \(ranks): \(r)")
            // Each group's rank 0 reports its group's runs, one line per run.
            #expect(r.stdout.contains("over \(ranks / 2) group(s) of 2 rank(s)"), "\(r)")
            for head in heads { #expect(r.stdout.contains("\n" + head), "-np \(ranks): \(r)") }
            #expect(r.stdout.components(separatedBy: " done: ").count - 1 == 6, "-np \(ranks): \(r)")
            let found = try Self.runFiles(output)
            #expect(found.keys.sorted() == expected.keys.sorted(), "-np \(ranks)")
            for (path, data) in expected.sorted(by: { $0.key < $1.key }) {
                let (was, now) = (String(decoding: data, as: UTF8.self).prefix(2000), String(decoding: found[path] ?? Data(), as: UTF8.self).prefix(2000))
                #expect(found[path] == data, "-np \(ranks), --ranks-per-run 2: \(path) differs from -np 2, --ranks-per-run 1:\n\(was)\n---\n\(now)")
            }
            let log = try String(contentsOfFile: output + "/train_base/world/shots_16/prometar/ep1_batch4/seed1/log.txt", encoding: .utf8)
            #expect(log.contains(" images and class prompts split over 2 rank(s), 1 task(s)/step over 1 group(s) of 2 rank(s), seed 1\n"), "\(log)")
        }
    }

    @Test(arguments: [(3, 2), (2, 4)])
    func aJobSizeThatIsNotAMultipleIsRefused(ranks: Int, ranksPerRun: Int) throws {
        let output = Self.output()
        let r = try compare(ranks, ranksPerRun: ranksPerRun, output: output)
        #expect(r.status == 64, "\(r)")
        // Once, from rank 0, naming both numbers; nothing written.
        let message = "metaprompt world: --ranks-per-run \(ranksPerRun) needs a job size that is a multiple of \(ranksPerRun); this job has \(ranks) rank(s)\n"
        #expect(r.stderr.hasPrefix(message) && r.stderr.components(separatedBy: "--ranks-per-run").count == 2, "\(r)")
        #expect(!FileManager.default.fileExists(atPath: output), "\(r)")
    }

    /// A run that fails in one group ends the whole job, the other group's ranks included,
    /// instead of leaving them waiting: GRAM's features of the one caption pair are computed
    /// over the whole job, then its meta-training, in one group, cannot form its 4 domains
    /// while the other group evaluates zero-shot.
    @Test func aFailingGroupEndsTheWholeJob() throws {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "4"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        let world = Self.output()
        try FileManager.default.createDirectory(atPath: world + "/pretrain", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: world + "/world", withDestinationPath: Self.world + "/world")
        try "../world/images/blue_circle/000.jpg\ta blue circle .\n".write(toFile: world + "/pretrain/pairs.tsv", atomically: false, encoding: .utf8)
        let r = try runProcess(launcher, args + [binary, "world", "compare", "--world", world, "--model", fixture("tiny-clip"),
                                                 "--output", world + "/out", "--seeds", "1", "--epochs", "1", "--methods", "zeroshot,gram_coop",
                                                 "--ranks-per-run", "2"], timeout: 120)
        #expect(r.status == 1 && r.stderr.contains("pairs.tsv: 1 pairs with readable images cannot form 4 domains"), "\(r)")
    }

    /// Without the world's caption pairs, GRAM's runs stop every rank before any run, naming
    /// the file.
    @Test func gramWithoutCaptionPairsNamesTheFile() throws {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "2"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        let r = try runProcess(launcher, args + [binary, "world", "compare", "--world", Self.world, "--model", fixture("tiny-clip"),
                                                 "--output", Self.output(), "--seeds", "1", "--epochs", "1", "--methods", "zeroshot,gram_coop"], timeout: 120)
        #expect(r.status == 1 && r.stderr.contains(Self.world + "/pretrain/pairs.tsv"), "\(r)")
    }

    /// Without mpirun the job is one rank.
    @Test func oneProcessRefusesGroupsOfTwo() throws {
        let output = Self.output()
        let r = try runProcess(binary, ["world", "compare", "--world", Self.world, "--model", fixture("tiny-clip"), "--output", output,
                                        "--ranks-per-run", "2"])
        #expect(r.status == 64 && r.stdout.isEmpty, "\(r)")
        #expect(r.stderr == "metaprompt world: --ranks-per-run 2 needs a job size that is a multiple of 2; this job has 1 rank(s)\n", "\(r)")
    }
}
