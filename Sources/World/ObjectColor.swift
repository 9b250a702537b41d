/// The eight object colours of the world, in label order.
///
/// The first four (red, yellow, green, blue) are the base classes' colours; the last four sit
/// between them on the hue circle, so every new colour has base colours on both sides:
///
///     hue (°)   0    30     60     120    180   240   275     320
///              red orange yellow green  cyan  blue purple  pink
public enum ObjectColor: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case red, yellow, green, blue, orange, cyan, purple, pink

    /// The word captions and class names use.
    public var name: String {
        switch self {
        case .red: "red"
        case .yellow: "yellow"
        case .green: "green"
        case .blue: "blue"
        case .orange: "orange"
        case .cyan: "cyan"
        case .purple: "purple"
        case .pink: "pink"
        }
    }

    /// The nominal hue in degrees, `[0, 360)`.
    public var hue: Double {
        switch self {
        case .red: 0
        case .yellow: 60
        case .green: 120
        case .blue: 240
        case .orange: 30
        case .cyan: 180
        case .purple: 275
        case .pink: 320
        }
    }

    public var description: String { name }
}
