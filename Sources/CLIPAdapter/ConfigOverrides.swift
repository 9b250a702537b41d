import TensorIO

/// `--set key=value` overrides on a JSON configuration, as Dassl's `opts` list.
///
/// The key is a dotted path into nested objects (`prompt_optim.lr`); missing objects are
/// created. The value is read as JSON when it parses (`0.01`, `true`, `"text"`, `[1, 2]`),
/// otherwise taken as a plain string (`coop`).
public enum ConfigOverrides {
    public static func apply(_ assignments: [String], to config: JSONValue) throws -> JSONValue {
        guard var root = config.objectValue else { throw ConfigurationError("the configuration must be a JSON object") }
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw ConfigurationError("--set '\(assignment)': expected key=value")
            }
            let path = assignment[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains("") else { throw ConfigurationError("--set '\(assignment)': empty key segment") }
            let text = String(assignment[assignment.index(after: eq)...])
            let value = (try? JSONValue(parsing: text)) ?? .string(text)
            root = try set(path[...], value, in: root, assignment: assignment)
        }
        return .object(root)
    }

    static func set(_ path: ArraySlice<String>, _ value: JSONValue, in object: JSONObject, assignment: String) throws -> JSONObject {
        var object = object
        let key = path.first!
        if path.count == 1 {
            object[key] = value
        } else {
            let child = object[key] ?? .object(JSONObject())
            guard let nested = child.objectValue else {
                throw ConfigurationError("--set '\(assignment)': '\(key)' is not an object")
            }
            object[key] = .object(try set(path.dropFirst(), value, in: nested, assignment: assignment))
        }
        return object
    }
}
