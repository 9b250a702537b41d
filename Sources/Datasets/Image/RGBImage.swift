/// An 8-bit RGB image: what PIL holds after `Image.open(path).convert("RGB")`.
///
/// Pixels are row-major and interleaved, `(height, width, 3)`: channel `c` of the pixel in
/// column `x`, row `y` is `pixels[(y · width + x) · 3 + c]`.
public struct RGBImage: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// The interleaved RGB bytes; `count == width · height · 3`.
    public let pixels: [UInt8]

    /// Wraps `pixels`, laid out `(height, width, 3)`.
    ///
    /// - Precondition: `width, height ≥ 0` and `pixels.count == width · height · 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "\(pixels.count) bytes cannot fill a \(width)x\(height) RGB image (\(width * height * 3))")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Channel `channel` (0 red, 1 green, 2 blue) of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < 3,
                     "pixel (\(x), \(y), \(channel)) outside a \(width)x\(height) RGB image")
        return pixels[(y * width + x) * 3 + channel]
    }
}
