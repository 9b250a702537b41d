/// A mistake in how the command was called: exit code 64 (EX_USAGE) and the usage text.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A command's parsed arguments: `--name value`, `--name=value`, bare `--flag`s and
/// positionals, checked against the options the command declares.
struct Arguments {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positional: [String] = []
    let wantsHelp: Bool

    /// - Parameters:
    ///   - options: names (without `--`) that take a value; they may repeat.
    ///   - flags: names that take none.
    init(_ raw: [String], options: Set<String>, flags knownFlags: Set<String> = []) throws {
        var help = false
        var i = 0
        while i < raw.count {
            let word = raw[i]
            i += 1
            if word == "--help" || word == "-h" { help = true; continue }
            guard word.hasPrefix("--"), word.count > 2 else { positional.append(word); continue }
            var name = String(word.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if knownFlags.contains(name) {
                guard value == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if options.contains(name) {
                if value == nil {
                    guard i < raw.count else { throw UsageError("--\(name) needs a value") }
                    value = raw[i]
                    i += 1
                }
                values[name, default: []].append(value!)
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
        wantsHelp = help
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func string(_ name: String) -> String? { values[name]?.last }
    func strings(_ name: String) -> [String] { values[name] ?? [] }

    func required(_ name: String) throws -> String {
        guard let v = string(name) else { throw UsageError("missing --\(name)") }
        return v
    }

    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int> = 0...Int.max) throws -> Int {
        guard let text = string(name) else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw UsageError("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return v
    }

    /// `--name MIN,MAX` with 0 < MIN ≤ MAX ≤ 1 (an area fraction range).
    func unitRange(_ name: String, default fallback: ClosedRange<Double>) throws -> ClosedRange<Double> {
        guard let text = string(name) else { return fallback }
        let parts = text.split(separator: ",").compactMap { Double($0) }
        guard parts.count == 2, parts[0] > 0, parts[0] <= parts[1], parts[1] <= 1 else {
            throw UsageError("--\(name) takes MIN,MAX with 0 < MIN ≤ MAX ≤ 1, got '\(text)'")
        }
        return parts[0]...parts[1]
    }

    func double(_ name: String, default fallback: Double) throws -> Double {
        guard let text = string(name) else { return fallback }
        guard let v = Double(text), v.isFinite else { throw UsageError("--\(name) must be a number, got '\(text)'") }
        return v
    }
}
