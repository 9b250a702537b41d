import AutoDiff
import Distributed
import Foundation
import MetaLearning
import CLIPAdapter
import Evaluation
import Training

/// `metaprompt demo`: distributed second-order MAML on sine regression (Finn et al., 2017,
/// §5.1) — the whole distributed shape on a model small enough for a laptop core:
/// tasks keyed by (seed, step, task), sharded over ranks, inner loops run locally,
/// meta-gradients combined by the same rank-count-independent mean as training
/// (`CommunicatorMean`), the same Adam step on every rank, on the same `TrainingLoop`.
struct DemoCommand: Command {
    static let configuration = CommandConfiguration(
        name: "demo",
        summary: "distributed MAML on sine regression (runs under mpirun)",
        discussion: """
            Meta-learns an initialisation of a 1-40-40-1 tanh MLP for sine regression tasks
            (amplitude U[0.1, 5], phase U[0, π], 10 support + 10 query points on [-5, 5]) with
            one inner SGD step (α = 0.01) and Adam (lr 0.001) on the meta-gradient.
            Under mpirun the T tasks of each step are split over the ranks; per-task gradients are
            combined with training's fixed-point mean, so the result is the same for any number of
            ranks (the printed parameter checksum shows it).
            """)

    @Option(help: "meta-steps", in: 1...1_000_000) var steps: Int = 300
    @Option(valueName: "T", help: "tasks per meta-step, independent of the rank count", in: 1...4096) var tasksPerStep: Int = 8
    @OptionGroup var seeding: SeedOption
    @Flag(help: "first-order MAML (inner gradient detached)") var firstOrder = false
    @Option(help: "rank 0 prints progress every N steps", in: 1...1_000_000) var logEvery: Int = 50

    func run() throws {
        let demo = SineMAML(steps: steps, tasksPerStep: tasksPerStep, seed: UInt64(seeding.seed), secondOrder: !firstOrder,
                            logEvery: logEvery)
        BLAS.setThreadCount(1)
        let communicator = try MPICommunicator.fromEnvironment()
        do {
            try demo.train(communicator)
            try (communicator as? MPICommunicator)?.finalize()
        } catch {
            communicator.abort("\(error)", code: 1)
        }
    }
}

struct SineMAML {
    let steps: Int
    let tasksPerStep: Int
    let seed: UInt64
    let secondOrder: Bool
    let logEvery: Int
    let innerRate: Float = 0.01
    let widths = [1, 40, 40, 1]

    // Stream purposes: what a draw is for, so adding a draw elsewhere never shifts these.
    enum Purpose: UInt64 { case initialisation = 1, task = 2, evaluation = 3 }

    func initialParameters() -> [String: Tensor] {
        var stream = RandomStream(seed: seed, Purpose.initialisation.rawValue)
        var p: [String: Tensor] = [:]
        for l in 0..<(widths.count - 1) {
            // PyTorch nn.Linear's default: U(−1/√fan_in, 1/√fan_in).
            let bound = 1 / Float(widths[l]).squareRoot()
            p["layers.\(l).weight"] = Tensor.uniform([widths[l + 1], widths[l]], -bound, bound, stream: &stream).requiringGrad()
            p["layers.\(l).bias"] = Tensor.uniform([widths[l + 1]], -bound, bound, stream: &stream).requiringGrad()
        }
        return p
    }

    func predict(_ x: Tensor, _ p: [String: Tensor]) -> Tensor {
        var h = x
        for l in 0..<(widths.count - 1) {
            h = Tensor.linear(h, weight: p["layers.\(l).weight"]!, bias: p["layers.\(l).bias"]!)
            if l < widths.count - 2 { h = h.tanh() }
        }
        return h
    }

    /// A task's support and query sets, from the stream keyed by (seed, purpose, step, task).
    func task(step: Int, index: Int, purpose: Purpose) -> (xs: Tensor, ys: Tensor, xq: Tensor, yq: Tensor) {
        var stream = RandomStream(seed: seed, purpose.rawValue, UInt64(step), UInt64(index))
        let amplitude = 0.1 + 4.9 * stream.uniformFloat()
        let phase = Float.pi * stream.uniformFloat()
        func points(_ n: Int) -> (Tensor, Tensor) {
            let x = (0..<n).map { _ in -5 + 10 * stream.uniformFloat() }
            return (Tensor(shape: [n, 1], values: x), Tensor(shape: [n, 1], values: x.map { amplitude * Foundation.sin($0 - phase) }))
        }
        let (xs, ys) = points(10), (xq, yq) = points(10)
        return (xs, ys, xq, yq)
    }

    /// One task's query loss after one inner step, and its gradient with respect to θ.
    func metaGradient(_ p: [String: Tensor], step: Int, index: Int, purpose: Purpose) -> (loss: Float, grads: [String: Tensor]) {
        let names = p.keys.sorted()
        let t = task(step: step, index: index, purpose: purpose)
        let inner = (predict(t.xs, p) - t.ys).squared().mean()
        let g = gradients(of: inner, withRespectTo: names.map { p[$0]! }, createGraph: secondOrder)
        var adapted: [String: Tensor] = [:]
        for (name, gi) in zip(names, g) { adapted[name] = p[name]! - (secondOrder ? gi : gi.detached()) * innerRate }
        let outer = (predict(t.xq, adapted) - t.yq).squared().mean()
        let meta = gradients(of: outer, withRespectTo: names.map { p[$0]! })
        return (outer.scalar, Dictionary(uniqueKeysWithValues: zip(names, meta)))
    }

    func train(_ comm: any Communicator) throws {
        var p = initialParameters()
        let names = p.keys.sorted()
        let layout = FlatLayout([p], scalars: ["loss"])  // one task's flattened gradient, then its loss
        var adam = Adam()
        let reduction = CommunicatorMean(comm)
        let initialLoss = try evaluate(p, comm)  // a collective: every rank takes part
        if comm.rank == 0 {
            print("demo: sine MAML, \(secondOrder ? "second" : "first")-order, \(tasksPerStep) tasks/step over \(comm.size) rank(s), \(steps) steps, seed \(seed)")
            print(String(format: "held-out query loss after one inner step: %.4f (initialisation)", initialLoss))
        }
        let loop = TrainingLoop(communicator: comm, log: try RunLog(directory: nil, enabled: comm.rank == 0), steps: steps, checkpoints: nil,
                                checkpointEvery: steps, logEvery: logEvery, work: (tasksPerStep, "tasks"))
        try loop.run(from: 0, step: { step in
            var local: [[String: Tensor]] = []
            for index in reduction.tasks(of: tasksPerStep) {
                let (loss, grads) = metaGradient(p, step: step, index: index, purpose: .task)
                guard loss.isFinite else { throw StepError("loss is \(StepError.shown(loss)) in task \(index)") }
                local.append(grads.merging(["loss": Tensor(loss)]) { a, _ in a })
            }
            let mean = try reduction.mean(local, layout: layout, taskCount: tasksPerStep)
            let loss = mean["loss"]!.scalar
            adam.step(&p, gradients: mean.filter { $0.key != "loss" }, learningRate: 1e-3)
            return TrainingLoop.Record(losses: ["meta-loss": loss], fields: [("lr", 1e-3, "%.3g")])
        }, checkpoint: { _ in preconditionFailure("the demo keeps no checkpoints") })
        let heldOut = try evaluate(p, comm)
        if comm.rank == 0 {
            print(String(format: "held-out query loss after one inner step: %.4f (meta-learned)", heldOut))
            print("parameter checksum (FNV-1a 64 of float bits, sorted names): " + checksum(p, names))
        }
    }

    /// Mean query loss after one inner step over 32 held-out tasks, split over the ranks.
    func evaluate(_ p: [String: Tensor], _ comm: any Communicator) throws -> Float {
        let count = 32, reduction = CommunicatorMean(comm)
        let losses = reduction.tasks(of: count).map { ["loss": Tensor(metaGradient(p, step: 0, index: $0, purpose: .evaluation).loss)] }
        return try reduction.mean(losses, layout: FlatLayout([], scalars: ["loss"]), taskCount: count)["loss"]!.scalar
    }

    func checksum(_ p: [String: Tensor], _ names: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in names {
            for v in p[name]!.storage {
                for shift in stride(from: 0, to: 32, by: 8) {
                    hash = (hash ^ UInt64((v.bitPattern >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01b3
                }
            }
        }
        return String(hash, radix: 16)
    }
}
