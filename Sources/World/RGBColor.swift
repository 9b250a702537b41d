/// A colour with red, green and blue in [0, 1] (sRGB values, no gamma handling: the world
/// mixes colours as the bytes an image holds).
public struct RGBColor: Sendable, Equatable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The colour of hue `hue` (degrees, any value; taken modulo 360), saturation and value
    /// in [0, 1]: the standard hexcone HSV model (Smith 1978).
    ///
    ///     C = V·S,  H' = (H mod 360)/60,  X = C·(1 − |H' mod 2 − 1|),  m = V − C
    ///
    /// and `(R, G, B) = (C, X, 0) … (C, 0, X)` by sextant, each plus `m`.
    public init(hue: Double, saturation: Double, value: Double) {
        var h = hue.truncatingRemainder(dividingBy: 360)
        if h < 0 { h += 360 }
        let sector = h / 60
        let c = value * saturation
        let x = c * (1 - abs(sector.truncatingRemainder(dividingBy: 2) - 1))
        let m = value - c
        let (r, g, b): (Double, Double, Double)
        switch Int(sector) {
        case 0: (r, g, b) = (c, x, 0)
        case 1: (r, g, b) = (x, c, 0)
        case 2: (r, g, b) = (0, c, x)
        case 3: (r, g, b) = (0, x, c)
        case 4: (r, g, b) = (x, 0, c)
        default: (r, g, b) = (c, 0, x)
        }
        self.init(red: r + m, green: g + m, blue: b + m)
    }

    /// Hue in degrees `[0, 360)`, saturation and value in [0, 1] (hue 0 for greys).
    public var hsv: (hue: Double, saturation: Double, value: Double) {
        let maximum = max(red, green, blue), minimum = min(red, green, blue)
        let chroma = maximum - minimum
        var hue = 0.0
        if chroma > 0 {
            if maximum == red {
                hue = 60 * ((green - blue) / chroma)
            } else if maximum == green {
                hue = 60 * ((blue - red) / chroma + 2)
            } else {
                hue = 60 * ((red - green) / chroma + 4)
            }
            if hue < 0 { hue += 360 }
        }
        return (hue, maximum > 0 ? chroma / maximum : 0, maximum)
    }

    /// `self·(1 − t) + other·t`, channel by channel.
    func mixed(with other: RGBColor, _ t: Double) -> RGBColor {
        RGBColor(red: red + (other.red - red) * t,
                 green: green + (other.green - green) * t,
                 blue: blue + (other.blue - blue) * t)
    }
}
