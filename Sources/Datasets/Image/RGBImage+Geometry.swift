extension RGBImage {
    /// The `width × height` region whose top-left pixel is `(left, top)`, as PIL's
    /// `crop((left, top, left + width, top + height))`: pixels outside the image are black.
    ///
    /// - Precondition: `width, height ≥ 0`.
    public func cropped(left: Int, top: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth >= 0 && cropHeight >= 0, "crop size \(cropWidth)x\(cropHeight) is negative")
        if left == 0 && top == 0 && cropWidth == width && cropHeight == height { return self }
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        // Columns of the crop that fall inside the image.
        let x0 = max(0, -left), x1 = min(cropWidth, width - left)
        if x1 > x0 {
            for row in 0..<cropHeight {
                let y = top + row
                guard y >= 0 && y < height else { continue }
                let from = (y * width + left + x0) * 3
                let to = (row * cropWidth + x0) * 3
                let count = (x1 - x0) * 3
                out.replaceSubrange(to..<(to + count), with: pixels[from..<(from + count)])
            }
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: out)
    }

    /// The mirror image, left to right (PIL's `transpose(FLIP_LEFT_RIGHT)`, torchvision's `hflip`).
    public func flippedHorizontally() -> RGBImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                let from = (y * width + x) * 3, to = (y * width + width - 1 - x) * 3
                out[to] = pixels[from]
                out[to + 1] = pixels[from + 1]
                out[to + 2] = pixels[from + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// The central `width × height` region: torchvision's `CenterCrop` on a PIL image.
    ///
    /// The offset along each axis is `int(round((size − crop) / 2.0))` with Python's
    /// round-half-to-even. Along an axis where the crop is larger than the image, torchvision
    /// first pads with black, `(crop − size) // 2` before and the rest after, so the image
    /// lands at that offset.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        func offset(_ size: Int, _ crop: Int) -> Int {
            if crop > size { return -((crop - size) / 2) }
            return Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
        }
        return cropped(left: offset(width, cropWidth), top: offset(height, cropHeight),
                       width: cropWidth, height: cropHeight)
    }
}
