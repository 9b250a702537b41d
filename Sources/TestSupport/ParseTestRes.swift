import Foundation

/// The rule by which the community's `parse_test_res.py` reads one run's `log.txt` (CoOp's
/// and ProMetaR's copies, `parse_function`, lines 64-95): lines are stripped; once a line
/// equals the end signal, every line matching `\* accuracy: ([\.\deE+-]+)%` (searched, not
/// anchored) overwrites the result, so the last match after the first end signal wins.
public enum ParseTestRes {
    /// CoOp's copy without `--test-log` (`parse_test_res.py:170`).
    public static let coopEndSignal = "Finish training"
    /// ProMetaR's copy without `--test-log` (its `parse_test_res.py:170`).
    public static let proMetaREndSignal = "Finished training"
    /// Both copies with `--test-log` (line 172).
    public static let testLogEndSignal = "=> result"

    /// The accuracy the script reports for `log`, or nil where it finds nothing.
    public static func accuracy(log: String, endSignal: String) -> Double? {
        let regex = try! NSRegularExpression(pattern: #"\* accuracy: ([\.\deE+-]+)%"#)
        var goodToGo = false, found: Double?
        for raw in log.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line == endSignal { goodToGo = true }
            let range = NSRange(line.startIndex..., in: line)
            if goodToGo, let match = regex.firstMatch(in: line, range: range), let r = Range(match.range(at: 1), in: line) {
                found = Double(line[r])
            }
        }
        return found
    }
}
