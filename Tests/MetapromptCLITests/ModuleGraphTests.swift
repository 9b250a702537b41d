import Foundation
import TestSupport
import Testing

/// The README's module graph (its Layout table) is Package.swift's: the same targets, each
/// with the same imports.
@Suite struct ModuleGraphTests {
    static let root = fixturesDirectory().deletingLastPathComponent().deletingLastPathComponent()

    /// Non-test targets and their dependencies, from `.target`, `.executableTarget` and
    /// `.systemLibrary` declarations.
    static func package() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var graph: [String: Set<String>] = [:]
        let declaration = try Regex(#"\.(target|executableTarget|systemLibrary)\(name: "([A-Za-z]+)"(?:,\s*dependencies: \[([^\]]*)\])?"#)
        for match in text.matches(of: declaration) {
            let name = String(match.output[2].substring!)
            let dependencies = match.output[3].substring.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \n\"")) } } ?? []
            graph[name] = Set(dependencies.filter { !$0.isEmpty })
        }
        return graph
    }

    /// The Layout table's rows: backticked names in the first column, backticked imports in
    /// the last ("—" for none).
    static func readme() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = text.range(of: "| target | what it is | imports |") else { return [:] }
        var graph: [String: Set<String>] = [:]
        for line in text[start.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func names(_ cell: String) -> [String] { cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } }
            for name in names(cells[1]) { graph[name] = Set(names(cells[cells.count - 2])) }
        }
        return graph
    }

    @Test func readmeLayoutIsPackageSwiftsGraph() throws {
        let package = try Self.package(), readme = try Self.readme()
        #expect(package.count >= 15, "parsed \(package.keys.sorted())")
        #expect(Set(readme.keys) == Set(package.keys), "README \(readme.keys.sorted()) vs Package.swift \(package.keys.sorted())")
        for name in package.keys.sorted() {
            #expect(readme[name] == package[name], "\(name): README \(readme[name]?.sorted() ?? []) vs Package.swift \(package[name]!.sorted())")
        }
    }
}
