import AutoDiff
import Datasets
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws a ``WorldScene`` into an 8-bit RGB image.
///
/// For each pixel:
/// 1. the background colour: blotches and plain colours at the pixel centre; stripes,
///    checks and dots as the mean of `s×s` sub-samples at `((x + (i + ½)/s), (y + (j + ½)/s))`;
/// 2. the object's coverage `κ`: the fraction of the same `s×s` sub-samples inside the shape,
///    so edges are anti-aliased; the pixel is `background·(1 − κ) + object·κ`;
/// 3. `v ← (v − ½)·contrast + ½ + brightness` per channel;
/// 4. plus `σ/255 · z`, `z` one ``RandomStream/normal()`` per channel in raster order
///    (row, column, channel) from the noise stream, when `σ > 0`;
/// 5. the byte `clamp(round(255·v), 0, 255)`.
///
/// Scene coordinates are for a 32-pixel image and are scaled by `imageSize/32`.
public enum WorldRenderer {
    /// Renders `scene` as an `imageSize × imageSize` image.
    ///
    /// - Parameters:
    ///   - imageSize: width and height in pixels.
    ///   - supersampling: sub-samples per axis `s ≥ 1`.
    ///   - noise: the stream pixel noise is drawn from; only read when the scene has noise.
    public static func render(_ scene: WorldScene, imageSize: Int = 32, supersampling: Int = 4,
                              noise: RandomStream? = nil) -> RGBImage {
        precondition(imageSize >= 1 && supersampling >= 1,
                     "render needs a positive size and supersampling, got \(imageSize) and \(supersampling)")
        precondition(scene.noiseStandardDeviation == 0 || noise != nil,
                     "a scene with pixel noise σ \(scene.noiseStandardDeviation) needs a noise stream")
        let scale = Double(imageSize) / 32
        let s = supersampling
        let offsets = (0..<s).map { (Double($0) + 0.5) / Double(s) }
        let samples = Double(s * s)
        // The object's bounding box in pixels of the output image; pixels outside need no
        // coverage test.
        let cx = scene.centerX * scale, cy = scene.centerY * scale, r = scene.radius * scale
        let boxLow = (x: Int((cx - r).rounded(.down)), y: Int((cy - r).rounded(.down)))
        let boxHigh = (x: Int((cx + r).rounded(.down)), y: Int((cy + r).rounded(.down)))
        var noiseStream = noise
        let sigma = scene.noiseStandardDeviation
        /// Steps 3–5 for one channel value.
        func finish(_ value: Double, _ noise: inout RandomStream?) -> UInt8 {
            var v = (value - 0.5) * scene.contrast + 0.5 + scene.brightness
            if sigma > 0 { v += sigma / 255 * noise!.normal() }
            return UInt8(min(max((v * 255).rounded(), 0), 255))
        }
        let (firstColor, secondColor) = backgroundColors(scene.background)
        var pixels = [UInt8](repeating: 0, count: imageSize * imageSize * 3)
        for y in 0..<imageSize {
            for x in 0..<imageSize {
                var color: RGBColor
                if scene.background.hasEdges {
                    var fraction = 0.0
                    for oy in offsets {
                        for ox in offsets where secondColorCovers(scene.background, (Double(x) + ox) / scale,
                                                                  (Double(y) + oy) / scale) {
                            fraction += 1
                        }
                    }
                    color = firstColor.mixed(with: secondColor, fraction / samples)
                } else {
                    color = smoothBackground(scene.background, (Double(x) + 0.5) / scale, (Double(y) + 0.5) / scale)
                }
                if x >= boxLow.x && x <= boxHigh.x && y >= boxLow.y && y <= boxHigh.y {
                    var inside = 0.0
                    for oy in offsets {
                        let v = (Double(y) + oy - cy) / r
                        for ox in offsets where scene.shape.contains((Double(x) + ox - cx) / r, v) {
                            inside += 1
                        }
                    }
                    if inside > 0 { color = color.mixed(with: scene.objectColor, inside / samples) }
                }
                let base = (y * imageSize + x) * 3
                pixels[base] = finish(color.red, &noiseStream)
                pixels[base + 1] = finish(color.green, &noiseStream)
                pixels[base + 2] = finish(color.blue, &noiseStream)
            }
        }
        return RGBImage(width: imageSize, height: imageSize, pixels: pixels)
    }

    /// The two colours of a textured background.
    private static func backgroundColors(_ background: Background) -> (RGBColor, RGBColor) {
        switch background {
        case .striped(let a, let b, _, _, _), .checkered(let a, let b, _, _, _), .dotted(let a, let b, _, _, _, _):
            (a, b)
        case .plain(let a), .blotches(let a, _):
            (a, a)
        }
    }

    /// Whether the point `(x, y)` (32-pixel coordinates) shows a textured background's
    /// second colour.
    private static func secondColorCovers(_ background: Background, _ x: Double, _ y: Double) -> Bool {
        switch background {
        case .striped(_, _, let direction, let period, let phase):
            // Projection on the stripes' normal; diagonals use (x ± y)/√2.
            let t: Double
            switch direction {
            case 0: t = y
            case 1: t = (x - y) * 0.707_106_781_186_547_6
            case 2: t = x
            default: t = (x + y) * 0.707_106_781_186_547_6
            }
            let u = t / period + phase
            return u - u.rounded(.down) < 0.5
        case .checkered(_, _, let cell, let offsetX, let offsetY):
            let i = Int(((x + offsetX) / cell).rounded(.down)), j = Int(((y + offsetY) / cell).rounded(.down))
            return (i + j) & 1 == 1
        case .dotted(_, _, let spacing, let dotRadius, let offsetX, let offsetY):
            let u = x + offsetX, v = y + offsetY
            let du = u - (u / spacing).rounded() * spacing, dv = v - (v / spacing).rounded() * spacing
            return du * du + dv * dv <= dotRadius * dotRadius
        case .plain, .blotches:
            return false
        }
    }

    /// The colour of a plain or blotch background at `(x, y)` (32-pixel coordinates).
    private static func smoothBackground(_ background: Background, _ x: Double, _ y: Double) -> RGBColor {
        switch background {
        case .blotches(let base, let blotches):
            let w0 = 0.3
            var red = w0 * base.red, green = w0 * base.green, blue = w0 * base.blue, total = w0
            for blotch in blotches {
                let dx = x - blotch.centerX, dy = y - blotch.centerY
                let g = exp(-(dx * dx + dy * dy) / (2 * blotch.spread * blotch.spread))
                red += g * blotch.color.red
                green += g * blotch.color.green
                blue += g * blotch.color.blue
                total += g
            }
            return RGBColor(red: red / total, green: green / total, blue: blue / total)
        default:
            return backgroundColors(background).0
        }
    }
}
