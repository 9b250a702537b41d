/// What one evaluation produced: predictions, metrics and (when kept) the logits.
public struct EvaluationResult: Sendable {
    /// Ground-truth labels in set order (N).
    public var labels: [Int]
    /// argmax of each row of the logits (N); ties go to the lower class, as `torch.max`.
    public var predictions: [Int]
    /// `exp(logit_scale)·cos(image, class)`, (N, C) row-major; `nil` unless asked for.
    public var logits: [Float]?
    /// C.
    public var classCount: Int
    public var metrics: EvaluationMetrics

    public init(labels: [Int], predictions: [Int], logits: [Float]?, classCount: Int, metrics: EvaluationMetrics) {
        self.labels = labels
        self.predictions = predictions
        self.logits = logits
        self.classCount = classCount
        self.metrics = metrics
    }
}
