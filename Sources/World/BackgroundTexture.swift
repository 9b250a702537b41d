/// The background textures of the pretraining domain, the kinds captions can name.
public enum BackgroundTexture: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case plain, striped, checkered, dotted

    /// The words captions may use for this texture; the first is the canonical one.
    public var synonyms: [String] {
        switch self {
        case .plain: ["plain", "blank"]
        case .striped: ["striped", "stripy"]
        case .checkered: ["checkered", "checked"]
        case .dotted: ["dotted", "spotted"]
        }
    }

    public var description: String { synonyms[0] }
}
