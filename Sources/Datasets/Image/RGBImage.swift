import AutoDiff

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

    /// The image as a normalised `(3, height, width)` tensor, channel-major.
    ///
    ///     out[c, y, x] = (Float(pixel[y, x, c]) / 255 − mean[c]) / std[c]
    ///
    /// evaluated in `Float` in that order: torchvision's `ToTensor` (a float32 division by 255)
    /// followed by `Normalize(mean, std)` (`sub_` then `div_` with float32 constants), so the
    /// values are bit-identical to the PyTorch pipeline's.
    ///
    /// - Parameters:
    ///   - mean: per-channel mean, 3 values.
    ///   - std: per-channel standard deviation, 3 nonzero values.
    public func normalizedTensor(mean: [Float], std: [Float]) -> Tensor {
        precondition(mean.count == 3 && std.count == 3,
                     "normalisation needs 3 means and 3 stds, got \(mean.count) and \(std.count)")
        precondition(std.allSatisfy { $0 != 0 }, "normalisation std must be nonzero, got \(std)")
        let plane = width * height
        var values = [Float](repeating: 0, count: 3 * plane)
        pixels.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { out in
                for channel in 0..<3 {
                    let m = mean[channel], s = std[channel]
                    let base = channel * plane
                    for i in 0..<plane {
                        out[base + i] = (Float(source[i * 3 + channel]) / 255 - m) / s
                    }
                }
            }
        }
        return Tensor(shape: [3, height, width], values: values)
    }
}
