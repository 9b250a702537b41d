@testable import Datasets
import Foundation
import Testing

/// Hex text to bytes (test literals).
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// A 6×4 greyscale JPEG (`(x·40 + y·25) mod 256`, quality 90), saved by Pillow 13.0.
let greyJPEG = bytes(hex: """
    FFD8FFE000104A46494600010100000100010000FFDB0043000302020302020303030304030304050805050404050A07
    0706080C0A0C0C0B0A0B0B0D0E12100D0E110E0B0B1016101113141515150C0F171816141812141514FFC0000B080004
    000601011100FFC4001F0000010501010101010100000000000000000102030405060708090A0BFFC400B51000020103
    03020403050504040000017D01020300041105122131410613516107227114328191A1082342B1C11552D1F024336272
    82090A161718191A25262728292A3435363738393A434445464748494A535455565758595A636465666768696A737475
    767778797A838485868788898A92939495969798999AA2A3A4A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2C3C4C5C6C7C8C9
    CAD2D3D4D5D6D7D8D9DAE1E2E3E4E5E6E7E8E9EAF1F2F3F4F5F6F7F8F9FAFFDA0008010100003F00CDD37E234BFB25FE
    CAFA3F8BFC21A168FA8EA57BAC5BE95245ADC324B0889EDEE252C047246776E8506724609E3A11FFD9
    """)

/// A 2×2 CMYK JPEG with an Adobe marker, saved by Pillow 13.0.
let cmykJPEG = bytes(hex: """
    FFD8FFEE000E41646F626500640000000000FFDB004300080606070605080707070909080A0C140D0C0B0B0C1912130F
    141D1A1F1E1D1A1C1C20242E2720222C231C1C2837292C30313434341F27393D38323C2E333432FFC000140800020002
    044311004D11005911004B1100FFC4001F0000010501010101010100000000000000000102030405060708090A0BFFC4
    00B5100002010303020403050504040000017D01020300041105122131410613516107227114328191A1082342B1C115
    52D1F02433627282090A161718191A25262728292A3435363738393A434445464748494A535455565758595A63646566
    6768696A737475767778797A838485868788898A92939495969798999AA2A3A4A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2
    C3C4C5C6C7C8C9CAD2D3D4D5D6D7D8D9DAE1E2E3E4E5E6E7E8E9EAF1F2F3F4F5F6F7F8F9FAFFDA000E0443004D005900
    4B00003F00F75AF36AF61AF57AFFD9
    """)

@Suite struct JPEGDecodingTests {
    /// Fingerprints of `Image.open(path).convert("RGB").tobytes()` under Pillow 13.0 (its
    /// bundled libjpeg-turbo 3.2) for every ninth tinyshapes image: sizes 50–120 px, several
    /// qualities. Equal fingerprints mean libjpeg here decodes exactly as PIL does.
    @Test(arguments: [
        ("images/blue_circle/000.jpg", 120, 112, 0x1656_9350_C7B7_F7C4 as UInt64),
        ("images/blue_circle/009.jpg", 82, 60, 0x581C_AFEB_E6F8_AB8A),
        ("images/blue_square/006.jpg", 56, 89, 0xF0E3_5187_C0CB_262E),
        ("images/blue_triangle/003.jpg", 81, 63, 0xBE28_7162_5A82_55C7),
        ("images/purple_circle/000.jpg", 91, 78, 0x4642_F17D_F518_34B5),
        ("images/purple_circle/009.jpg", 50, 109, 0x0CD5_2CE9_83FD_705B),
        ("images/purple_square/006.jpg", 72, 55, 0x8B62_AAD9_FC7C_C6C9),
        ("images/purple_triangle/003.jpg", 55, 117, 0xF094_748D_3F32_4B72),
    ])
    func decodesTinyShapesExactlyAsPIL(path: String, width: Int, height: Int, fingerprint: UInt64) throws {
        let image = try RGBImage(jpegFile: TestFixtures.tinyshapes(path))
        #expect(image.width == width && image.height == height)
        #expect(fnv1a64(image.pixels) == fingerprint)
    }

    @Test func greyscaleBecomesRGBAsPILConvertDoes() throws {
        let image = try RGBImage(jpegData: greyJPEG, source: "grey.jpg")
        #expect(image.width == 6 && image.height == 4)
        // Image.open(grey).convert("RGB"): each grey level repeated three times.
        let grey: [UInt8] = [2, 37, 76, 125, 158, 201, 27, 60, 112, 138, 190, 219,
                             44, 94, 134, 169, 214, 253, 80, 111, 154, 195, 229, 13]
        #expect(image.pixels == grey.flatMap { [$0, $0, $0] })
    }

    @Test func adobeCMYKBecomesRGBAsPILConvertDoes() throws {
        // Image.open(cmyk).convert("RGB") under Pillow 13.0: (207, 46, 190) at all four pixels.
        let image = try RGBImage(jpegData: cmykJPEG, source: "cmyk.jpg")
        #expect(image.width == 2 && image.height == 2)
        #expect(image.pixels == Array([[UInt8]](repeating: [207, 46, 190], count: 4).joined()))
    }

    /// Tests/Fixtures/jpeg (see its README): Pillow-written Adobe CMYK (4:4:4; progressive with
    /// C at 2×2 and M, Y, K at 1×1), the same CMYK stream without its Adobe marker, and
    /// libjpeg-written YCCK (Cb, Cr at half resolution; baseline and progressive). Each `.rgb`
    /// is `Image.open(jpg).convert("RGB").tobytes()` under Pillow 13.0 (libjpeg-turbo 3.2),
    /// compared exactly: libjpeg here outputs the same CMYK samples, and the conversion is
    /// PIL's integer arithmetic.
    @Test(arguments: [
        ("cmyk", 11, 7), ("cmyk-progressive", 13, 9), ("cmyk-no-adobe", 11, 7),
        ("ycck", 15, 10), ("ycck-progressive", 9, 13),
    ])
    func fourComponentJPEGDecodesExactlyAsPIL(name: String, width: Int, height: Int) throws {
        let image = try RGBImage(jpegFile: TestFixtures.jpeg(name + ".jpg"))
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFixtures.jpeg(name + ".rgb"))))
        #expect(image.width == width && image.height == height)
        #expect(expected.count == width * height * 3)
        let differences = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }
        #expect(differences.max() == 0, "\(differences.filter { $0 != 0 }.count) bytes differ")
    }

    @Test func inverseCMYKConversionIsPILsForEveryByteAndBlack() {
        // Every (stored sample s, stored k): PIL's R = nk − (C·nk + 127) / 255 with C = 255 − s
        // and nk = k, the rounded division its MULDIV255 computes ("like (a * b + 127) / 255").
        var samples: [UInt8] = []
        for s in 0...255 {
            for k in 0...255 { samples += [UInt8(s), 0, 255, UInt8(k)] }
        }
        let rgb = samples.withUnsafeBufferPointer { RGBImage.rgbFromInvertedCMYK($0) }
        var mismatches = 0
        for s in 0...255 {
            for k in 0...255 {
                let p = (s * 256 + k) * 3
                let expected = [k - ((255 - s) * k + 127) / 255, k - (255 * k + 127) / 255, k]
                if rgb[p..<p + 3].map(Int.init) != expected { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func twoComponentFrameIsAnUnsupportedColorSpace() {
        var twoComponents = greyJPEG
        // SOF0 at offset 89: FF C0, length, precision, height, width, then the component count.
        #expect(twoComponents[89] == 0xFF && twoComponents[90] == 0xC0 && twoComponents[98] == 1)
        twoComponents[98] = 2
        #expect(throws: ImageError.unsupportedColorSpace(
            path: "two.jpg", detail: "2-component JPEG (PIL reads only 1, 3 or 4)")) {
            try RGBImage(jpegData: twoComponents, source: "two.jpg")
        }
    }

    @Test func decompressionBombIsRefusedBeforeDecoding() {
        // Found by Tests/Fuzz (out of memory: malloc(5818094892)): 250 bytes of a tinyshapes
        // JPEG whose frame header now says 30252×64107. PIL raises DecompressionBombError
        // ("Image size (1939364964 pixels) exceeds limit of 178956970 pixels").
        let path = TestFixtures.jpeg("fuzz/bomb-30252x64107.jpg")
        #expect(throws: ImageError.tooLarge(path: path, width: 30252, height: 64107, limit: 178_956_970)) {
            try RGBImage(jpegFile: path)
        }
    }

    @Test func pixelLimitIsInclusiveAndCountsTheFrameHeader() throws {
        // greyJPEG is 6×4 = 24 pixels.
        #expect(try RGBImage(jpegData: greyJPEG, source: "grey.jpg", maximumPixels: 24).width == 6)
        #expect(throws: ImageError.tooLarge(path: "grey.jpg", width: 6, height: 4, limit: 23)) {
            try RGBImage(jpegData: greyJPEG, source: "grey.jpg", maximumPixels: 23)
        }
    }

    @Test func missingFileIsUnreadable() {
        let path = TestFixtures.tinyshapes("images/no_such_class/000.jpg")
        #expect(throws: ImageError.unreadable(path: path, reason: "No such file or directory")) {
            try RGBImage(jpegFile: path)
        }
    }

    @Test func directoryIsUnreadable() {
        let path = TestFixtures.tinyshapes("images")
        #expect(throws: ImageError.unreadable(path: path, reason: "is a directory")) {
            try RGBImage(jpegFile: path)
        }
    }

    @Test(arguments: [
        ([UInt8](), "the file is empty"),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "starts with 0x89 0x50 0x4E 0x47 (PNG data)"),
        (Array("hello".utf8), "starts with 0x68 0x65 0x6C 0x6C"),
    ])
    func nonJPEGBytesAreNamed(data: [UInt8], detail: String) {
        #expect(throws: ImageError.notJPEG(path: "x.jpg", detail: detail)) {
            try RGBImage(jpegData: data, source: "x.jpg")
        }
    }

    @Test func truncatedFileIsAnErrorNotGreyPadding() throws {
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFixtures.tinyshapes("images/blue_circle/000.jpg"))))
        for cut in [whole.count / 2, whole.count - 2, 40] {
            #expect(throws: ImageError.truncated(path: "cut.jpg")) {
                try RGBImage(jpegData: Array(whole.prefix(cut)), source: "cut.jpg")
            }
        }
    }

    @Test func corruptHeaderReportsLibjpegsMessage() {
        var broken = greyJPEG
        // SOF0 at offset 89: FF C0, length, precision, then height 0x0004 → 0.
        #expect(broken[89] == 0xFF && broken[90] == 0xC0)
        broken[94] = 0
        broken[95] = 0
        #expect {
            try RGBImage(jpegData: broken, source: "broken.jpg")
        } throws: { error in
            guard case ImageError.corrupt(let path, let message) = error else { return false }
            return path == "broken.jpg" && !message.isEmpty
                && (error as! ImageError).description.hasPrefix("broken.jpg: corrupt JPEG data: ")
        }
    }

    @Test func garbageAfterStartOfImageIsCorruptOrTruncated() {
        let data: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3]
        #expect(throws: ImageError.truncated(path: "g.jpg")) {
            try RGBImage(jpegData: data, source: "g.jpg")
        }
    }
}
