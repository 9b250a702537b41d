@testable import Datasets
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The ImageNet variants read from small layouts in CoOp's folder naming, with known answers
/// from CoOp's `datasets/imagenetv2.py`, `imagenet_sketch.py`, `imagenet_a.py`, `imagenet_r.py`.
@Suite struct ImageNetVariantFoldersTests {
    /// The first lines of ImageNet's `classnames.txt` that matter here, in its order.
    static let classnamesLines = """
        n01440764 tench
        n01443537 goldfish
        n01484850 great white shark
        n01494475 hammerhead shark
        n01498041 stingray
        n01531178 goldfinch
        n01534433 junco

        """

    /// The files of `folder` but hidden ones, as `os.listdir` lists them (directory order).
    func listed(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
    }

    @Test func classnamesAreReadAsAnOrderedDict() throws {
        try withTemporaryDirectory { root in
            // Key order of first appearance, last value wins, the rest of the line after the
            // first space kept as is, a blank line the folder "", CRLF line ends.
            try writeFile(root + "/classnames.txt", "n02 b\r\nn01 a  x\n\nn02 c\nn03\n")
            let classnames = try ImageNetClassnames.read(root + "/classnames.txt")
            #expect(classnames.folders == ["n02", "n01", "", "n03"])
            #expect(classnames.names == ["n02": "c", "n01": "a  x", "": "", "n03": ""])
        }
    }

    @Test func imageNetV2LabelsFolderIByTheIthClassnamesEntry() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/imagenetv2", images = directory + "/imagenetv2-matched-frequency-format-val"
            // File order, not sorted: label 0 is n03's.
            try writeFile(directory + "/classnames.txt", "n03 gamma ray\nn01 alpha\nn02 beta\n")
            for (folder, files) in [("0", ["7e3f.jpeg"]), ("1", ["b.jpeg", "a.jpeg", ".DS_Store"]), ("2", ["c.jpeg"])] {
                for file in files { try writeFile("\(images)/\(folder)/\(file)", "x") }
            }
            let classnames = try ImageNetClassnames.read(directory + "/classnames.txt")
            let items = try ImageNetVariantFolders.numberedFolders(images, classnames: classnames, classCount: 3)
            #expect(items == [DatasetItem(path: images + "/0/7e3f.jpeg", label: 0, classname: "gamma ray")]
                + (try listed(images + "/1")).map { DatasetItem(path: images + "/1/" + $0, label: 1, classname: "alpha") }
                + [DatasetItem(path: images + "/2/c.jpeg", label: 2, classname: "beta")])
            #expect(items.count == 4)

            // A missing folder, and fewer names than labels.
            #expect(throws: DatasetError.unreadable(path: images + "/3", reason: "No such file or directory")) {
                try ImageNetVariantFolders.numberedFolders(images, classnames: classnames, classCount: 4)
            }
            try writeFile(images + "/3/d.jpeg", "x")
            #expect(throws: DatasetError.malformed(path: directory + "/classnames.txt", location: "label 3",
                                                   message: "no class for \(images)/3: the file lists 3 folders, ImageNet-V2 has 4 labels")) {
                try ImageNetVariantFolders.numberedFolders(images, classnames: classnames, classCount: 4)
            }
        }
    }

    /// The dataset's own path reads folders 0…999, as CoOp's `range(1000)`, and no further
    /// (most of them empty; about a second on this machine's file system, which is slow at
    /// making and removing folders).
    @Test func imageNetV2ReadsFoldersZeroTo999() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/imagenetv2", images = directory + "/imagenetv2-matched-frequency-format-val"
            try writeFile(directory + "/classnames.txt", (0...1000).map { "n\(10_000 + $0) class \($0)\n" }.joined())
            try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
            let notMade = (0...1000).filter { mkdir("\(images)/\($0)", 0o755) != 0 }
            #expect(notMade.isEmpty)
            for label in [0, 417, 999, 1000] { try writeFile("\(images)/\(label)/\(label).jpeg", "x") }
            let splits = try DatasetSource.standard(.imageNetV2, root: root).readSplits()
            #expect(splits.test == [0, 417, 999].map { DatasetItem(path: "\(images)/\($0)/\($0).jpeg", label: $0, classname: "class \($0)") })
            #expect(splits.train == splits.test && splits.val.isEmpty)
        }
    }

    @Test func imageNetSketchLabelsItsSortedFolders() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/imagenet-sketch", images = directory + "/images"
            try writeFile(directory + "/classnames.txt", Self.classnamesLines)
            for (folder, files) in [("n01443537", ["sketch_2.JPEG", "sketch_1.JPEG"]), ("n01440764", ["sketch_0.JPEG", ".hidden"])] {
                for file in files { try writeFile("\(images)/\(folder)/\(file)", "x") }
            }
            try writeFile(images + "/.DS_Store", "x")
            let splits = try DatasetSource.standard(.imageNetSketch, root: root).readSplits()
            #expect(splits.test == [DatasetItem(path: images + "/n01440764/sketch_0.JPEG", label: 0, classname: "tench")]
                + (try listed(images + "/n01443537")).map { DatasetItem(path: images + "/n01443537/" + $0, label: 1, classname: "goldfish") })
            #expect(splits.train == splits.test && splits.val.isEmpty)

            // Sketch ignores no name: a README.txt there fails as CoOp's os.listdir of it does.
            try writeFile(images + "/README.txt", "x")
            #expect(throws: DatasetError.unreadable(path: images + "/README.txt", reason: "Not a directory")) {
                try DatasetSource.standard(.imageNetSketch, root: root).readSplits()
            }
        }
    }

    /// ImageNet-A's first wnids and ImageNet-R's, beside ImageNet ones they lack: labels
    /// 0..<n over the sorted folders, names from classnames.txt, README.txt and hidden names
    /// skipped.
    @Test(arguments: [
        (StandardDataset.imageNetA, "imagenet-adversarial/imagenet-a", ["n01534433", "n01498041", "n01531178"], ["stingray", "goldfinch", "junco"]),
        (.imageNetR, "imagenet-rendition/imagenet-r", ["n01494475", "n01443537", "n01484850"], ["goldfish", "great white shark", "hammerhead shark"]),
    ])
    func adversarialAndRenditionLabelTheirSortedFolders(dataset: StandardDataset, images: String, wnids: [String], names: [String]) throws {
        try withTemporaryDirectory { root in
            let source = DatasetSource.standard(dataset, root: root)
            #expect(source.imageRoot == root + "/" + images)
            try writeFile(source.datasetDirectory + "/classnames.txt", Self.classnamesLines)
            let imageRoot = source.imageRoot
            try writeFile(imageRoot + "/README.txt", "x")
            try writeFile(imageRoot + "/.hidden", "x")
            for (index, wnid) in wnids.enumerated() {
                try writeFile("\(imageRoot)/\(wnid)/0.000_\(index).jpg", "x")
                try writeFile("\(imageRoot)/\(wnid)/._0.000_\(index).jpg", "x")
            }
            let splits = try source.readSplits()
            let sorted = wnids.sorted()
            #expect(splits.test == sorted.enumerated().map { label, wnid in
                DatasetItem(path: "\(imageRoot)/\(wnid)/0.000_\(wnids.firstIndex(of: wnid)!).jpg", label: label, classname: names[label])
            })
            #expect(splits.train == splits.test && splits.val.isEmpty)
            let loaded = try source.load(shots: 0, seed: 1)
            #expect(loaded.classnames == names && loaded.splits == splits)

            // A wnid classnames.txt does not name.
            try writeFile(imageRoot + "/n09999999/1.jpg", "x")
            #expect(throws: DatasetError.malformed(path: source.datasetDirectory + "/classnames.txt", location: "folder n09999999",
                                                   message: "no class name for \(imageRoot)/n09999999")) {
                try source.readSplits()
            }
        }
    }

    @Test(arguments: [StandardDataset.imageNetV2, .imageNetSketch, .imageNetA, .imageNetR])
    func missingFoldersAndFilesAreNamed(dataset: StandardDataset) throws {
        try withTemporaryDirectory { root in
            let source = DatasetSource.standard(dataset, root: root)
            let classnames = source.datasetDirectory + "/classnames.txt"
            #expect(throws: DatasetError.unreadable(path: classnames, reason: "No such file or directory")) { try source.readSplits() }
            try writeFile(classnames, Self.classnamesLines)
            // V2's first folder is 0; the others list the image folder itself.
            let missing = dataset == .imageNetV2 ? source.imageRoot + "/0" : source.imageRoot
            #expect(throws: DatasetError.unreadable(path: missing, reason: "No such file or directory")) { try source.readSplits() }
        }
    }

    @Test func testOnlySetsRefuseShotsAndSubsets() throws {
        let source = DatasetSource.standard(.imageNetA, root: "/nonexistent")
        #expect(throws: DatasetError.testOnly(dataset: .imageNetA, refused: "16-shot training list")) { try source.load(shots: 16, seed: 1) }
        #expect(throws: DatasetError.testOnly(dataset: .imageNetA, refused: "'base' class subset")) {
            try source.load(shots: 0, seed: 1, subset: .base)
        }
        #expect(DatasetError.testOnly(dataset: .imageNetA, refused: "16-shot training list").description
            == "ImageNetA is a test-only dataset (CoOp's domain-generalisation set: every image in the test list, all its classes), "
            + "so it has no 16-shot training list; learn prompts on ImageNet and evaluate them on it with all classes")
        #expect(StandardDataset.allCases.filter(\.isTestOnly) == [.imageNetV2, .imageNetSketch, .imageNetA, .imageNetR])
    }
}
