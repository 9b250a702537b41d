import Foundation
import Testing
@testable import CLIP

/// The generated tables of `Sources/CLIP/Tokenizer/Tables`: the properties the tokenizer's code
/// relies on, and what can be checked without Python. That each table is exactly what its pinned
/// inputs give is `generate.py --check`'s job.
@Suite struct TokenizerTablesTests {
    // MARK: - HTMLEntityTable

    @Test func htmlEntityTableHoldsEveryHTML5NameOnce() {
        // CPython 3.11.7's html.entities.html5: 2,231 names, 106 of them legacy names without ";".
        let lines = HTMLEntityTable.entries.split(separator: "\n")
        let names = HTMLUnescaper.namedReferences.keys
        #expect(lines.count == 2231)
        #expect(names.count == lines.count)
        #expect(names.filter { $0.last != ";" }.count == 106)
    }

    @Test func everyLegacyHTMLNameHasTheValueOfItsNameWithSemicolon() {
        for (name, value) in HTMLUnescaper.namedReferences where name.last != ";" {
            #expect(HTMLUnescaper.namedReferences[name + [";"]] == value,
                    "\(String(String.UnicodeScalarView(name)))")
        }
    }

    /// Name, value.
    @Test(arguments: [
        ("amp;", "&"),
        ("amp", "&"),
        ("acE;", "\u{223E}\u{333}"),  // two code points
        ("Afr;", "\u{1D504}"),  // beyond the BMP
        ("NotNestedGreaterGreater;", "\u{2AA2}\u{338}"),
        ("zwnj;", "\u{200C}"),
    ])
    func htmlEntityTableDecodesToTheReferenceValue(name: String, value: String) {
        let decoded = HTMLUnescaper.namedReferences[Array(name.unicodeScalars)]
        #expect(decoded.map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
    }

    // MARK: - MojibakeCharacterClasses

    typealias Classes = MojibakeCharacterClasses

    /// Every class, by ftfy's name.
    static let characterClasses: [(String, [ClosedRange<UInt32>])] = [
        ("common", Classes.common), ("c1", Classes.c1), ("bad", Classes.bad),
        ("law", Classes.law), ("currency", Classes.currency),
        ("start_punctuation", Classes.startPunctuation),
        ("end_punctuation", Classes.endPunctuation), ("numeric", Classes.numeric),
        ("kaomoji", Classes.kaomoji), ("upper_accented", Classes.upperAccented),
        ("lower_accented", Classes.lowerAccented), ("upper_common", Classes.upperCommon),
        ("lower_common", Classes.lowerCommon), ("box", Classes.box),
        ("utf8_first_of_2", Classes.utf8FirstOf2), ("utf8_first_of_3", Classes.utf8FirstOf3),
        ("utf8_first_of_4", Classes.utf8FirstOf4), ("utf8_continuation", Classes.utf8Continuation),
        ("utf8_continuation_strict", Classes.utf8ContinuationStrict),
    ]

    @Test(arguments: characterClasses.map(\.0))
    func characterClassRangesAreAscendingAndApart(name: String) throws {
        let ranges = try #require(Self.characterClasses.first { $0.0 == name }).1
        #expect(!ranges.isEmpty)
        for (range, next) in zip(ranges, ranges.dropFirst()) {
            #expect(range.upperBound + 1 < next.lowerBound, "\(name): \(range) then \(next)")
        }
    }

    private static func codePoints(_ ranges: [ClosedRange<UInt32>]) -> Set<UInt32> {
        Set(ranges.flatMap { $0 })
    }

    @Test func utf8LeadClassesAreDisjoint() {
        // MojibakeHeuristic.utf8LikeRuns reads each lead as exactly one sequence length.
        let leads = [Classes.utf8FirstOf2, Classes.utf8FirstOf3, Classes.utf8FirstOf4]
            .map(Self.codePoints)
        #expect(leads[0].isDisjoint(with: leads[1]))
        #expect(leads[0].isDisjoint(with: leads[2]))
        #expect(leads[1].isDisjoint(with: leads[2]))
    }

    @Test func strictContinuationIsPartOfContinuation() {
        let strict = Self.codePoints(Classes.utf8ContinuationStrict)
        let continuation = Self.codePoints(Classes.utf8Continuation)
        #expect(strict.isSubset(of: continuation))
        #expect(continuation.contains(0x20) && !strict.contains(0x20))  // a space may be an NBSP
    }

    // MARK: - SingleByteEncoding+Codecs

    @Test func mojibakeCandidatesAreFtfysCharmapEncodingsInOrder() {
        #expect(SingleByteEncoding.mojibakeCandidates.map(\.name) == [
            "latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
            "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2",
            "macroman", "cp437",
        ])
    }

    @Test(arguments: SingleByteEncoding.mojibakeCandidates.map(\.name))
    func everyByteDecodesToACharacterThatEncodesBackToIt(name: String) throws {
        let encoding = try #require(SingleByteEncoding.mojibakeCandidates.first { $0.name == name })
        for byte in UInt8.min...UInt8.max {
            let scalar = encoding.decode(byte)
            #expect(encoding.encode([scalar]) == [byte], "\(name): byte \(byte) → \(scalar)")
        }
    }

    @Test(arguments: SingleByteEncoding.mojibakeCandidates.map(\.name))
    func sloppyEncodingsFillTheirHolesWithC1ControlsAndReadByte1AAsReplacement(name: String)
        throws {
        let encoding = try #require(SingleByteEncoding.mojibakeCandidates.first { $0.name == name })
        #expect(encoding.decode(0x1A) == (encoding.isSloppy ? "\u{FFFD}" : "\u{1A}"))
        for byte in UInt8(0x80)...0xFF {
            let value = encoding.decode(byte).value
            // A C1 control decodes only from the byte of its own number.
            #expect(!(0x80...0x9F).contains(value) || value == UInt32(byte), "\(name): \(byte)")
        }
    }

    // MARK: - CharacterWidthTable

    @Test func widthMapIsTheNFKCOfEachHalfwidthAndFullwidthForm() {
        // Foundation's NFKC, an implementation independent of the generator's unicodedata.
        var expected: [UInt32: [Unicode.Scalar]] = [0x3000: [" "]]
        for value in UInt32(0xFF01)...0xFFEF {
            let scalar = Unicode.Scalar(value)!
            let normalized = Array(String(scalar).precomposedStringWithCompatibilityMapping
                .unicodeScalars)
            if normalized != [scalar] { expected[value] = normalized }
        }
        #expect(TextFixer.widthMap.count == 226)
        for value in Set(expected.keys).union(TextFixer.widthMap.keys).sorted() {
            #expect(TextFixer.widthMap[value] == expected[value], "U+\(String(value, radix: 16))")
        }
    }
}
