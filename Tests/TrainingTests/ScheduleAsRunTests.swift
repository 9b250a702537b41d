import AutoDiff
import CLIPAdapter
import Distributed
import Evaluation
import Foundation
import TensorIO
import TestSupport
import Testing
import Training

/// ProMetaR's default regulator schedule is the one its official trainer runs: the scheduler
/// is built (`trainers/prometar.py:382`) but not registered, so φ stays at its warm-up rate.
@Suite struct ScheduleAsRunTests {
    @Test func proMetaRDefaultRegulatorScheduleIsTheAsRunOne() throws {
        let c = try MethodConfiguration.defaults(for: "prometar")
        #expect(!c.regulatorOptimizer.stepped && c.promptOptimizer.stepped)
        let phi = c.regulatorOptimizer.schedule(maxEpoch: 10), theta = c.promptOptimizer.schedule(maxEpoch: 10)
        #expect((0...10).allSatisfy { phi.lr(epoch: $0) == 1e-6 })
        #expect(theta.lr(epoch: 0) == 1e-5 && theta.lr(epoch: 1) == 0.0025)
        let stated = try MethodConfiguration.load(method: "prometar", json: .object(["regulator_optim": .object(["stepped": .bool(true)])]), source: "test")
        #expect(stated.regulatorOptimizer.schedule(maxEpoch: 10).lr(epoch: 1) == 0.00025)
    }

    /// The rates a two-epoch `train` logs: θ leaves warm-up in epoch 2, φ does not unless the
    /// stated schedule is asked for.
    @Test(arguments: [false, true])
    func trainLogsTheRegulatorRateItUses(stated: Bool) throws {
        BLAS.setThreadCount(1)
        let root = NSTemporaryDirectory() + "schedule-as-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: root + "/data")
        var json = JSONObject([("n_ctx_text", .int(2)), ("n_ctx_vision", .int(2)), ("depth_text", .int(2)), ("depth_vision", .int(2))])
        if stated { json["regulator_optim"] = .object(["stepped": .bool(true)]) }
        var options = TrainingOptions(
            modelDirectory: fixture("tiny-clip"), source: .custom(splitFile: root + "/data/split_zhou_TinyShapes.json", imageRoot: root + "/data"),
            shots: 2, subsample: .base, seed: 1, batchSize: 2, tasksPerStep: 1, maxSteps: nil, epochs: 2, outputDirectory: root + "/out",
            method: try MethodConfiguration.load(method: "prometar", json: .object(json), source: "test"),
            checkpointEvery: 100, logEvery: 1, resume: false, resolvedConfiguration: .object(json))
        options.printsProgress = false
        options.evaluate = false
        try Trainer(options: options, communicator: LocalCommunicator()).run()
        let lines = try String(contentsOfFile: root + "/out/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let rows = try lines.map { try JSONValue(parsing: String($0)) }
        // 3 base classes × 2 shots / batch 2: 3 steps an epoch.
        #expect(rows.map { $0["epoch"]?.intValue } == [1, 1, 1, 2, 2, 2])
        for row in rows {
            let epoch = row["epoch"]?.intValue ?? 0
            #expect(row["lr"]?.doubleValue == (epoch == 1 ? 1e-5 : 0.0025))
            #expect(row["lr_regulator"]?.doubleValue == (stated && epoch == 2 ? 0.00025 : 1e-6), "\(row)")
        }
    }
}
