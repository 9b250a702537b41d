/// A background as drawn: its kind and every parameter the renderer needs, in pixels of a
/// 32-pixel image (the renderer scales them with the image size).
public enum Background: Sendable, Equatable {
    /// One colour.
    case plain(RGBColor)
    /// Stripes of two colours, `period` pixels per pair. `direction` 0…3 is horizontal,
    /// diagonal (↘), vertical, anti-diagonal (↙) stripes; `phase` in [0, 1) shifts them.
    case striped(RGBColor, RGBColor, direction: Int, period: Double, phase: Double)
    /// A checkerboard of `cell`-pixel squares, shifted by `offset` (pixels).
    case checkered(RGBColor, RGBColor, cell: Double, offsetX: Double, offsetY: Double)
    /// Dots of the second colour, radius `dotRadius`, on a square lattice of `spacing`
    /// pixels shifted by `offset`, over the first colour.
    case dotted(RGBColor, RGBColor, spacing: Double, dotRadius: Double, offsetX: Double, offsetY: Double)
    /// Smooth coloured blotches (downstream only): the colour at `p` is
    /// `(w₀·base + Σᵢ gᵢ(p)·colourᵢ) / (w₀ + Σᵢ gᵢ(p))` with `gᵢ(p) = exp(−|p − centreᵢ|²/(2σᵢ²))`
    /// and `w₀ = 0.3`.
    case blotches(base: RGBColor, [Blotch])

    /// The texture a caption can name; `nil` for blotches, which captions never describe.
    public var texture: BackgroundTexture? {
        switch self {
        case .plain: .plain
        case .striped: .striped
        case .checkered: .checkered
        case .dotted: .dotted
        case .blotches: nil
        }
    }

    /// Whether the background has sharp edges that need supersampling.
    var hasEdges: Bool {
        switch self {
        case .plain, .blotches: false
        case .striped, .checkered, .dotted: true
        }
    }
}

/// One Gaussian blotch of a blotch background.
public struct Blotch: Sendable, Equatable {
    public var centerX: Double
    public var centerY: Double
    /// Standard deviation `σ` in pixels.
    public var spread: Double
    public var color: RGBColor

    public init(centerX: Double, centerY: Double, spread: Double, color: RGBColor) {
        self.centerX = centerX
        self.centerY = centerY
        self.spread = spread
        self.color = color
    }
}
