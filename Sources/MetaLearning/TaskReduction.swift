import AutoDiff

/// How a step's virtual tasks are spread over processes and combined: which tasks this
/// process computes, and the mean over all of them of the per-task vectors (gradients and
/// losses packed in a ``FlatLayout``). A method's step takes it as a parameter, so one step
/// function serves one process (``TaskOrderedMean``) and every rank of a job (the
/// communicator's fixed-point mean in the Training target).
public protocol TaskReduction {
    /// The tasks of a step of `count` this process computes, in order.
    func tasks(of count: Int) -> Range<Int>
    /// (1/T) Σₜ vₜ over all T = `taskCount` tasks, the same on every process.
    /// - Parameter local: this process's tasks' vectors, in the order of ``tasks(of:)``.
    func mean(_ local: [[Float]], layout: FlatLayout, taskCount: Int) throws -> [Float]
}

/// One process computes every task and averages them in task order: Σ in order, then × 1/T
/// (one task's vector untouched).
public struct TaskOrderedMean: TaskReduction {
    public init() {}

    public func tasks(of count: Int) -> Range<Int> { 0..<count }

    public func mean(_ local: [[Float]], layout: FlatLayout, taskCount: Int) throws -> [Float] {
        precondition(taskCount >= 1 && local.count == taskCount && local.allSatisfy { $0.count == layout.count },
                     "mean of \(local.count) vectors of \(taskCount) tasks")
        guard taskCount > 1 else { return local[0] }
        var sum = local[0]
        for v in local.dropFirst() {
            for i in sum.indices { sum[i] += v[i] }
        }
        let scale = 1 / Float(taskCount)
        for i in sum.indices { sum[i] *= scale }
        return sum
    }
}

/// A step that cannot go on: a non-finite loss or gradient, named with its step and task.
public struct StepError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A non-finite value as a message shows it: "nan" whatever its sign bit (Swift prints
    /// "-nan" for a negative one), "inf" or "-inf".
    public static func shown(_ value: Float) -> String { value.isNaN ? "nan" : "\(value)" }
}
