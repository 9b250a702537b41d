import AutoDiff
import TensorIO

/// CLIP's evaluation preprocessing, identical to OpenAI's `clip._transform(n_px)`:
///
///     Resize(shortestEdge, interpolation=BICUBIC)   # PIL bicubic, antialiased
///     CenterCrop(cropHeight, cropWidth)
///     ToTensor()                                    # / 255
///     Normalize(mean, std)
///
/// applied to an RGB image. The resize scales the short side to `shortestEdge` and the long
/// side to `int(shortestEdge · long / short)` (torchvision's rule, truncating), using
/// ``RGBImage/resizedBicubic(width:height:box:passOrder:)``, PIL's resampler byte for byte.
/// The output is a `(3, cropHeight, cropWidth)` Float32 ``Tensor``, channel-major.
///
/// ```swift
/// let preprocess = try CLIPPreprocessor(configFile: "\(model)/preprocessor_config.json")
/// let pixels = preprocess(try RGBImage(jpegFile: path))   // shape [3, 224, 224]
/// ```
public struct CLIPPreprocessor: Sendable, Equatable {
    /// The short side after resizing (`size.shortest_edge`).
    public var shortestEdge: Int
    /// Output columns (`crop_size.width`).
    public var cropWidth: Int
    /// Output rows (`crop_size.height`).
    public var cropHeight: Int
    /// Per-channel mean subtracted after scaling to [0, 1] (`image_mean`).
    public var mean: [Float]
    /// Per-channel standard deviation divided by (`image_std`).
    public var std: [Float]
    /// Which Pillow's resize to reproduce (they differ by a few levels on some images).
    public var passOrder: ResamplePassOrder = .pillow13

    /// OpenAI CLIP's normalisation constants (`clip/clip.py`).
    public static let openAIMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    /// A preprocessor with a square crop; the defaults are OpenAI's constants.
    public init(shortestEdge: Int, cropSize: Int,
                mean: [Float] = CLIPPreprocessor.openAIMean, std: [Float] = CLIPPreprocessor.openAIStd) {
        self.init(shortestEdge: shortestEdge, cropWidth: cropSize, cropHeight: cropSize, mean: mean, std: std)
    }

    public init(shortestEdge: Int, cropWidth: Int, cropHeight: Int, mean: [Float], std: [Float]) {
        precondition(shortestEdge > 0 && cropWidth > 0 && cropHeight > 0,
                     "preprocessing sizes must be positive: resize \(shortestEdge), crop \(cropWidth)x\(cropHeight)")
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 != 0 },
                     "need 3 means and 3 nonzero stds, got \(mean) and \(std)")
        self.shortestEdge = shortestEdge
        self.cropWidth = cropWidth
        self.cropHeight = cropHeight
        self.mean = mean
        self.std = std
    }

    /// Reads a Hugging Face `preprocessor_config.json` (`CLIPImageProcessor`).
    ///
    /// Uses `size` (`{"shortest_edge": n}` or a bare number), `crop_size` (`{"height", "width"}`
    /// or a bare number; defaults to `size`), `image_mean` and `image_std` (default OpenAI's).
    /// `resample`, when present, must be 3 (bicubic): the only filter implemented.
    /// `rescale_factor` is not read — the scaling is ToTensor's division by 255.
    ///
    /// - Throws: ``DatasetError`` naming the file and the key that is missing or wrong.
    public init(configFile path: String) throws {
        let config = try readJSONFile(path)
        guard config.objectValue != nil else {
            throw DatasetError.malformed(path: path, location: "top level", message: "expected a JSON object")
        }
        func fail(_ key: String, _ message: String) -> DatasetError {
            .malformed(path: path, location: "\"\(key)\"", message: message)
        }
        func positive(_ value: JSONValue?, _ key: String) throws -> Int {
            guard let n = value?.intValue, n > 0 else {
                throw fail(key, "expected a positive integer, found \(value?.serialized() ?? "nothing")")
            }
            return n
        }
        func triple(_ key: String, default fallback: [Float]) throws -> [Float] {
            guard let value = config[key] else { return fallback }
            guard let items = value.arrayValue, items.count == 3,
                  case let numbers = items.compactMap(\.doubleValue), numbers.count == 3 else {
                throw fail(key, "expected 3 numbers, found \(value.serialized())")
            }
            return numbers.map { Float($0) }
        }

        let shortest: Int
        switch config["size"] {
        case .object(let size)?:
            shortest = try positive(size["shortest_edge"], "size.shortest_edge")
        case let size?:
            shortest = try positive(size, "size")
        case nil:
            throw fail("size", "missing")
        }
        var cropWidth = shortest, cropHeight = shortest
        switch config["crop_size"] {
        case .object(let crop)?:
            cropHeight = try positive(crop["height"], "crop_size.height")
            cropWidth = try positive(crop["width"], "crop_size.width")
        case let crop?:
            cropWidth = try positive(crop, "crop_size")
            cropHeight = cropWidth
        case nil:
            break
        }
        if let resample = config["resample"], resample.intValue != 3 {
            throw fail("resample", "only 3 (bicubic) is supported, found \(resample.serialized())")
        }
        let mean = try triple("image_mean", default: Self.openAIMean)
        let std = try triple("image_std", default: Self.openAIStd)
        guard std.allSatisfy({ $0 != 0 }) else { throw fail("image_std", "must be nonzero, found \(std)") }
        self.init(shortestEdge: shortest, cropWidth: cropWidth, cropHeight: cropHeight, mean: mean, std: std)
    }

    /// The size torchvision's `Resize(shortestEdge)` gives a `width × height` image: the short
    /// side becomes `shortestEdge`, the long side `int(shortestEdge · long / short)`.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(shortestEdge * long) / Double(short))
        return width <= height ? (shortestEdge, newLong) : (newLong, shortestEdge)
    }

    /// Resize then centre crop, still 8-bit: the image ToTensor sees.
    public func resizedAndCropped(_ image: RGBImage) -> RGBImage {
        let size = resizedSize(width: image.width, height: image.height)
        return image.resizedBicubic(width: size.width, height: size.height, passOrder: passOrder)
            .centerCropped(width: cropWidth, height: cropHeight)
    }

    /// The preprocessed image, `(3, cropHeight, cropWidth)`.
    public func callAsFunction(_ image: RGBImage) -> Tensor {
        resizedAndCropped(image).normalizedTensor(mean: mean, std: std)
    }
}
