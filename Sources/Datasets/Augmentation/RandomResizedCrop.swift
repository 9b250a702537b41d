import AutoDiff
import Foundation

/// A crop rectangle in pixels: `width × height` from column `left`, row `top`.
public struct CropRect: Sendable, Equatable, CustomStringConvertible {
    public var left: Int
    public var top: Int
    public var width: Int
    public var height: Int

    public init(left: Int, top: Int, width: Int, height: Int) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)x\(height)+\(left)+\(top)" }
}

/// torchvision's `RandomResizedCrop(size, scale, ratio, interpolation=BICUBIC)`, with the
/// random draws taken from a ``RandomStream``.
///
/// ``parameters(width:height:stream:)`` is `RandomResizedCrop.get_params`: up to 10 attempts
/// of
///
///     target_area = W·H · U(scale)
///     aspect      = exp(U(log ratio.lower, log ratio.upper))
///     w = round(√(target_area · aspect)),  h = round(√(target_area / aspect))
///
/// (Python's round, half to even), accepted when `0 < w ≤ W` and `0 < h ≤ H`, and then
/// `top = int(0...H − h)`, `left = int(0...W − w)`. If no attempt fits, the centre crop of the
/// whole image clamped to the ratio range. The crop is then resized to `size × size` with
/// PIL's bicubic (crop first, then resize — what `F.resized_crop` does to a PIL image).
///
/// Draws per attempt: two ``RandomStream/uniformDouble()`` (area fraction, then log-ratio);
/// on acceptance two ``RandomStream/int(in:)`` (top, then left). Computed in `Double` with
/// the C library's `log`, `exp` and `sqrt` (torch draws in float32; with a different
/// generator the crops differ from torch's anyway, so only the distribution is matched).
public struct RandomResizedCrop: Sendable, Equatable {
    /// Output side length.
    public var size: Int
    /// Range of the crop's area as a fraction of the image's.
    public var scale: ClosedRange<Double>
    /// Range of the crop's aspect ratio, width / height.
    public var ratio: ClosedRange<Double>
    /// Which Pillow's resize to reproduce.
    public var passOrder: ResamplePassOrder = .pillow13

    /// torchvision's defaults: `scale = (0.08, 1.0)`, `ratio = (3/4, 4/3)`.
    public init(size: Int, scale: ClosedRange<Double> = 0.08...1.0, ratio: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0)) {
        precondition(size > 0, "RandomResizedCrop size must be positive, got \(size)")
        precondition(scale.lowerBound > 0 && ratio.lowerBound > 0, "scale \(scale) and ratio \(ratio) must be positive")
        self.size = size
        self.scale = scale
        self.ratio = ratio
    }

    /// The crop for a `width × height` image (`get_params`).
    public func parameters(width: Int, height: Int, stream: inout RandomStream) -> CropRect {
        precondition(width > 0 && height > 0, "cannot crop an empty \(width)x\(height) image")
        let area = Double(width * height)
        let logLower = log(ratio.lowerBound), logUpper = log(ratio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * stream.uniformDouble())
            let aspect = exp(logLower + (logUpper - logLower) * stream.uniformDouble())
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= width && h > 0 && h <= height {
                let top = stream.int(in: 0..<(height - h + 1))
                let left = stream.int(in: 0..<(width - w + 1))
                return CropRect(left: left, top: top, width: w, height: h)
            }
        }
        // Fallback: the whole image, cut to the nearest allowed aspect ratio, centred.
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return CropRect(left: (width - w) / 2, top: (height - h) / 2, width: w, height: h)
    }

    /// Crops `image` to `rect` and resizes it to `size × size` with PIL's bicubic.
    public func apply(_ rect: CropRect, to image: RGBImage) -> RGBImage {
        image.cropped(left: rect.left, top: rect.top, width: rect.width, height: rect.height)
            .resizedBicubic(width: size, height: size, passOrder: passOrder)
    }
}
