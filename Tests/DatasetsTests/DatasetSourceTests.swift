@testable import Datasets
import Foundation
import Testing

@Suite struct DatasetSourceTests {
    /// Directories, image roots and split files as in CoOp's `datasets/*.py`.
    @Test(arguments: [
        (StandardDataset.caltech101, "caltech-101", "caltech-101/101_ObjectCategories", "caltech-101/split_zhou_Caltech101.json"),
        (.oxfordPets, "oxford_pets", "oxford_pets/images", "oxford_pets/split_zhou_OxfordPets.json"),
        (.stanfordCars, "stanford_cars", "stanford_cars", "stanford_cars/split_zhou_StanfordCars.json"),
        (.oxfordFlowers, "oxford_flowers", "oxford_flowers/jpg", "oxford_flowers/split_zhou_OxfordFlowers.json"),
        (.food101, "food-101", "food-101/images", "food-101/split_zhou_Food101.json"),
        (.fgvcAircraft, "fgvc_aircraft", "fgvc_aircraft/images", "fgvc_aircraft/images_variant_*.txt"),
        (.sun397, "sun397", "sun397/SUN397", "sun397/split_zhou_SUN397.json"),
        (.describableTextures, "dtd", "dtd/images", "dtd/split_zhou_DescribableTextures.json"),
        (.euroSAT, "eurosat", "eurosat/2750", "eurosat/split_zhou_EuroSAT.json"),
        (.ucf101, "ucf101", "ucf101/UCF-101-midframes", "ucf101/split_zhou_UCF101.json"),
        (.imageNet, "imagenet", "imagenet/images", "imagenet/preprocessed.json"),
        // The ImageNet variants' lists are their image folders.
        (.imageNetV2, "imagenetv2", "imagenetv2/imagenetv2-matched-frequency-format-val", "imagenetv2/imagenetv2-matched-frequency-format-val"),
        (.imageNetSketch, "imagenet-sketch", "imagenet-sketch/images", "imagenet-sketch/images"),
        (.imageNetA, "imagenet-adversarial", "imagenet-adversarial/imagenet-a", "imagenet-adversarial/imagenet-a"),
        (.imageNetR, "imagenet-rendition", "imagenet-rendition/imagenet-r", "imagenet-rendition/imagenet-r"),
    ])
    func layoutFollowsCoOp(dataset: StandardDataset, directory: String, images: String, lists: String) {
        let source = DatasetSource.standard(dataset, root: "/data")
        #expect(source.datasetDirectory == "/data/" + directory)
        #expect(source.imageRoot == "/data/" + images)
        #expect(source.listFile == "/data/" + lists)
        #expect(source.fewShotCachePath(shots: 16, seed: 2) == "/data/\(directory)/split_fewshot/shot_16-seed_2.json")
    }

    @Test(arguments: [("Flowers102", StandardDataset.oxfordFlowers), ("dtd", .describableTextures),
                      ("eurosat", .euroSAT), ("fgvc_aircraft", .fgvcAircraft), ("ImageNet", .imageNet),
                      // CoOp's DATASET.NAME and its config file names (configs/datasets/*.yaml).
                      ("ImageNetV2", .imageNetV2), ("imagenetv2", .imageNetV2), ("ImageNetSketch", .imageNetSketch),
                      ("imagenet_sketch", .imageNetSketch), ("ImageNetA", .imageNetA), ("imagenet_a", .imageNetA),
                      ("imagenet-adversarial", .imageNetA), ("ImageNetR", .imageNetR), ("imagenet_r", .imageNetR),
                      ("imagenet-rendition", .imageNetR)])
    func namesAndAliasesResolve(name: String, dataset: StandardDataset) {
        #expect(StandardDataset(name: name) == dataset)
    }

    @Test func unknownNameListsTheKnownOnes() {
        #expect(StandardDataset(name: "MNIST") == nil)
        #expect(throws: DatasetError.unknownDataset(name: "MNIST")) { try StandardDataset.named("MNIST") }
        #expect(DatasetError.unknownDataset(name: "MNIST").description.contains("Caltech101, OxfordPets"))
    }

    @Test func relativeRootsAreMadeAbsolute() {
        let source = DatasetSource.standard(.euroSAT, root: "data/../DATA/./x")
        #expect(source.imageRoot == FileManager.default.currentDirectoryPath + "/DATA/x/eurosat/2750")
    }

    @Test func fgvcAircraftReadsItsTextListsAsCoOp() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/fgvc_aircraft"
            try writeFile(directory + "/variants.txt", "707-320\nA300B4\nDC-10\n")
            try writeFile(directory + "/images_variant_train.txt", "1025794 707-320\n0056978 DC-10\n\n")
            try writeFile(directory + "/images_variant_val.txt", "0062765 A300B4\r\n")
            try writeFile(directory + "/images_variant_test.txt", "1514522 DC-10\n2233 Cessna 172\n")
            let source = DatasetSource.standard(.fgvcAircraft, root: root)
            #expect {
                try source.readSplits()
            } throws: {
                "\($0)" == "\(directory)/images_variant_test.txt: line 2: class 'Cessna 172' is not in \(directory)/variants.txt"
            }
            try writeFile(directory + "/images_variant_test.txt", "1514522 DC-10\n")
            let splits = try source.readSplits()
            #expect(splits.train == [DatasetItem(path: directory + "/images/1025794.jpg", label: 0, classname: "707-320"),
                                     DatasetItem(path: directory + "/images/0056978.jpg", label: 2, classname: "DC-10")])
            #expect(splits.val.map(\.label) == [1] && splits.test.map(\.label) == [2])
        }
    }

    @Test func imageNetScansFoldersAndCachesTheLists() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/imagenet"
            try writeFile(directory + "/classnames.txt", "n02 goldfish\nn01 tench fish\n")
            for (split, folder, files) in [("train", "n02", ["b.JPEG", "a.JPEG", ".hidden"]), ("train", "n01", ["c.JPEG"]),
                                           ("val", "n01", ["v1.JPEG"]), ("val", "n02", ["v2.JPEG"])] {
                for file in files { try writeFile("\(directory)/images/\(split)/\(folder)/\(file)", "x") }
            }
            let source = DatasetSource.standard(.imageNet, root: root)
            let splits = try source.readSplits()
            // Labels by sorted folder; files in directory order (whatever readdir gives).
            let listed = try FileManager.default.contentsOfDirectory(atPath: directory + "/images/train/n02")
            #expect(splits.train.first == DatasetItem(path: directory + "/images/train/n01/c.JPEG", label: 0, classname: "tench fish"))
            #expect(Set(splits.train.dropFirst().map(\.path)) == Set(listed.filter { !$0.hasPrefix(".") }.map { directory + "/images/train/n02/" + $0 }))
            #expect(splits.test.map(\.label) == [0, 1] && splits.val == splits.test)
            #expect(FileManager.default.fileExists(atPath: directory + "/preprocessed.json"))
            // Read back from the cache: same lists.
            #expect(try source.readSplits() == splits)
            // Few-shot samples train only; val stays the test list.
            let loaded = try source.load(shots: 1, seed: 1)
            #expect(loaded.splits.train.count == 2 && loaded.splits.val == loaded.splits.test)
            #expect(loaded.classnames == ["tench fish", "goldfish"])
        }
    }
}
