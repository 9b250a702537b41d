// libFuzzer target: method configurations (`--config FILE` and `--set key=value`), as the
// train, gram and step commands read them, built by Tests/Fuzz/run.sh. An input is a config
// file whose lines starting with `--set ` are taken out as overrides (the rest of such a line is
// the assignment); a file of only overrides and blank lines stands for no --config (an empty
// object). The overrides must apply or throw a ConfigurationError, and afterwards the last
// one's key holds its value. Then every method's configuration is loaded from the result, and
// checked against ViT-B/16 and its schedules built, as the trainers do: each step succeeds or
// throws a ConfigurationError.
import CLIP
import CLIPAdapter
import Foundation
import TensorIO

/// `body`'s value, nil when it threw a ConfigurationError; any other error is a finding.
private func configuring<T>(_ what: String, _ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch is ConfigurationError {
        return nil
    } catch {
        fatalError("\(what) threw \(type(of: error)), not a ConfigurationError: \(error)")
    }
}

/// The value at a dotted key, as `--set` addresses it.
private func value(at key: Substring, in json: JSONValue) -> JSONValue? {
    key.split(separator: ".", omittingEmptySubsequences: false).reduce(json as JSONValue?) { $0?[String($1)] }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMethodConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var file: [Substring] = [], assignments: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("--set ") { assignments.append(String(line.dropFirst(6))) } else { file.append(line) }
    }
    var json: JSONValue = .object(JSONObject())
    if file.contains(where: { !$0.allSatisfy(\.isWhitespace) }) {
        // ConfigurationOptions reads the file as Data.
        guard let parsed = try? JSONValue(parsing: Data(file.joined(separator: "\n").utf8)) else { return 0 }
        json = parsed
    }
    guard let overridden = configuring("--set", { try ConfigOverrides.apply(assignments, to: json) }) else { return 0 }
    if let last = assignments.last {
        let key = last[..<last.firstIndex(of: "=")!], assigned = last[last.index(after: key.endIndex)...]
        let expected = (try? JSONValue(parsing: String(assigned))) ?? .string(String(assigned))
        if value(at: key, in: overridden) != expected {
            fatalError("--set '\(last)' does not leave \(expected.serialized()) at '\(key)'")
        }
    }
    for method in MethodConfiguration.methods {
        guard let c = configuring(method, { try MethodConfiguration.load(method: method, json: overridden, source: "fuzz.json") }),
              configuring(method, { try MethodFactory.validate(c, for: .vitB16) }) != nil
        else { continue }
        _ = c.promptShapes(textWidth: 512, visionWidth: 768)
        for settings in [c.promptOptimizer, c.regulatorOptimizer] {
            if method == "gram" {
                guard let schedule = configuring(method, { try settings.stepSchedule(steps: 100, group: "prompt_optim") }) else { continue }
                _ = (schedule.lr(step: 0), schedule.lr(step: 100))
            } else {
                let schedule = settings.schedule(maxEpoch: c.epochs)
                _ = (schedule.lr(epoch: 0), schedule.lr(epoch: min(c.epochs, 100)))
            }
        }
    }
    return 0
}
