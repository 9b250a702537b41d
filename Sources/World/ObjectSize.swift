/// The object's size, a nuisance the captions mention (with synonyms).
public enum ObjectSize: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case small, medium, big

    /// The object's nominal radius in pixels on a 32-pixel image (scaled with the image
    /// size); each draw adds a uniform jitter of ±0.5 px (scaled likewise).
    public var radius: Double {
        switch self {
        case .small: 5
        case .medium: 7.5
        case .big: 10.5
        }
    }

    /// The words captions may use for this size; the first is the canonical one.
    public var synonyms: [String] {
        switch self {
        case .small: ["small", "tiny", "little"]
        case .medium: ["medium"]
        case .big: ["big", "large", "huge"]
        }
    }

    public var description: String { synonyms[0] }
}
