// libFuzzer target: the JPEG decoder (dataset images: greyscale, RGB, CMYK and YCCK; baseline and
// progressive). Built by Tests/Fuzz/run.sh against its build of the Datasets module
// (libjpeg through Sources/CJPEG's module map). Every
// input must either decode or throw an ImageError; a decoded image of at most 256×256 pixels
// must decode again to the same pixels (libjpeg reading memory it never wrote would show here,
// which AddressSanitizer alone does not catch).
import Datasets
import Foundation

/// 4 M pixels (16 MB of CMYK samples) rather than PIL's 179 M: larger frames are legitimate, but
/// decoding them from a few hundred fuzzed bytes takes seconds and the 2 GB RSS limit.
private let maximumPixels = 1 << 22

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let image: RGBImage
    do {
        image = try RGBImage(jpegData: bytes, source: "fuzz.jpg", maximumPixels: maximumPixels)
    } catch is ImageError {
        return 0
    } catch {
        fatalError("the decoder threw something other than an ImageError: \(error)")
    }
    if image.width * image.height <= 256 * 256 {
        guard let again = try? RGBImage(jpegData: bytes, source: "fuzz.jpg", maximumPixels: maximumPixels) else {
            fatalError("a \(image.width)x\(image.height) image decoded once, then failed")
        }
        if again != image { fatalError("decoding the same \(image.width)x\(image.height) bytes twice differs") }
    }
    return 0
}
