import Foundation

/// Rank 0's run outputs: `log.txt` (what was printed) and `metrics.jsonl` (one JSON object
/// per logged step). Both are appended to, so a resumed run continues them.
public final class RunLog {
    /// nil: lines are printed only.
    let logPath: String?
    let metricsPath: String?
    let enabled: Bool
    /// Whether `say` also prints (a sweep of runs keeps each run's lines in its log.txt).
    let echo: Bool

    /// - Parameter directory: where log.txt and metrics.jsonl go; nil prints lines only.
    public init(directory: String?, enabled: Bool, echo: Bool = true) throws {
        logPath = directory.map { ($0 as NSString).appendingPathComponent("log.txt") }
        metricsPath = directory.map { ($0 as NSString).appendingPathComponent("metrics.jsonl") }
        self.enabled = enabled
        self.echo = echo
        if enabled, let directory { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    }

    /// Prints `line` and appends it to log.txt (rank 0 only; other ranks stay quiet).
    public func say(_ line: String) {
        guard enabled else { return }
        if echo {
            print(line)
            fflush(nil)
        }
        if let logPath { append(line + "\n", to: logPath) }
    }

    /// Appends one JSON line to metrics.jsonl.
    public func metrics(_ json: String) {
        guard enabled, let metricsPath else { return }
        append(json + "\n", to: metricsPath)
    }

    func append(_ text: String, to path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try? handle.close()
    }
}
