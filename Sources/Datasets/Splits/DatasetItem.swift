/// One labelled image: Dassl's `Datum(impath, label, classname)`.
public struct DatasetItem: Sendable, Hashable, CustomStringConvertible {
    /// Absolute path of the image file.
    public var path: String
    /// Class index, `0..<classCount`.
    public var label: Int
    /// The class name as the split file gives it, e.g. `"Faces"` or `"purple circle"`.
    public var classname: String

    public init(path: String, label: Int, classname: String) {
        self.path = path
        self.label = label
        self.classname = classname
    }

    public var description: String { "[\(path), \(label), \(classname)]" }
}
