import Foundation

/// A source rectangle for ``RGBImage/resizedBicubic(width:height:box:passOrder:)``, in
/// pixel-edge coordinates (`(0, 0, width, height)` is the whole image), as PIL's
/// `resize(box=...)`.
///
/// PIL passes the box to C as `float`s, so the coordinates are `Float` here too.
public struct ResampleBox: Sendable, Equatable {
    public var left: Float
    public var top: Float
    public var right: Float
    public var bottom: Float

    public init(left: Float, top: Float, right: Float, bottom: Float) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }
}

/// Which of the two separable passes PIL runs first. The passes round to 8 bits in between,
/// so the order changes some bytes by a few levels.
public enum ResamplePassOrder: Sendable, Equatable {
    /// Pillow 13.0: vertical first when the height shrinks by more than twice as many pixels
    /// as the width, `(H − h) > 0 && (H − h) > 2·(W − w)` (a tall image or a width upscale
    /// paired with a height downscale), otherwise horizontal first.
    case pillow13
    /// Pillow before 13.0 (checked against 11.3): always horizontal first.
    case horizontalFirst
}

extension RGBImage {
    /// The image resized with PIL's antialiased bicubic filter, byte for byte:
    /// `Image.resize((width, height), Image.BICUBIC, box=box)` on an RGB image.
    ///
    /// A port of Pillow's `ImagingResample` (`src/libImaging/Resample.c`), written from its
    /// semantics:
    /// - Per axis, output sample `i` is centred at `in0 + (i + 0.5)·scale` with
    ///   `scale = (in1 − in0)/out`; the bicubic kernel (`a = −0.5`, support 2) is stretched by
    ///   `max(scale, 1)` (antialiasing when shrinking), evaluated at the input pixel centres
    ///   inside the support (clipped to the image, not to the box), and normalised to sum 1.
    /// - Weights become fixed point with 22 fractional bits (`PRECISION_BITS = 32 − 8 − 2`),
    ///   rounded half away from zero; each output is `(2²¹ + Σ pixel·weight) >> 22` clipped
    ///   to 0...255.
    /// - Two passes, each rounded and clipped to 8 bits, in the order `passOrder` gives; a
    ///   horizontal-first pass reads only the rows the vertical pass needs. A pass is skipped
    ///   when PIL skips it: the horizontal one when `width` equals the source width,
    ///   `box.left == 0` and `box.right == width` (PIL compares with the output width);
    ///   likewise vertically. With both skipped the image is returned as it is.
    ///
    /// - Parameters:
    ///   - width: output columns, `> 0`.
    ///   - height: output rows, `> 0`.
    ///   - box: the source region; `nil` is the whole image.
    ///   - passOrder: which Pillow's pass order to reproduce.
    /// - Precondition: the box lies inside the image and has positive extent.
    public func resizedBicubic(width outWidth: Int, height outHeight: Int, box: ResampleBox? = nil,
                               passOrder: ResamplePassOrder = .pillow13) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "resize to \(outWidth)x\(outHeight): sizes must be positive")
        precondition(width > 0 && height > 0, "cannot resize an empty \(width)x\(height) image")
        let box = box ?? ResampleBox(left: 0, top: 0, right: Float(width), bottom: Float(height))
        precondition(box.left >= 0 && box.top >= 0 && box.right <= Float(width) && box.bottom <= Float(height)
                         && box.right > box.left && box.bottom > box.top,
                     "resample box \(box) is not inside the \(width)x\(height) image")

        let needHorizontal = outWidth != width || box.left != 0 || box.right != Float(outWidth)
        let needVertical = outHeight != height || box.top != 0 || box.bottom != Float(outHeight)
        if !needHorizontal && !needVertical { return self }
        let shrinkY = height - outHeight, shrinkX = width - outWidth
        let horizontalFirst = passOrder == .horizontalFirst || !(shrinkY > 0 && shrinkY > shrinkX * 2)

        let vertical = BicubicAxis(inSize: height, in0: box.top, in1: box.bottom, outSize: outHeight)
        let horizontal = BicubicAxis(inSize: width, in0: box.left, in1: box.right, outSize: outWidth)
        guard horizontalFirst else {
            let rows = needVertical ? verticalPass(vertical, rowOffset: 0) : self
            return needHorizontal ? rows.horizontalPass(horizontal, rows: 0..<rows.height) : rows
        }
        var source = self
        var rowOffset = 0
        if needHorizontal {
            // Only rows first..<last feed the vertical pass.
            let first = vertical.starts[0]
            let last = vertical.starts[outHeight - 1] + vertical.counts[outHeight - 1]
            source = horizontalPass(horizontal, rows: first..<last)
            rowOffset = first
        }
        return needVertical ? source.verticalPass(vertical, rowOffset: rowOffset) : source
    }

    /// Resamples rows `rows` of the image along x; the result has `rows.count` rows.
    private func horizontalPass(_ axis: BicubicAxis, rows: Range<Int>) -> RGBImage {
        let outWidth = axis.outSize, kernelSize = axis.kernelSize
        var out = [UInt8](repeating: 0, count: outWidth * rows.count * 3)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                axis.weights.withUnsafeBufferPointer { weights in
                    axis.starts.withUnsafeBufferPointer { starts in
                        axis.counts.withUnsafeBufferPointer { counts in
                            for (row, y) in rows.enumerated() {
                                // source row y is (width, 3); target row is (outWidth, 3)
                                let line = source.baseAddress! + y * width * 3
                                let outLine = target.baseAddress! + row * outWidth * 3
                                for xx in 0..<outWidth {
                                    let taps = line + starts[xx] * 3
                                    let k = weights.baseAddress! + xx * kernelSize
                                    // Wrapping arithmetic, as C int: |sum| ≤ 255 · Σ|w| ≈ 255 · 1.1 · 2²² < 2³¹.
                                    var s0 = BicubicAxis.half, s1 = BicubicAxis.half, s2 = BicubicAxis.half
                                    for x in 0..<counts[xx] {
                                        let w = k[x]
                                        s0 &+= Int32(taps[x * 3]) &* w
                                        s1 &+= Int32(taps[x * 3 + 1]) &* w
                                        s2 &+= Int32(taps[x * 3 + 2]) &* w
                                    }
                                    outLine[xx * 3] = BicubicAxis.clip8(s0)
                                    outLine[xx * 3 + 1] = BicubicAxis.clip8(s1)
                                    outLine[xx * 3 + 2] = BicubicAxis.clip8(s2)
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: out)
    }

    /// Resamples along y; source row `r` of the axis is row `r − rowOffset` of this image.
    ///
    /// Accumulates whole rows (weight × row added into an `Int32` row) so the inner loop runs
    /// over contiguous bytes; the sums are the same integers as PIL's per-pixel loop.
    private func verticalPass(_ axis: BicubicAxis, rowOffset: Int) -> RGBImage {
        let outHeight = axis.outSize, kernelSize = axis.kernelSize
        let stride = width * 3
        var out = [UInt8](repeating: 0, count: outHeight * stride)
        var sums = [Int32](repeating: 0, count: stride)  // one output row, (width · 3)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                sums.withUnsafeMutableBufferPointer { sums in
                    for yy in 0..<outHeight {
                        let start = axis.starts[yy] - rowOffset
                        for i in 0..<stride { sums[i] = BicubicAxis.half }
                        for y in 0..<axis.counts[yy] {
                            let w = axis.weights[yy * kernelSize + y]
                            let line = source.baseAddress! + (start + y) * stride
                            for i in 0..<stride { sums[i] &+= Int32(line[i]) &* w }
                        }
                        let outLine = target.baseAddress! + yy * stride
                        for i in 0..<stride { outLine[i] = BicubicAxis.clip8(sums[i]) }
                    }
                }
            }
        }
        return RGBImage(width: width, height: outHeight, pixels: out)
    }
}

/// PIL's bicubic resampling coefficients along one axis (`precompute_coeffs` followed by
/// `normalize_coeffs_8bpc`).
struct BicubicAxis {
    /// Fractional bits of the fixed-point weights: `32 − 8 − 2` leaves room for 8-bit pixels
    /// and for kernels whose partial sums exceed 1 or drop below 0.
    static let precisionBits: Int32 = 22
    /// The rounding offset every sum starts from, `2^(precisionBits − 1)`.
    static let half: Int32 = 1 << 21

    let outSize: Int
    /// Weights per output sample (the stride of ``weights``).
    let kernelSize: Int
    /// First input index of each output sample.
    let starts: [Int]
    /// Number of input samples of each output sample.
    let counts: [Int]
    /// `outSize × kernelSize` fixed-point weights; unused slots are 0.
    let weights: [Int32]

    init(inSize: Int, in0: Float, in1: Float, outSize: Int) {
        // The box difference is taken in float, as PIL's C code does.
        let scale = Double(in1 - in0) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        let kernelSize = Int(ceil(support)) * 2 + 1
        let inverseFilterScale = 1.0 / filterScale
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * kernelSize)
        var k = [Double](repeating: 0, count: kernelSize)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            // C's (int) truncates toward zero; both bounds are then clamped to the image.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let w = Self.bicubic((Double(x + xmin) - center + 0.5) * inverseFilterScale)
                k[x] = w
                total += w
            }
            for x in 0..<xmax {
                let w = total != 0 ? k[x] / total : k[x]
                // Round half away from zero, then truncate: (int)(±0.5 + w·2²²).
                let scaled = w * Double(1 << Self.precisionBits)
                weights[xx * kernelSize + x] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            starts[xx] = xmin
            counts[xx] = xmax
        }
        self.outSize = outSize
        self.kernelSize = kernelSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }

    /// Keys' cubic convolution kernel with `a = −0.5`, in PIL's evaluation order:
    /// `((a + 2)|x| − (a + 3))x² + 1` for `|x| < 1`, `(((|x| − 5)|x| + 8)|x| − 4)·a` for `|x| < 2`.
    static func bicubic(_ x: Double) -> Double {
        let a = -0.5
        let x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// A fixed-point sum back to a byte, clipped to 0...255.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let value = sum >> precisionBits
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(value)
    }
}
