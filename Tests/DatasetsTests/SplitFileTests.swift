@testable import Datasets
import Foundation
import Testing

@Suite struct SplitFileTests {
    @Test func readsTinyShapesSplit() throws {
        let splits = try SplitFile.readSplits(TestFixtures.tinyshapes("split_zhou_TinyShapes.json"),
                                              imageRoot: TestFixtures.tinyshapes)
        #expect(splits.train.count == 48 && splits.val.count == 6 && splits.test.count == 18)
        #expect(splits.train[0] == DatasetItem(path: TestFixtures.tinyshapes("images/purple_circle/000.jpg"),
                                               label: 0, classname: "purple circle"))
        #expect(splits.test.last?.classname == "blue triangle")
    }

    @Test func labelsMayBeIntegralNumbersOrStringsAndPathsMayBeAbsolute() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/split.json"
            try writeFile(path, #"{"train": [["a.jpg", "3", "x"], ["/abs/b.jpg", 2.0, "y"]], "val": [], "test": []}"#)
            let splits = try SplitFile.readSplits(path, imageRoot: "/data/root")
            #expect(splits.train == [DatasetItem(path: "/data/root/a.jpg", label: 3, classname: "x"),
                                     DatasetItem(path: "/abs/b.jpg", label: 2, classname: "y")])
        }
    }

    /// Each malformed file and the start of the message that must name what is wrong.
    @Test(arguments: [
        (#"{"train": [], "val": []}"#, "top level: no \"test\" list"),
        (#"{"train": [["a.jpg", 0, "x"], ["b.jpg", 0]], "val": [], "test": []}"#,
         #"train[1]: expected [path, label, classname] in ["b.jpg",0]"#),
        (#"{"train": [], "val": [["a.jpg", -1, "x"]], "test": []}"#,
         #"val[0]: the label must be a non-negative integer in ["a.jpg",-1,"x"]"#),
        (#"{"train": [], "val": [], "test": [["a.jpg", 1.5, "x"]]}"#,
         #"test[0]: the label must be a non-negative integer"#),
        (#"{"train": [[7, 0, "x"]], "val": [], "test": []}"#, "train[0]: the image path must be a non-empty string"),
        (#"{"train": [["a.jpg", 0, null]], "val": [], "test": []}"#, "train[0]: the class name must be a string"),
        (#"{"train": {}, "val": [], "test": []}"#, #""train": expected a list of [path, label, classname], found {}"#),
        ("{\"train\": [\n  [\"a.jpg\", 0, \"x\"]\n  [\"b.jpg\", 1, \"y\"]\n], \"val\": [], \"test\": []}", "line 3, column 3: "),
        ("[]", "top level: expected an object"),
    ])
    func malformedSplitNamesFileAndEntry(json: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/split_zhou_Bad.json"
            try writeFile(path, json)
            #expect {
                try SplitFile.readSplits(path, imageRoot: directory)
            } throws: { error in
                "\(error)".hasPrefix("\(path): \(message)")
            }
        }
    }

    /// A path under the image root whose rest is absolute (`root//x.jpg`, found by the splits
    /// fuzz target) stays absolute in the few-shot cache, so the cached lists are the sampled ones.
    @Test func fewShotCacheReadsBackPathsWhoseRestIsAbsolute() throws {
        try withTemporaryDirectory { directory in
            let split = directory + "/split_zhou_Slashes.json"
            try writeFile(split, #"{"train": [["\#(directory)//abs/b.jpg", 0, "x"], ["c.jpg", 1, "y"]], "val": [], "test": []}"#)
            let source = DatasetSource.custom(splitFile: split, imageRoot: directory)
            let sampled = try source.load(shots: 1, seed: 1, verifyImages: false)
            let cached = try source.load(shots: 1, seed: 1, verifyImages: false)
            #expect(cached.fewShotCache == .loaded(path: source.fewShotCachePath(shots: 1, seed: 1)))
            #expect(cached.splits.train == sampled.splits.train)
            #expect(cached.splits.train.map(\.path).sorted() == [directory + "//abs/b.jpg", directory + "/c.jpg"])
        }
    }

    @Test func missingSplitFileIsNamed() {
        let source = DatasetSource.custom(splitFile: "/nonexistent/split_zhou_X.json", imageRoot: "/nonexistent")
        #expect(throws: DatasetError.unreadable(path: "/nonexistent/split_zhou_X.json", reason: "split file not found")) {
            try source.load(shots: 0, seed: 1)
        }
    }

    @Test func missingImageIsReportedWithItsPath() throws {
        try withTemporaryDirectory { directory in
            let split = directory + "/split_zhou_Gone.json"
            try writeFile(split, #"{"train": [["images/purple_circle/000.jpg", 0, "a"]], "val": [], "test": [["images/nope.jpg", 0, "a"]]}"#)
            let source = DatasetSource.custom(splitFile: split, imageRoot: TestFixtures.tinyshapes)
            #expect(throws: DatasetError.missingImage(path: TestFixtures.tinyshapes("images/nope.jpg"), listedIn: split)) {
                try source.load(shots: 0, seed: 1)
            }
            // Without verification the list loads; the decoder would name the file later.
            #expect(try source.load(shots: 0, seed: 1, verifyImages: false).splits.test.count == 1)
        }
    }

    @Test func disagreeingClassNamesOrLabelGapsAreErrors() throws {
        try withTemporaryDirectory { directory in
            let split = directory + "/s.json"
            try writeFile(split, #"{"train": [["a.jpg", 0, "cat"]], "val": [], "test": [["b.jpg", 0, "dog"]]}"#)
            #expect {
                try DatasetSource.custom(splitFile: split, imageRoot: directory).load(shots: 0, seed: 1, verifyImages: false)
            } throws: { "\($0)" == "\(split): label 0: class names 'cat' and 'dog' (test: \(directory)/b.jpg) disagree" }
            try writeFile(split, #"{"train": [["a.jpg", 0, "cat"], ["b.jpg", 2, "dog"]], "val": [], "test": []}"#)
            #expect {
                try DatasetSource.custom(splitFile: split, imageRoot: directory).load(shots: 0, seed: 1, verifyImages: false)
            } throws: { "\($0)" == "\(split): label 1: no image has label 1 (labels must run 0...2)" }
            // The largest label there is (found while writing the splits fuzz target: 0..<max + 1 overflowed).
            try writeFile(split, #"{"train": [["a.jpg", 0, "cat"]], "val": [], "test": [["b.jpg", 9223372036854775807, "dog"]]}"#)
            #expect {
                try DatasetSource.custom(splitFile: split, imageRoot: directory).load(shots: 0, seed: 1, verifyImages: false)
            } throws: { "\($0)" == "\(split): label 1: no image has label 1 (labels must run 0...9223372036854775807)" }
        }
    }
}
