/// Why an image could not be decoded. Every case names the file.
public enum ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or read (`reason` is the system's, e.g. "No such file or
    /// directory").
    case unreadable(path: String, reason: String)
    /// The bytes are not a JPEG stream (no start-of-image marker); `detail` says what they
    /// look like instead.
    case notJPEG(path: String, detail: String)
    /// The JPEG stream ends before its end-of-image marker. PIL refuses such files too
    /// ("image file is truncated"), where libjpeg alone would pad them with grey.
    case truncated(path: String)
    /// libjpeg rejected the stream; `message` is libjpeg's.
    case corrupt(path: String, message: String)
    /// A JPEG colour space this decoder cannot convert to RGB: a frame of other than 1 (grey),
    /// 3 (YCbCr/RGB) or 4 (CMYK/YCCK) components, which PIL refuses too.
    case unsupportedColorSpace(path: String, detail: String)
    /// The frame header declares more pixels than the decoder's limit (by default PIL's
    /// decompression-bomb limit, where `Image.open` raises `DecompressionBombError`).
    case tooLarge(path: String, width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read image \(path): \(reason)"
        case .notJPEG(let path, let detail):
            "\(path) is not a JPEG file: \(detail)"
        case .truncated(let path):
            "\(path): JPEG data is truncated (no end-of-image marker after the image data)"
        case .corrupt(let path, let message):
            "\(path): corrupt JPEG data: \(message)"
        case .unsupportedColorSpace(let path, let detail):
            "\(path): unsupported JPEG colour space: \(detail)"
        case .tooLarge(let path, let width, let height, let limit):
            "\(path): a \(width)x\(height) image has more than \(limit) pixels, the decoder's limit"
        }
    }
}
