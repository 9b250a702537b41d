/// FGVC-Aircraft as CoOp reads it (`datasets/fgvc_aircraft.py`): there is no Zhou split file;
/// the lists come from the dataset's own `data/` files.
///
/// - `variants.txt`: one class name per line; label = line index (every line counts, as in
///   CoOp's `readlines()` loop).
/// - `images_variant_{train,val,test}.txt`: `<image id> <class name>` per line; the image is
///   `images/<image id>.jpg` and the label that of the class name. Blank lines are skipped.
public enum FGVCAircraftLists {
    /// Reads the three lists of the dataset directory `directory` (CoOp's `fgvc_aircraft/`).
    ///
    /// - Throws: ``DatasetError`` naming the file and line of an unknown class name.
    public static func read(directory: String) throws -> DatasetSplits {
        let imageRoot = joinPath(directory, "images")
        let variantsPath = joinPath(directory, "variants.txt")
        var labels: [String: Int] = [:]
        for (index, line) in try readTextLines(variantsPath).enumerated() {
            // A repeated name keeps its last index, as CoOp's dict comprehension does.
            labels[pythonStripped(line)] = index
        }
        func list(_ name: String) throws -> [DatasetItem] {
            let path = joinPath(directory, name)
            var items: [DatasetItem] = []
            for (index, line) in try readTextLines(path).enumerated() {
                let stripped = pythonStripped(line)
                if stripped.isEmpty { continue }
                let (id, classname) = splitAtFirstSpace(stripped)
                guard let label = labels[classname] else {
                    throw DatasetError.malformed(path: path, location: "line \(index + 1)",
                                                 message: "class '\(classname)' is not in \(variantsPath)")
                }
                items.append(DatasetItem(path: joinPath(imageRoot, id + ".jpg"), label: label, classname: classname))
            }
            return items
        }
        return DatasetSplits(train: try list("images_variant_train.txt"),
                             val: try list("images_variant_val.txt"),
                             test: try list("images_variant_test.txt"))
    }
}

/// Python's `line.split(" ")` into its first field and `" ".join(rest)`.
func splitAtFirstSpace(_ line: String) -> (first: String, rest: String) {
    guard let space = line.firstIndex(of: " ") else { return (line, "") }
    return (String(line[..<space]), String(line[line.index(after: space)...]))
}
