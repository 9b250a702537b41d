import CBLAS
import CJPEG
import CMPI
import CYAML
import Foundation
import Testing

/// Each system library answers a real call through its module map and shim.
@Suite struct SystemLibrarySmokeTests {
    @Test func openBLASMultipliesTwoByTwoMatrices() {
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]: small integers, exact in fp32.
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func libjpegDecodesTinyShapesImage() throws {
        // Tests/Fixtures/tinyshapes, two directories up from this file.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tinyshapes/images/blue_circle/000.jpg")
        let bytes = try [UInt8](Data(contentsOf: url))
        var width: Int32 = 0, height: Int32 = 0, components: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let pixels = bytes.withUnsafeBufferPointer {
            cjpeg_decode($0.baseAddress, UInt($0.count), 0, &width, &height, &components, &message, 256)
        }
        #expect(pixels != nil)
        free(pixels)
        // `file` reports this fixture as 120x112, 3 components.
        #expect(width == 120 && height == 112)
    }

    @Test func libjpegReportsCorruptDataInsteadOfExiting() {
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3]  // SOI, then garbage
        var width: Int32 = 0, height: Int32 = 0, components: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let pixels = bytes.withUnsafeBufferPointer {
            cjpeg_decode($0.baseAddress, UInt($0.count), 0, &width, &height, &components, &message, 256)
        }
        #expect(pixels == nil)
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        #expect(!text.isEmpty)
    }

    @Test func openMPIReportsItsVersionAndHandles() {
        // MPI_Get_version may be called before MPI_Init; the handles come through the shim.
        var major: Int32 = 0, minor: Int32 = 0
        #expect(MPI_Get_version(&major, &minor) == cmpi_success())
        #expect(major >= 3)
        #expect(cmpi_comm_world() != nil && cmpi_float() != nil && cmpi_op_sum() != nil)
    }

    @Test func libyamlReportsAScalarAndASyntaxErrorsMark() {
        // "a: 1" is STREAM-START, DOCUMENT-START, MAPPING-START, then the scalar "a".
        var parser = yaml_parser_t()
        #expect(yaml_parser_initialize(&parser) == 1)
        defer { yaml_parser_delete(&parser) }
        let text = Array("a: 1\nb: [\n".utf8)
        var types: [yaml_event_type_t] = [], failed = false
        text.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                types.append(event.type)
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done { return }
            }
            failed = true
        }
        #expect(Array(types.prefix(4)) == [YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT, YAML_MAPPING_START_EVENT, YAML_SCALAR_EVENT])
        // The unclosed flow sequence fails at the end of the input: line 3 (0-based 2), column 0.
        #expect(failed && parser.problem_mark.line == 2 && parser.problem_mark.column == 0, "\(parser.problem_mark)")
    }
}
