/// Why an evaluation cannot run. Every case names the file and, where there is one, the
/// tensor and its shape.
public enum EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A learned-prompts file that does not fit the model: a missing `text.ctx`/`vision.ctx`,
    /// a wrong width, a gap in the deep prompts, or no prompt tensor at all.
    case badPrompts(path: String, message: String)
    /// The chosen split of the dataset holds no image (after base/new subsampling).
    case emptySplit(split: String, listFile: String)
    /// A zero-shot template without the `{}` slot for the class name.
    case templateWithoutPlaceholder(template: String)
    /// A results file (for the base-to-new summary) that cannot be used.
    case badResults(path: String, message: String)

    public var description: String {
        switch self {
        case let .badPrompts(path, message):
            "\(path): \(message)"
        case let .emptySplit(split, listFile):
            "\(listFile): the \(split) split holds no images"
        case let .templateWithoutPlaceholder(template):
            "template '\(template)' has no '{}' for the class name"
        case let .badResults(path, message):
            "\(path): \(message)"
        }
    }
}
