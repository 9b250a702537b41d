/// The methods that train, by the names configurations, checkpoints, results and `--method`
/// use (zero-shot, which trains nothing, is ``MethodConfiguration/methods``' one more).
public enum MethodName: String, CaseIterable, Sendable {
    case coop, vpt, ivlp, promptsrc, prometar, gram

    /// Plain prompt tuning (``PromptTuning``): takes the logit and GPA keys and a GRAM start.
    public var isPromptTuning: Bool { [.coop, .vpt, .ivlp, .promptsrc].contains(self) }
}
