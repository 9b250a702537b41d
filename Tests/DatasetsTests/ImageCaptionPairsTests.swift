@testable import Datasets
import Testing

@Suite struct ImageCaptionPairsTests {
    @Test func tsvWithoutHeaderResolvesPathsAgainstItsDirectory() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/pairs.tsv"
            try writeFile(path, "img/a.jpg\ta dog on a beach\n\n/abs/b.jpg\t\"a \"\"quoted\"\" cat\"\r\n")
            #expect(try ImageCaptionPairs.read(path) == [
                ImageCaptionPair(path: directory + "/img/a.jpg", caption: "a dog on a beach"),
                ImageCaptionPair(path: "/abs/b.jpg", caption: "a \"quoted\" cat"),
            ])
        }
    }

    /// Quotes are code points: a quoted caption that starts with a combining mark (found by the
    /// pairs fuzz target: as `Character`s the opening quote and the mark are one) is unquoted too.
    @Test func quotedFieldsAreUnquotedByCodePoint() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/pairs.tsv"
            try writeFile(path, "a.jpg\t\"\u{5B1}x \"\"\"\" y\u{600}\"\n")
            #expect(try ImageCaptionPairs.read(path) == [ImageCaptionPair(path: directory + "/a.jpg", caption: "\u{5B1}x \"\" y\u{600}")])
        }
    }

    @Test func openCLIPHeaderSelectsColumnsByName() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/train.csv"
            try writeFile(path, "title\tid\tfilepath\nsunset over water\t7\tx/1.jpg\n")
            #expect(try ImageCaptionPairs.read(path) == [ImageCaptionPair(path: directory + "/x/1.jpg", caption: "sunset over water")])
        }
    }

    @Test(arguments: [
        ("a.jpg\tfine\nb.jpg\n", "line 2: expected 2 tab-separated fields, found 1"),
        ("a.jpg\tfine\textra\n", "line 1: expected 2 tab-separated fields, found 3"),
        ("filepath\ttitle\na.jpg\t\n", "line 2: empty caption for a.jpg"),
        ("\ta caption\n", "line 1: empty image path"),
    ])
    func malformedTSVNamesFileAndLine(text: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/pairs.tsv"
            try writeFile(path, text)
            #expect(throws: DatasetError.self) { try ImageCaptionPairs.read(path) }
            #expect { try ImageCaptionPairs.read(path) } throws: { "\($0)" == "\(path): \(message)" }
        }
    }

    @Test func jsonLinesReadImageAndCaption() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/pairs.jsonl"
            try writeFile(path, "{\"image\": \"a.jpg\", \"caption\": \"two birds\"}\n\n{\"caption\": \"é\", \"image\": \"/b.jpg\"}\n")
            #expect(try ImageCaptionPairs.read(path) == [ImageCaptionPair(path: directory + "/a.jpg", caption: "two birds"),
                                                        ImageCaptionPair(path: "/b.jpg", caption: "é")])
        }
    }

    @Test(arguments: [
        ("{\"image\": \"a.jpg\", \"caption\": \"ok\"}\n{\"image\": \"b.jpg\" \"caption\": \"x\"}\n", "line 2, column 19: expected ',' or '}' in object"),
        ("{\"image\": \"a.jpg\"}\n", "line 1: expected a non-empty string \"caption\""),
        ("{\"image\": 3, \"caption\": \"c\"}\n", "line 1: expected a non-empty string \"image\""),
        ("[1]\n", "line 1: expected a JSON object"),
    ])
    func malformedJSONLinesNameFileAndLine(text: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/pairs.jsonl"
            try writeFile(path, text)
            #expect { try ImageCaptionPairs.read(path) } throws: { "\($0)".hasPrefix("\(path): \(message)") }
        }
    }

    @Test func missingListIsUnreadable() {
        #expect(throws: DatasetError.unreadable(path: "/nonexistent/pairs.tsv", reason: "No such file or directory")) {
            try ImageCaptionPairs.read("/nonexistent/pairs.tsv")
        }
    }
}
