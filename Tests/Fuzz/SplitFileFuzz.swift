// libFuzzer target: Dassl/CoOp split files (`split_zhou_<Name>.json`, `--split FILE`), as
// DatasetSource reads them, built by Tests/Fuzz/run.sh. An input is the file's bytes; it is
// loaded as a custom split, and as ImageNet's `preprocessed.json` cache (train and test lists).
// Every load must succeed or throw a DatasetError. A split that loads must also load as its
// base and new halves, and its few-shot lists, written to the cache file, must read back equal.
import Datasets
import Foundation

private let directory: String = {
    let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    let path = "\(temporary)/metaprompt-fuzz-splits-\(getpid())"
    mkdir(path, 0o755)
    mkdir(path + "/imagenet", 0o755)
    return path
}()

/// Writes `bytes` to `path`, replacing it.
private func write(_ data: UnsafePointer<UInt8>, _ size: Int, to path: String) {
    guard let handle = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    if size > 0 { fwrite(data, 1, size, handle) }
    fclose(handle)
}

/// The dataset, nil when loading threw a DatasetError; any other error is a finding.
private func load(_ source: DatasetSource, shots: Int, subset: ClassSubset = .all) -> LoadedDataset? {
    do {
        return try source.load(shots: shots, seed: 1, subset: subset, verifyImages: false)
    } catch is DatasetError {
        return nil
    } catch {
        fatalError("\(source) threw \(type(of: error)), not a DatasetError: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSplitFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let splitFile = directory + "/split_zhou_Fuzz.json"
    write(data, size, to: splitFile)
    write(data, size, to: directory + "/imagenet/preprocessed.json")
    _ = load(.standard(.imageNet, root: directory), shots: 0)

    // A short image root, so that the fuzzer can write paths inside and outside it.
    let source = DatasetSource.custom(splitFile: splitFile, imageRoot: "/data")
    guard let full = load(source, shots: 0) else { return 0 }
    for subset in [ClassSubset.base, .new] where load(source, shots: 0, subset: subset) == nil {
        fatalError("the split loads, but not its \(subset) classes")
    }
    let cache = source.fewShotCachePath(shots: 2, seed: 1)
    unlink(cache)
    defer { unlink(cache) }
    guard let sampled = load(source, shots: 2), let cached = load(source, shots: 2) else {
        fatalError("the split loads (\(full.classnames.count) classes), but not its 2-shot lists")
    }
    guard sampled.fewShotCache == .written(path: cache), cached.fewShotCache == .loaded(path: cache) else {
        fatalError("few-shot cache: \(sampled.fewShotCache), then \(cached.fewShotCache)")
    }
    if cached.splits != sampled.splits || cached.classnames != sampled.classnames {
        fatalError("the few-shot lists read back from \(cache) differ from the sampled ones")
    }
    return 0
}
