// libFuzzer target: the safetensors reader (checkpoints, prompts, model weights, --state,
// --batch), built by Tests/Fuzz/run.sh. Every input is written to a file, opened, and each
// tensor read in every way the project reads them; anything but a SafeTensorsError is a finding.
import Foundation
import TensorIO

nonisolated(unsafe) private let path: String = {
    let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    return "\(directory)/metaprompt-fuzz-\(getpid()).safetensors"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let handle = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    if size > 0 { fwrite(data, 1, size, handle) }
    fclose(handle)
    guard let file = try? SafeTensorsFile(path: path) else { return 0 }
    for name in file.names {
        _ = try? file.floats(name)
        _ = try? file.int64s(name)
        _ = try? file.entry(name)
    }
    _ = file.metadata
    return 0
}
