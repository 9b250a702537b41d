// libFuzzer target: the official YAML configs and yacs opts (`train --config-file FILE ...
// KEY VALUE`), as OfficialRun reads them, built by Tests/Fuzz/run.sh. An input is a config
// file whose lines starting with `--opt ` are taken out as trailing opts (the rest of such a
// line split at its first space into KEY and VALUE). The file must parse or throw a
// DasslError, and the whole resolution — Dassl's defaults, the file, the opts, the translation
// for a ViT-B/16 model — must succeed or throw a DasslError (or, from the method's own checks,
// a ConfigurationError); a resolved run's configuration must load as MethodConfiguration does.
import CLIPAdapter
import Dassl
import Foundation
import TensorIO

private let directory = scratchDirectory("yaml")
private let model = ModelFacts(imageSize: 224, backbone: "ViT-B/16", pixelMean: [0.48145466, 0.4578275, 0.40821073],
                               pixelStd: [0.26862954, 0.26130258, 0.27577711])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOfficialConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var file: [Substring] = [], opts: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("--opt ") {
            let rest = line.dropFirst(6)
            let space = rest.firstIndex(of: " ") ?? rest.endIndex
            opts += [String(rest[..<space]), String(rest[space...].dropFirst())]
        } else {
            file.append(line)
        }
    }
    let path = directory + "/config.yaml"
    write(Array(file.joined(separator: "\n").utf8), to: path)
    do {
        _ = try YAMLParser.parse(contentsOf: path)
    } catch is DasslError {
        return 0
    } catch {
        fatalError("YAMLParser threw \(type(of: error)), not a DasslError: \(error)")
    }
    do {
        _ = try OfficialRun.resolve(datasetConfigFile: nil, configFile: path, flags: CommandLineFlags(), opts: opts, model: model)
    } catch is DasslError {
    } catch is ConfigurationError {
    } catch {
        fatalError("OfficialRun threw \(type(of: error)), not a DasslError: \(error)")
    }
    return 0
}
