import TensorIO

/// Dassl/CoOp's `split_zhou_<Name>.json`: an object with `train`, `val` and `test` lists of
/// `[relative image path, label, classname]` (CoOp's `OxfordPets.read_split`/`save_split`).
///
/// Paths are joined to the image root as `os.path.join` does (an absolute path stays as it
/// is); labels may be JSON integers, integral numbers or strings of an integer (CoOp applies
/// `int()`); class names are kept exactly as written.
public enum SplitFile {
    /// Reads a split file.
    ///
    /// - Parameters:
    ///   - path: the JSON file.
    ///   - imageRoot: the directory entry paths are relative to.
    ///   - lists: which lists must be present (the few-shot cache has only train and val).
    /// - Throws: ``DatasetError/malformed(path:location:message:)`` naming the list and entry
    ///   (`train[12]`), or the JSON line and column.
    public static func read(_ path: String, imageRoot: String,
                            lists: [String] = ["train", "val", "test"]) throws -> [String: [DatasetItem]] {
        let json = try readJSONFile(path)
        guard let object = json.objectValue else {
            throw DatasetError.malformed(path: path, location: "top level",
                                         message: "expected an object with \(lists.joined(separator: "/")) lists")
        }
        var result: [String: [DatasetItem]] = [:]
        for list in lists {
            guard let value = object[list] else {
                throw DatasetError.malformed(path: path, location: "top level", message: "no \"\(list)\" list")
            }
            result[list] = try entries(value, list: list, path: path, imageRoot: imageRoot)
        }
        return result
    }

    /// Reads the `train`, `val` and `test` lists of a split file.
    public static func readSplits(_ path: String, imageRoot: String) throws -> DatasetSplits {
        let lists = try read(path, imageRoot: imageRoot)
        return DatasetSplits(train: lists["train"]!, val: lists["val"]!, test: lists["test"]!)
    }

    static func entries(_ value: JSONValue, list: String, path: String, imageRoot: String) throws -> [DatasetItem] {
        guard let elements = value.arrayValue else {
            throw DatasetError.malformed(path: path, location: "\"\(list)\"",
                                         message: "expected a list of [path, label, classname], found \(brief(value))")
        }
        var items: [DatasetItem] = []
        items.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            func fail(_ message: String) -> DatasetError {
                .malformed(path: path, location: "\(list)[\(index)]", message: "\(message) in \(brief(element))")
            }
            guard let triple = element.arrayValue, triple.count == 3 else {
                throw fail("expected [path, label, classname]")
            }
            guard let relative = triple[0].stringValue, !relative.isEmpty else {
                throw fail("the image path must be a non-empty string")
            }
            guard let label = integerLabel(triple[1]), label >= 0 else {
                throw fail("the label must be a non-negative integer")
            }
            guard let classname = triple[2].stringValue else {
                throw fail("the class name must be a string")
            }
            items.append(DatasetItem(path: joinPath(imageRoot, relative), label: label, classname: classname))
        }
        return items
    }

    /// `int(label)` for the label forms split files use.
    static func integerLabel(_ value: JSONValue) -> Int? {
        switch value {
        case .int: value.intValue
        case .double(let x): x.rounded(.towardZero) == x ? Int(exactly: x) : nil
        case .string(let text): Int(pythonStripped(text))
        default: nil
        }
    }

    /// `items` as split-file entries, with the image root removed from the paths as CoOp's
    /// `save_split` does. A path outside the root stays absolute, and so does one that would
    /// not read back as itself: `/root//x.jpg` (the rest, `/x.jpg`, is absolute) or `/root/`.
    static func json(_ items: [DatasetItem], imageRoot: String) -> JSONValue {
        let prefix = imageRoot.hasSuffix("/") ? imageRoot : imageRoot + "/"
        return .array(items.map { item in
            let rest = item.path.hasPrefix(prefix) ? item.path.dropFirst(prefix.count) : ""
            let path = rest.isEmpty || rest.hasPrefix("/") ? item.path : String(rest)
            return [.string(path), .int(Int64(item.label)), .string(item.classname)]
        })
    }

    /// A JSON value shortened for an error message.
    static func brief(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count <= 120 ? text : String(text.prefix(117)) + "..."
    }
}
