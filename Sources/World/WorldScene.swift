import AutoDiff

/// Everything one image shows, in pixels of a 32-pixel image: the object (colour, shape,
/// size, where, in which exact colour), the background and the photometric jitter.
///
/// Scenes are sampled by ``sample(color:shape:shift:from:)`` and drawn by ``WorldRenderer``;
/// captions are written from the scene by ``CaptionWriter``.
public struct WorldScene: Sendable, Equatable {
    public var color: ObjectColor
    public var shape: ObjectShape
    public var size: ObjectSize
    /// Object centre, pixels from the top-left corner (32-pixel image).
    public var centerX: Double
    public var centerY: Double
    /// Object radius in pixels (32-pixel image).
    public var radius: Double
    /// The object's colour after the domain's hue rotation and desaturation.
    public var objectColor: RGBColor
    public var background: Background
    /// Contrast factor `c` and brightness offset `b` of `v ← (v − ½)·c + ½ + b`.
    public var contrast: Double
    public var brightness: Double
    /// Pixel-noise standard deviation on the 0–255 scale (0: none).
    public var noiseStandardDeviation: Double

    public init(color: ObjectColor, shape: ObjectShape, size: ObjectSize, centerX: Double, centerY: Double,
                radius: Double, objectColor: RGBColor, background: Background, contrast: Double = 1,
                brightness: Double = 0, noiseStandardDeviation: Double = 0) {
        self.color = color
        self.shape = shape
        self.size = size
        self.centerX = centerX
        self.centerY = centerY
        self.radius = radius
        self.objectColor = objectColor
        self.background = background
        self.contrast = contrast
        self.brightness = brightness
        self.noiseStandardDeviation = noiseStandardDeviation
    }

    /// Samples the nuisances of a scene showing a `color` `shape`, in the domain `shift`.
    ///
    /// Draws from `stream`, in this order (``RandomStream`` words are consumed in order, so
    /// the order is part of the format):
    /// 1. size: `int(below: 3)`; radius jitter `U[−½, ½)` px;
    /// 2. centre x, then y: `U[r + 1, 31 − r)` px, so the object stays a pixel inside the frame;
    /// 3. object colour: hue jitter `U[−6°, 6°)`, saturation `U[0.7, 1)`, value `U[0.75, 1)`;
    ///    the hue is then rotated by `shift.hueRotation` and the saturation multiplied by
    ///    `shift.saturationScale`;
    /// 4. background (``sampleTexture(from:)`` or ``sampleBlotches(from:)``);
    /// 5. contrast `1 + contrastJitter·U[−1, 1)`, then brightness `brightnessJitter·U[−1, 1)`
    ///    (both drawn even when the jitter is 0, so a domain's numbers keep their positions).
    ///
    /// Every uniform is one ``RandomStream/uniformDouble()`` (two words) mapped affinely.
    public static func sample(color: ObjectColor, shape: ObjectShape, shift: DomainShift,
                              from stream: inout RandomStream) -> WorldScene {
        let size = ObjectSize.allCases[stream.int(below: ObjectSize.allCases.count)]
        let radius = size.radius + stream.uniform(-0.5, 0.5)
        let centerX = stream.uniform(radius + 1, 31 - radius)
        let centerY = stream.uniform(radius + 1, 31 - radius)
        let hue = color.hue + stream.uniform(-6, 6) + shift.hueRotation
        let saturation = stream.uniform(0.7, 1) * shift.saturationScale
        let value = stream.uniform(0.75, 1)
        let background = shift.blotchBackgrounds ? sampleBlotches(from: &stream) : sampleTexture(from: &stream)
        let contrast = 1 + shift.contrastJitter * stream.uniform(-1, 1)
        let brightness = shift.brightnessJitter * stream.uniform(-1, 1)
        return WorldScene(color: color, shape: shape, size: size, centerX: centerX, centerY: centerY,
                          radius: radius, objectColor: RGBColor(hue: hue, saturation: min(saturation, 1), value: value),
                          background: background, contrast: contrast, brightness: brightness,
                          noiseStandardDeviation: shift.noiseStandardDeviation)
    }

    /// A pretraining background in muted colours. Draws: texture `int(below: 4)`; the first
    /// colour's hue `U[0, 360)`, saturation `U[0.05, 0.3)`, value `U[0.3, 0.7)`; the second
    /// colour has the same hue and saturation and its value moved by `U[0.12, 0.25)`, up when
    /// a further `U[0, 1) < ½` or when moving down would leave fewer than 0.05 (then clamped
    /// to 0.95); then the texture's own parameters:
    /// - striped: direction `int(below: 4)`, period `U[4, 9)`, phase `U[0, 1)`;
    /// - checkered: cell `U[3, 6.5)`, offsets x, y `U[0, cell)`;
    /// - dotted: spacing `U[5, 8.5)`, dot radius `U[1, 1.7)`, offsets x, y `U[0, spacing)`.
    static func sampleTexture(from stream: inout RandomStream) -> Background {
        let texture = BackgroundTexture.allCases[stream.int(below: BackgroundTexture.allCases.count)]
        let hue = stream.uniform(0, 360)
        let saturation = stream.uniform(0.05, 0.3)
        let value = stream.uniform(0.3, 0.7)
        let step = stream.uniform(0.12, 0.25)
        let up = stream.uniform(0, 1) < 0.5 || value - step < 0.05
        let first = RGBColor(hue: hue, saturation: saturation, value: value)
        let second = RGBColor(hue: hue, saturation: saturation, value: up ? min(value + step, 0.95) : value - step)
        switch texture {
        case .plain:
            return .plain(first)
        case .striped:
            let direction = stream.int(below: 4)
            let period = stream.uniform(4, 9)
            return .striped(first, second, direction: direction, period: period, phase: stream.uniform(0, 1))
        case .checkered:
            let cell = stream.uniform(3, 6.5)
            let offsetX = stream.uniform(0, cell)
            return .checkered(first, second, cell: cell, offsetX: offsetX, offsetY: stream.uniform(0, cell))
        case .dotted:
            let spacing = stream.uniform(5, 8.5)
            let dotRadius = stream.uniform(1, 1.7)
            let offsetX = stream.uniform(0, spacing)
            return .dotted(first, second, spacing: spacing, dotRadius: dotRadius,
                           offsetX: offsetX, offsetY: stream.uniform(0, spacing))
        }
    }

    /// A downstream blotch background. Draws: base hue `U[0, 360)`, saturation `U[0.2, 0.5)`,
    /// value `U[0.35, 0.75)`; the number of blotches `3 + int(below: 3)`; per blotch its
    /// centre x, y `U[−4, 36)`, spread `U[4, 10)`, hue `U[0, 360)`, saturation `U[0.3, 0.6)`,
    /// value `U[0.3, 0.8)`.
    static func sampleBlotches(from stream: inout RandomStream) -> Background {
        let hue = stream.uniform(0, 360)
        let saturation = stream.uniform(0.2, 0.5)
        let base = RGBColor(hue: hue, saturation: saturation, value: stream.uniform(0.35, 0.75))
        let count = 3 + stream.int(below: 3)
        var blotches: [Blotch] = []
        for _ in 0..<count {
            let x = stream.uniform(-4, 36)
            let y = stream.uniform(-4, 36)
            let spread = stream.uniform(4, 10)
            let blotchHue = stream.uniform(0, 360)
            let blotchSaturation = stream.uniform(0.3, 0.6)
            let color = RGBColor(hue: blotchHue, saturation: blotchSaturation, value: stream.uniform(0.3, 0.8))
            blotches.append(Blotch(centerX: x, centerY: y, spread: spread, color: color))
        }
        return .blotches(base: base, blotches)
    }
}

extension RandomStream {
    /// `low + (high − low)·u` with `u` = ``uniformDouble()``: uniform in `[low, high)`.
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniformDouble()
    }
}
