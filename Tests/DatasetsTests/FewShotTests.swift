@testable import Datasets
import Foundation
import Testing

/// The tinyshapes lists with the split file copied into `directory` (so the few-shot cache is
/// written there, never into the fixtures) and images read from the fixtures.
func tinyShapesSource(in directory: String) throws -> DatasetSource {
    let split = directory + "/split_zhou_TinyShapes.json"
    try FileManager.default.copyItem(atPath: TestFixtures.tinyshapes("split_zhou_TinyShapes.json"), toPath: split)
    return .custom(splitFile: split, imageRoot: TestFixtures.tinyshapes)
}

/// `class/NNN` of an item under `images/`.
private func shortName(_ item: DatasetItem) -> String {
    let parts = item.path.split(separator: "/")
    return "\(parts[parts.count - 2])/\(parts[parts.count - 1].dropLast(4))"
}

@Suite struct FewShotTests {
    /// CoOp's picks: `random.seed(seed)` then Dassl's `generate_fewshot_dataset` on the
    /// tinyshapes train list (8 images per class) with CPython 3.11, printed once.
    @Test(arguments: [
        (1, 1, ["purple_circle/002", "purple_square/001", "purple_triangle/004", "blue_circle/001", "blue_square/007", "blue_triangle/007"]),
        (1, 2, ["purple_circle/002", "purple_circle/004", "purple_square/001", "purple_square/002", "purple_triangle/001", "purple_triangle/003",
                "blue_circle/007", "blue_circle/003", "blue_square/006", "blue_square/007", "blue_triangle/003", "blue_triangle/000"]),
        (1, 4, ["purple_circle/002", "purple_circle/004", "purple_circle/000", "purple_circle/007", "purple_square/001", "purple_square/003",
                "purple_square/006", "purple_square/005", "purple_triangle/006", "purple_triangle/007", "purple_triangle/001", "purple_triangle/000",
                "blue_circle/007", "blue_circle/000", "blue_circle/003", "blue_circle/005", "blue_square/000", "blue_square/005",
                "blue_square/003", "blue_square/002", "blue_triangle/003", "blue_triangle/004", "blue_triangle/000", "blue_triangle/002"]),
        (2, 1, ["purple_circle/000", "purple_square/001", "purple_triangle/001", "blue_circle/005", "blue_square/002", "blue_triangle/004"]),
        (2, 2, ["purple_circle/000", "purple_circle/007", "purple_square/001", "purple_square/002", "purple_triangle/002", "purple_triangle/005",
                "blue_circle/004", "blue_circle/002", "blue_square/003", "blue_square/004", "blue_triangle/000", "blue_triangle/004"]),
        (3, 1, ["purple_circle/003", "purple_square/002", "purple_triangle/005", "blue_circle/007", "blue_square/001", "blue_triangle/000"]),
        (3, 4, ["purple_circle/003", "purple_circle/004", "purple_circle/006", "purple_circle/001", "purple_square/005", "purple_square/004",
                "purple_square/003", "purple_square/006", "purple_triangle/001", "purple_triangle/004", "purple_triangle/000", "purple_triangle/003",
                "blue_circle/004", "blue_circle/007", "blue_circle/001", "blue_circle/005", "blue_square/007", "blue_square/004",
                "blue_square/006", "blue_square/003", "blue_triangle/006", "blue_triangle/005", "blue_triangle/001", "blue_triangle/007"]),
    ])
    func tinyShapesPicksMatchCoOp(seed: Int, shots: Int, expected: [String]) throws {
        try withTemporaryDirectory { directory in
            let loaded = try tinyShapesSource(in: directory).load(shots: shots, seed: seed)
            #expect(loaded.splits.train.map(shortName) == expected)
            // One val image per class, so min(shots, 4) keeps it whatever was drawn.
            #expect(loaded.splits.val.map(shortName) == ["purple_circle/008", "purple_square/008", "purple_triangle/008",
                                                         "blue_circle/008", "blue_square/008", "blue_triangle/008"])
            #expect(loaded.splits.test.count == 18)
            #expect(loaded.classnames == ["purple circle", "purple square", "purple triangle",
                                          "blue circle", "blue square", "blue triangle"])
        }
    }

    @Test func moreShotsThanImagesKeepsEveryImageInOrder() throws {
        try withTemporaryDirectory { directory in
            let source = try tinyShapesSource(in: directory)
            let all = try source.readSplits()
            let loaded = try source.load(shots: 16, seed: 1)
            #expect(loaded.splits.train == all.train)
            #expect(try source.load(shots: 0, seed: 1).fewShotCache == .notUsed)
        }
    }

    /// Labels first seen in the order 2, 0, 1 with 30, 100 and 7 items, interleaved: Dassl
    /// groups by first appearance; 100 items with 16 shots takes CPython's set algorithm, 30
    /// the pool algorithm, 7 < 16 keeps all. Then val = 4 shots from the same generator.
    /// Expected indices printed once by CPython 3.11 after `random.seed(7)`.
    @Test func groupsInFirstAppearanceOrderAndChainsTheGenerator() {
        let counts = [2: 30, 0: 100, 1: 7]
        var items: [DatasetItem] = []
        for round in 0..<100 {
            for label in [2, 0, 1] where round < counts[label]! {
                items.append(DatasetItem(path: "/img\(items.count)", label: label, classname: "c\(label)"))
            }
        }
        #expect(FewShot.groupedByLabel(items).map(\.label) == [2, 0, 1])
        let lists = FewShot.coopLists(train: items, val: items, shots: 16, seed: 7)
        let index = { (item: DatasetItem) in Int(item.path.dropFirst(4))! }
        #expect(lists.train.map(index) == [27, 12, 31, 47, 3, 6, 41, 9, 29, 43, 57, 39, 18, 45, 55, 53,
                                           90, 24, 67, 30, 107, 91, 22, 109, 38, 64, 117, 111, 110, 87, 19, 16,
                                           2, 5, 8, 11, 14, 17, 20])
        #expect(lists.val?.map(index) == [41, 61, 12, 25, 90, 44, 106, 38, 14, 8, 20, 5])
    }

    @Test func cacheIsWrittenAsJSONAndReusedWhenPresent() throws {
        try withTemporaryDirectory { directory in
            let source = try tinyShapesSource(in: directory)
            let path = directory + "/split_fewshot/shot_2-seed_1.json"
            #expect(source.fewShotCachePath(shots: 2, seed: 1) == path)
            let first = try source.load(shots: 2, seed: 1)
            #expect(first.fewShotCache == .written(path: path))
            let cached = try SplitFile.read(path, imageRoot: TestFixtures.tinyshapes, lists: ["train", "val"])
            #expect(cached["train"] == first.splits.train && cached["val"] == first.splits.val)
            // Paths in the cache are relative to the image root, as in the split file.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("\"images/purple_circle/002.jpg\"") && !text.contains(TestFixtures.tinyshapes))

            // A present cache wins over sampling: shorten it and load again.
            let shortened = try SplitFile.read(path, imageRoot: TestFixtures.tinyshapes, lists: ["train", "val"])
            var object = JSONObjectBuilder()
            object.add("train", Array(shortened["train"]!.prefix(3)))
            object.add("val", shortened["val"]!)
            try writeFile(path, object.text(imageRoot: TestFixtures.tinyshapes))
            let second = try source.load(shots: 2, seed: 1)
            #expect(second.fewShotCache == .loaded(path: path))
            #expect(second.splits.train == Array(first.splits.train.prefix(3)))
        }
    }

    @Test func unwritableCacheIsReportedNotFatal() throws {
        try withTemporaryDirectory { directory in
            let source = try tinyShapesSource(in: directory)
            // A file where the split_fewshot directory should be.
            try writeFile(directory + "/split_fewshot", "not a directory")
            let loaded = try source.load(shots: 1, seed: 1)
            guard case .notWritten(let path, _) = loaded.fewShotCache else {
                Issue.record("expected notWritten, got \(loaded.fewShotCache)")
                return
            }
            #expect(path == directory + "/split_fewshot/shot_1-seed_1.json")
            #expect(loaded.splits.train.count == 6)
        }
    }

    // MARK: Base and new classes

    @Test func baseTakesTheFirstHalfOfSortedLabelsRoundingUp() throws {
        try withTemporaryDirectory { directory in
            let source = try tinyShapesSource(in: directory)
            let base = try source.load(shots: 0, seed: 1, subset: .base)
            #expect(base.classnames == ["purple circle", "purple square", "purple triangle"])
            #expect(Set(base.splits.train.map(\.label)) == [0, 1, 2])
            #expect(base.splits.test.count == 9 && base.splits.val.count == 3)
            let new = try source.load(shots: 0, seed: 1, subset: .new)
            #expect(new.classnames == ["blue circle", "blue square", "blue triangle"])
            #expect(new.splits.test.map(\.label) == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        }
    }

    @Test func subsetOfAnOddNumberOfLabelsGivesBaseTheExtraOne() {
        let labels = [4, 0, 2, 1, 3]
        let train = labels.map { DatasetItem(path: "/\($0)", label: $0, classname: "c\($0)") }
        let test = [DatasetItem(path: "/t3", label: 3, classname: "c3"), DatasetItem(path: "/t1", label: 1, classname: "c1")]
        let base = ClassSubset.base.apply([train, test])
        #expect(base[0].map(\.path) == ["/0", "/2", "/1"] && base[0].map(\.label) == [0, 2, 1])
        #expect(base[1].map(\.path) == ["/t1"] && base[1].map(\.label) == [1])
        let new = ClassSubset.new.apply([train, test])
        #expect(new[0].map(\.path) == ["/4", "/3"] && new[0].map(\.label) == [1, 0])
        #expect(new[1].map(\.label) == [0])
        #expect(ClassSubset.all.apply([train, test]) == [train, test])
    }
}

/// Builds a split-format JSON document for tests.
struct JSONObjectBuilder {
    private var lists: [(String, [DatasetItem])] = []

    mutating func add(_ name: String, _ items: [DatasetItem]) {
        lists.append((name, items))
    }

    func text(imageRoot: String) -> String {
        let prefix = imageRoot + "/"
        let body = lists.map { name, items in
            let entries = items.map { item in
                let path = item.path.hasPrefix(prefix) ? String(item.path.dropFirst(prefix.count)) : item.path
                return "[\"\(path)\", \(item.label), \"\(item.classname)\"]"
            }
            return "\"\(name)\": [\(entries.joined(separator: ", "))]"
        }
        return "{" + body.joined(separator: ", ") + "}"
    }
}
