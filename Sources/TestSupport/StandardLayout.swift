import Foundation

/// Small data sets in CoOp's layout under a data root, made from the tinyshapes fixture
/// (6 classes: 48 train, 6 val, 18 test images), for tests of what reads `--root`.
public enum StandardLayout {
    /// Writes `caltech-101/` (images under `101_ObjectCategories/`, `split_zhou_Caltech101.json`)
    /// and `oxford_pets/` (under `images/`, `split_zhou_OxfordPets.json`), each the tinyshapes
    /// split with its images; with `imageNet`, also `imagenet/` as CoOp reads it: the train
    /// list in `images/train/<wnid>/`, the test list in `images/val/<wnid>/`, and
    /// `classnames.txt` (`n0000000<label> <class name>`).
    /// - Returns: the data root.
    public static func make(at root: String, imageNet: Bool = false) throws -> String {
        let fm = FileManager.default
        let tiny = fixture("tinyshapes")
        let split = try Data(contentsOf: URL(fileURLWithPath: tiny + "/split_zhou_TinyShapes.json"))
        for (directory, images, file) in [("caltech-101", "101_ObjectCategories", "split_zhou_Caltech101.json"),
                                          ("oxford_pets", "images", "split_zhou_OxfordPets.json")] {
            let imageRoot = "\(root)/\(directory)/\(images)"
            try fm.createDirectory(atPath: imageRoot, withIntermediateDirectories: true)
            try fm.copyItem(atPath: tiny + "/images", toPath: imageRoot + "/images")
            try split.write(to: URL(fileURLWithPath: "\(root)/\(directory)/\(file)"))
        }
        guard imageNet else { return root }
        guard let lists = try JSONSerialization.jsonObject(with: split) as? [String: [[Any]]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var names: [Int: String] = [:]
        for (part, folder) in [("train", "train"), ("test", "val")] {
            for item in lists[part] ?? [] {
                guard let path = item[0] as? String, let label = item[1] as? Int, let name = item[2] as? String else { continue }
                names[label] = name
                let dir = "\(root)/imagenet/images/\(folder)/n0000000\(label)"
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try fm.copyItem(atPath: "\(tiny)/\(path)", toPath: "\(dir)/\((path as NSString).lastPathComponent)")
            }
        }
        let classnames = names.keys.sorted().map { "n0000000\($0) \(names[$0]!)" }.joined(separator: "\n") + "\n"
        try classnames.write(toFile: "\(root)/imagenet/classnames.txt", atomically: true, encoding: .utf8)
        return root
    }
}
