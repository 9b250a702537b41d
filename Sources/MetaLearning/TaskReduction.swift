import AutoDiff

/// How a step's virtual tasks are spread over processes and combined: which tasks this
/// process computes, and the mean over all of them of each task's named tensors (gradients,
/// and losses as scalars). A method's step takes it as a parameter, so one step function
/// serves one process (``TaskOrderedMean``) and every rank of a job (the communicator's
/// fixed-point mean, `CommunicatorMean` in the Training target).
public protocol TaskReduction {
    /// The tasks of a step of `count` this process computes, in order.
    func tasks(of count: Int) -> Range<Int>
    /// (1/T) Σₜ vₜ over all T = `taskCount` tasks for every entry of `layout`, the same on
    /// every process.
    /// - Parameters:
    ///   - local: this process's tasks' tensors, in the order of ``tasks(of:)``, each holding
    ///     every entry of `layout` (possibly none: a rank with no task).
    ///   - layout: the entries' names and shapes, the same on every process.
    func mean(_ local: [[String: Tensor]], layout: FlatLayout, taskCount: Int) throws -> [String: Tensor]
}

/// One process computes every task and averages them in task order: Σ in order, then × 1/T;
/// one task's tensors are returned as they are (no copy).
public struct TaskOrderedMean: TaskReduction {
    public init() {}

    public func tasks(of count: Int) -> Range<Int> { 0..<count }

    public func mean(_ local: [[String: Tensor]], layout: FlatLayout, taskCount: Int) throws -> [String: Tensor] {
        precondition(taskCount >= 1 && local.count == taskCount, "mean of \(local.count) tasks' values of \(taskCount) tasks")
        guard taskCount > 1 else { return local[0] }
        let scale = 1 / Float(taskCount)
        var out: [String: Tensor] = [:]
        for name in layout.names {
            out[name] = local.dropFirst().reduce(local[0][name]!) { $0 + $1[name]! } * scale
        }
        return out
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
