import CJPEG
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RGBImage {
    /// Decodes the JPEG file at `path` to 8-bit RGB, as PIL's `Image.open(path).convert("RGB")`.
    ///
    /// libjpeg(-turbo) with PIL's decoder settings (its defaults: accurate integer IDCT, fancy
    /// upsampling), so the bytes match PIL's wherever both link libjpeg-turbo. Greyscale JPEGs
    /// come out with R = G = B, as PIL's `L → RGB` conversion gives. Four-component JPEGs
    /// (CMYK, and YCCK, which libjpeg turns into CMYK) are read as PIL reads them: as Adobe's
    /// inverted CMYK whatever their markers say, then converted by PIL's `cmyk2rgb` — see
    /// ``rgbFromInvertedCMYK(_:)``.
    ///
    /// - Throws: ``ImageError``: `unreadable` (cannot open or read), `notJPEG`, `truncated`,
    ///   `corrupt` (libjpeg's message), `unsupportedColorSpace` (a frame of other than 1, 3 or
    ///   4 components, which PIL refuses too: "cannot handle 2-layer images"), `tooLarge` (more
    ///   than ``pilMaximumPixels`` pixels, checked before libjpeg allocates anything).
    public init(jpegFile path: String) throws {
        try self.init(jpegData: try readWholeFile(path), source: path)
    }

    /// PIL's decompression-bomb limit, `2 · Image.MAX_IMAGE_PIXELS` = 2 · ⌊2³⁰ / 4 / 3⌋ pixels:
    /// above it `Image.open` raises `DecompressionBombError` (Pillow 13.0, `Image.py`,
    /// `_decompression_bomb_check`). Without a limit a 600-byte file declaring 65535×65535
    /// pixels would make the decoder allocate 17 GB.
    public static let pilMaximumPixels = 2 * (1024 * 1024 * 1024 / 4 / 3)

    /// Decodes JPEG bytes held in memory; `source` names them in errors (usually the path).
    ///
    /// - Parameter maximumPixels: the largest `width · height` decoded; a larger frame throws
    ///   ``ImageError/tooLarge(path:width:height:limit:)`` before anything is allocated.
    /// - Throws: ``ImageError`` as ``init(jpegFile:)``.
    public init(jpegData bytes: [UInt8], source: String, maximumPixels: Int = RGBImage.pilMaximumPixels) throws {
        let structure = try JPEGStructure(scanning: bytes, source: source)
        if let components = structure.components, ![1, 3, 4].contains(components) {
            throw ImageError.unsupportedColorSpace(
                path: source, detail: "\(components)-component JPEG (PIL reads only 1, 3 or 4)")
        }
        if let (width, height) = structure.size, max(1, width) * max(1, height) > maximumPixels {
            throw ImageError.tooLarge(path: source, width: width, height: height, limit: maximumPixels)
        }
        var width: Int32 = 0, height: Int32 = 0, components: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let decoded = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                cjpeg_decode(buffer.baseAddress, UInt(buffer.count), 1, &width, &height, &components,
                             text.baseAddress, text.count)
            }
        }
        guard let decoded else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError.corrupt(path: source, message: text.isEmpty ? "libjpeg failed" : text)
        }
        defer { free(decoded) }
        let samples = UnsafeBufferPointer(start: decoded, count: Int(width) * Int(height) * Int(components))
        self.init(width: Int(width), height: Int(height),
                  pixels: components == 4 ? Self.rgbFromInvertedCMYK(samples) : Array(samples))
    }

    /// RGB from libjpeg's CMYK output, as PIL computes it: `JpegImagePlugin` decodes every
    /// four-layer JPEG with raw mode `CMYK;I` ("assume adobe conventions": each sample
    /// inverted, `C = 255 − c`, Adobe marker or not), and `convert("RGB")` runs `cmyk2rgb`
    /// (Pillow 13.0, `libImaging/Convert.c`):
    ///
    ///     nk = 255 − K                       (= k, the stored sample)
    ///     R  = nk − MULDIV255(C, nk)         MULDIV255(a, b) = (t + (t >> 8)) >> 8, t = a·b + 128
    ///
    /// and likewise G from M, B from Y. `MULDIV255(a, b)` equals `(a·b + 127) / 255` for all
    /// bytes and never exceeds `b`, so `R ∈ 0...nk` and PIL's `CLIP8` never acts.
    ///
    /// - Parameter samples: interleaved CMYK as stored, `(H, W, 4)`.
    /// - Returns: interleaved RGB, `(H, W, 3)`.
    static func rgbFromInvertedCMYK(_ samples: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        precondition(samples.count % 4 == 0, "\(samples.count) bytes are not whole CMYK pixels")
        let pixels = samples.count / 4
        return [UInt8](unsafeUninitializedCapacity: pixels * 3) { out, initialized in
            for p in 0..<pixels {
                let nk = Int(samples[p * 4 + 3])
                for channel in 0..<3 {
                    let t = (255 - Int(samples[p * 4 + channel])) * nk + 128
                    out[p * 3 + channel] = UInt8(nk - (((t >> 8) + t) >> 8))
                }
            }
            initialized = pixels * 3
        }
    }
}

/// The marker structure of a JPEG stream, read before libjpeg sees it: libjpeg treats a
/// missing end of data as a warning and pads the image with grey, where PIL raises.
struct JPEGStructure {
    /// Components of the first frame header (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK), if one was found.
    var components: Int?
    /// Width and height the first frame header declares, if one was found (libjpeg refuses a
    /// second frame header, so this is the size it would decode).
    var size: (width: Int, height: Int)?

    /// Walks the marker segments from SOI up to the first SOS (skipping APPn segments by their
    /// lengths, so an embedded EXIF thumbnail cannot be mistaken for the image), then requires
    /// an EOI marker somewhere after it: entropy-coded data never contains `FF D9`.
    ///
    /// - Throws: ``ImageError/notJPEG(path:detail:)`` without SOI, ``ImageError/truncated(path:)``
    ///   when the data ends inside a header segment or before EOI. Anything else odd is left
    ///   to libjpeg, which reports it precisely.
    init(scanning bytes: [UInt8], source: String) throws {
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw ImageError.notJPEG(path: source, detail: Self.describeNonJPEG(bytes))
        }
        var i = 2
        while i < bytes.count {
            // Like libjpeg's next_marker: skip garbage up to 0xFF, then fill bytes.
            while i < bytes.count && bytes[i] != 0xFF { i += 1 }
            while i < bytes.count && bytes[i] == 0xFF { i += 1 }
            guard i < bytes.count else { break }
            let marker = bytes[i]
            i += 1
            switch marker {
            case 0x01, 0xD0...0xD8:
                continue  // stand-alone markers (TEM, RSTn, SOI)
            case 0xD9:
                return  // EOI before any scan: libjpeg reports "no image"
            default:
                break
            }
            guard i + 1 < bytes.count else { throw ImageError.truncated(path: source) }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            let isFrameHeader = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isFrameHeader && components == nil && i + 7 < bytes.count {
                // length (2), precision (1), height (2), width (2), components (1)
                components = Int(bytes[i + 7])
                size = (Int(bytes[i + 5]) << 8 | Int(bytes[i + 6]), Int(bytes[i + 3]) << 8 | Int(bytes[i + 4]))
            }
            if marker == 0xDA {
                var j = i + length
                while j + 1 < bytes.count {
                    if bytes[j] == 0xFF && bytes[j + 1] == 0xD9 { return }
                    j += 1
                }
                throw ImageError.truncated(path: source)
            }
            i += length
        }
        throw ImageError.truncated(path: source)
    }

    /// What non-JPEG bytes look like, for the error message.
    static func describeNonJPEG(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "the file is empty" }
        let head = bytes.prefix(8)
        let kind: String
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            kind = " (PNG data)"
        } else if head.starts(with: Array("GIF8".utf8)) {
            kind = " (GIF data)"
        } else if head.starts(with: Array("RIFF".utf8)) {
            kind = " (RIFF/WebP data)"
        } else if head.starts(with: Array("BM".utf8)) {
            kind = " (BMP data)"
        } else {
            kind = ""
        }
        let hex = head.prefix(4).map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        return "starts with \(hex)\(kind)"
    }
}

/// The whole contents of a file, with the system's reason on failure.
func readWholeFile(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw ImageError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
        throw ImageError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        throw ImageError.unreadable(path: path, reason: "is a directory")
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if got < 0 {
            if errno == EINTR { continue }
            throw ImageError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if got == 0 { break }
        bytes.append(contentsOf: chunk[0..<got])
    }
    return bytes
}
