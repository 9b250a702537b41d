/// A `classnames.txt` of ImageNet or one of its variants, as CoOp's `ImageNet.read_classnames`
/// reads it (`datasets/imagenet.py:63-76`): each line stripped and split at its spaces, the
/// first piece the folder name (a wnid such as `n01440764`), the rest joined by spaces the class
/// name, kept in an `OrderedDict`.
///
/// Splitting at `" "` and joining the rest with `" "` is splitting at the first space. A line
/// without a space names its folder with an empty class name; a blank line is the folder `""`.
struct ImageNetClassnames {
    /// The file read, for messages.
    var path: String
    /// The folder names in the dict's key order: the order of first appearance (an
    /// `OrderedDict` key that is set again keeps its place).
    var folders: [String]
    /// The class name of each folder; of a folder listed twice, the last line's.
    var names: [String: String]

    /// Reads `path` (Python's text-mode `readlines()`: `\n`, `\r\n` and `\r` end lines).
    ///
    /// - Throws: ``DatasetError/unreadable(path:reason:)`` when the file cannot be read.
    static func read(_ path: String) throws -> ImageNetClassnames {
        var classnames = ImageNetClassnames(path: path, folders: [], names: [:])
        for line in try readTextLines(path) {
            let (folder, name) = splitAtFirstSpace(pythonStripped(line))
            if classnames.names.updateValue(name, forKey: folder) == nil { classnames.folders.append(folder) }
        }
        return classnames
    }

    /// The class name of `folder`, whose images are in `folderPath` (CoOp's
    /// `classnames[folder]`, a `KeyError` when the file does not list it).
    ///
    /// - Throws: ``DatasetError/malformed(path:location:message:)`` naming this file and the folder.
    func classname(of folder: String, at folderPath: String) throws -> String {
        guard let name = names[folder] else {
            throw DatasetError.malformed(path: path, location: "folder \(folder)", message: "no class name for \(folderPath)")
        }
        return name
    }
}
