import AutoDiff

extension RGBImage {
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
