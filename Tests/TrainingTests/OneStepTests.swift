import AutoDiff
import CLIP
import CLIPAdapter
import Distributed
import Foundation
import MetaLearning
import TestSupport
import Testing
import Training

/// The one ProMetaR step (``ProMetaR/step(model:batch:textTarget:state:draws:configuration:promptLR:regulatorLR:reduction:)``)
/// under each reduction: in one process (task order), and over 1, 2 and 3 ranks of a job
/// (``CommunicatorMean``, the ranks as threads with a real `Communicator`).
@Suite(.serialized) struct OneStepTests {
    static let model = Result { try CLIPModel(directory: fixture("tiny-clip")) }
    static let tokenizer = Result { try CLIPTokenizer(modelDirectory: fixture("tiny-clip")) }
    static let classNames = ["circle", "square", "triangle"]

    /// ProMetaR at the tiny model's size (2+2 tokens, depth 2), fresh state, a batch of 6
    /// random images of 3 classes, and the 60-template text target.
    static func setup() throws -> (ProMetaRMethod, CLIPClassifier, LabelledBatch, Tensor) {
        let clip = try model.get(), tok = try tokenizer.get()
        var c = try MethodConfiguration.defaults(for: "prometar")
        (c.textTokens, c.visionTokens, c.textDepth, c.visionDepth) = (2, 2, 2, 2)
        // Rates large enough that the meta step moves every parameter visibly.
        (c.prometar.adaptLR, c.prometar.lrRatio) = (0.05, 1)
        let method = try MethodFactory.make(c, model: clip, tokenizer: tok, seed: 5)
        let classifier = MethodFactory.classifier(c, model: clip, tokenizer: tok, classNames: classNames)
        let target = classifier.frozenTextTarget(templateTokens: CLIPClassifier.templateTokens(tokenizer: tok, classNames: classNames))
        var stream = RandomStream(seed: 7, 2)
        let batch = LabelledBatch(pixels: Tensor.normal([6, 3, 32, 32], stream: &stream), labels: [0, 1, 2, 0, 1, 2])
        return (try #require(method as? ProMetaRMethod), classifier, batch, target)
    }

    /// `steps` steps of T tasks through `reduction`; the state's tensors and the losses of each step.
    static func run(steps: Int = 2, tasks: Int, reduction: any TaskReduction, group: any ShardGroup = SingleProcessGroup.shared,
                    taskGroup: (any ShardGroup)? = nil) throws -> ([String: [Float]], [[String: Float]]) {
        var (method, unsharded, batch, target) = try setup()
        let classifier = unsharded.sharded(over: group), taskClassifier = taskGroup.map { unsharded.sharded(over: $0) }
        method.configuration.tasksPerStep = tasks
        var losses: [[String: Float]] = []
        for step in 0..<steps {
            let context = StepContext(textTarget: target, stream: RandomStream(seed: 1, Trainer.taskPurpose, UInt64(step)),
                                      learningRates: ["prompts": 0.0025, "regulator": 0.00025], reduction: reduction,
                                      taskModel: taskClassifier)
            losses.append(try method.step(model: classifier, batch: batch, context: context))
        }
        var state = method.parameters.mapValues(\.storage)
        for (name, buffer) in method.optimizerState { state[name] = buffer }
        return (state, losses)
    }

    static func overRanks(_ ranks: Int, steps: Int = 2, tasks: Int) throws -> [([String: [Float]], [[String: Float]])] {
        BLAS.setThreadCount(1)
        return try inProcessJob(ranks: ranks) { communicator in
            try run(steps: steps, tasks: tasks, reduction: CommunicatorMean(communicator))
        }
    }

    /// T = 4 tasks over 1, 2 and 3 ranks (shards of 4; 2+2; 2+2+0): every rank of every job
    /// ends with the same bits, and every loss is the same.
    @Test func aJobsStateDoesNotDependOnTheRankCount() throws {
        let (one, oneLosses) = try Self.overRanks(1, tasks: 4)[0]
        for ranks in [2, 3] {
            for (rank, (state, losses)) in try Self.overRanks(ranks, tasks: 4).enumerated() {
                #expect(state == one, "rank \(rank) of \(ranks)")
                #expect(losses == oneLosses, "rank \(rank) of \(ranks)")
            }
        }
        #expect(one.keys.contains("vnet.text.0.0.weight") && one.keys.contains("momentum.vnet.text.0.0.weight"))
    }

    /// One task: the fixed-point mean over a job is not taken (a sum with zeros is exact), so a
    /// job's step is bit-identical to the one-process step the parity tests check.
    @Test func oneTaskOverAJobIsTheOneProcessStep() throws {
        let (plain, plainLosses) = try Self.run(tasks: 1, reduction: TaskOrderedMean())
        for (state, losses) in try Self.overRanks(2, tasks: 1) {
            #expect(state == plain)
            #expect(losses == plainLosses)
        }
    }

    /// Four tasks: the job's fixed-point mean (an exact sum, one rounding) and the one-process
    /// float sum in task order (three roundings, then × 1/4) differ by a few ulps of each
    /// tensor's largest term. One step: every parameter and momentum entry agrees within 1e-6
    /// of its tensor's largest magnitude, and the meta losses to 1e-6 relative. (A second step
    /// would amplify those ulps through the second-order meta-gradient by 10³ and more.)
    @Test func fourTasksOverAJobMatchTheTaskOrderedMean() throws {
        let (plain, plainLosses) = try Self.run(steps: 1, tasks: 4, reduction: TaskOrderedMean())
        let (job, jobLosses) = try Self.overRanks(2, steps: 1, tasks: 4)[0]
        #expect(plain.keys.sorted() == job.keys.sorted())
        for name in plain.keys.sorted() {
            let scale = plain[name]!.map(\.magnitude).max()!
            let worst = compare(job[name]!, plain[name]!, Tolerance(atol: 1e-6 * scale, rtol: 0))
            #expect(worst.passes, "\(name): \(worst)")
        }
        for key in plainLosses[0].keys.sorted() {
            #expect(Tolerance(atol: 0, rtol: 1e-6).allows(jobLosses[0][key]!, plainLosses[0][key]!), "\(key)")
        }
    }

    /// Images and class prompts split over the ranks of a run (the ranks as threads, a real
    /// `Communicator`): 2 and 3 ranks, and 7 — more ranks than the 6 images and 3 classes, so
    /// some ranks hold no image and most no class. Every rank of every job ends with the bits
    /// of one process, second order, at one, two and four tasks: the tasks in ``TaskGroups``
    /// (T = 2 over 2 ranks: a task per rank; over 3 and 7: every rank in each task; T = 4 over
    /// 2: two tasks per rank; over 6: two groups of 3 ranks), each task split over its group.
    @Test func aStepShardedOverARunsRanksIsTheOneProcessStep() throws {
        BLAS.setThreadCount(1)
        for (tasks, rankCounts) in [(1, [2, 3, 7]), (2, [2, 3, 4]), (4, [2, 6])] {
            let (plain, plainLosses) = try Self.run(tasks: tasks, reduction: TaskGroups(run: LocalCommunicator(), taskCount: tasks))
            for ranks in rankCounts {
                let job = try inProcessJob(ranks: ranks) { communicator in
                    let reduction = try TaskGroups(run: communicator, taskCount: tasks)
                    return try Self.run(tasks: tasks, reduction: reduction, group: CommunicatorGroup(communicator),
                                        taskGroup: CommunicatorGroup(reduction.group))
                }
                for (rank, (state, losses)) in job.enumerated() {
                    let differing = plain.keys.sorted().filter { state[$0] != plain[$0] }
                    #expect(state.keys.sorted() == plain.keys.sorted() && differing.isEmpty,
                            "rank \(rank) of \(ranks), T = \(tasks): \(differing.count) tensors differ, first \(differing.first ?? "-")")
                    #expect(losses == plainLosses, "rank \(rank) of \(ranks), T = \(tasks)")
                }
            }
        }
    }

    /// A task's non-finite meta loss stops the step with an error naming the task, before any
    /// update (the caller adds the step and keeps the last checkpoint).
    @Test func aNonFiniteTaskLossNamesTheTask() throws {
        var (method, classifier, batch, target) = try Self.setup()
        method.configuration.tasksPerStep = 2
        method.configuration.lrRatio = Float.infinity
        let context = StepContext(textTarget: target, stream: RandomStream(seed: 1, Trainer.taskPurpose, 0),
                                  learningRates: ["prompts": 0.0025, "regulator": 0.00025])
        #expect { try method.step(model: classifier, batch: batch, context: context) } throws: { error in
            "\(error)".hasPrefix("meta loss is ") && "\(error)".hasSuffix(" in task 0")
        }
    }
}

