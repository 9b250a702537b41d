import Foundation
import TensorIO
import CLIPAdapter
import Evaluation
import Training

/// `--config FILE` and `--set key=value`: a method's hyperparameters over its defaults.
struct ConfigurationOptions: ParsableArguments {
    @Option(valueName: "C.json",
            help: "method hyperparameters: a JSON object with MethodConfiguration's keys (prompt_optim.lr, n_ctx_text, epochs, ...); missing keys take the method's defaults")
    var config: String?
    @Option(valueName: "key=value", help: "sets one key over --config (repeatable), e.g. --set prompt_optim.lr=0.01")
    var set: [String]

    /// The --config file's JSON (or an empty object) with the --set overrides applied.
    func json() throws -> JSONValue {
        var json: JSONValue = .object(JSONObject())
        if let path = config {
            guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot read the config file") }
            do { json = try JSONValue(parsing: data) } catch { throw TrainingError("\(path): not valid JSON: \(error)") }
        }
        do { return try ConfigOverrides.apply(set, to: json) } catch let error as ConfigurationError { throw SettingError(description: error.description) }
    }

    /// The method's defaults with `json`'s keys over them. A value the method cannot take (an
    /// unknown key, a negative or non-finite rate, weight or scale, …) is a ``SettingError``
    /// (exit 64) naming the file (or `--set`) and the key.
    func configuration(for method: MethodName, json: JSONValue) throws -> MethodConfiguration {
        do {
            return try MethodConfiguration.load(method: method.rawValue, json: json, source: config ?? "--set")
        } catch let error as ConfigurationError {
            throw SettingError(description: error.description)
        }
    }
}
