import CLIPAdapter
import Datasets
import Foundation
import TensorIO

/// One evaluation as `metaprompt eval --output DIR` records it: Dassl's test lines (what
/// CoOp's `parse_test_res.py --test-log` reads) and `results.json`. `eval`, the new-class
/// evaluation after base training and the sweeps all write through here, so a `test_new`
/// directory looks the same whichever of them made it.
public enum EvaluationRecord {
    /// Dassl's `SimpleTrainer.test` header and its evaluator's block
    /// (`dassl/engine/trainer.py:460`, `dassl/evaluation/evaluator.py`):
    /// "Evaluate on the *test* set", "=> result", "* total: …", "* accuracy: …%", ….
    public static func lines(_ result: EvaluationResult, split: EvaluationSet.Split, perClass: Bool = false) -> [String] {
        ["Evaluate on the *\(split.rawValue)* set"] + result.metrics.dasslReport(perClass: perClass)
    }

    /// `results.json` of one evaluation: accuracy, error, macro_f1, per_class_accuracy (by raw
    /// class name), total, correct, dataset, split, subsample, classes, then `fields` in order.
    public static func json(_ result: EvaluationResult, set: EvaluationSet, dataset: String, fields: [(String, JSONValue)]) -> JSONValue {
        var json = JSONObject()
        json["accuracy"] = .double(result.metrics.accuracy)
        json["error"] = .double(result.metrics.error)
        json["macro_f1"] = .double(result.metrics.macroF1)
        json["per_class_accuracy"] = .object(JSONObject(result.metrics.perClass.map { ($0.name, JSONValue.double($0.accuracy)) }))
        json["total"] = .int(Int64(result.metrics.total))
        json["correct"] = .int(Int64(result.metrics.correct))
        json["dataset"] = .string(dataset)
        json["split"] = .string(set.split.rawValue)
        json["subsample"] = .string(set.subset.rawValue)
        json["classes"] = .int(Int64(set.classNames.count))
        for (key, value) in fields { json[key] = value }
        return .object(json)
    }

    /// The dataset's name in results: the standard dataset's, or the custom split file.
    public static func datasetName(_ source: DatasetSource) -> String {
        switch source {
        case .standard(let dataset, _): dataset.rawValue
        case .custom(let splitFile, _): splitFile
        }
    }

    /// The accuracy (%) recorded for `subset` in a results file: `eval`'s (top-level
    /// `accuracy`, with `subsample`) or `train`'s (`<subset>.accuracy`).
    /// - Throws: ``EvaluationError/badResults(path:message:)`` naming the file when it cannot
    ///   be read, is not JSON, holds no accuracy in 0…100 for `subset`, or records another
    ///   subsample.
    public static func accuracy(inFile path: String, subset: ClassSubset) throws -> Double {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.badResults(path: path, message: "cannot read the results file")
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: data) } catch { throw EvaluationError.badResults(path: path, message: "not valid JSON: \(error)") }
        let value: Double?
        if let nested = json[subset.rawValue]?["accuracy"] {
            value = nested.doubleValue
        } else {
            if let subsample = json["subsample"]?.stringValue, subsample != subset.rawValue {
                throw EvaluationError.badResults(path: path, message: "subsample is '\(subsample)' but the \(subset.rawValue) accuracy was expected here (give base first, then new)")
            }
            value = json["accuracy"]?.doubleValue
        }
        guard let accuracy = value, accuracy.isFinite, (0...100).contains(accuracy) else {
            throw EvaluationError.badResults(path: path, message: "no \(subset.rawValue) 'accuracy' in 0...100")
        }
        return accuracy
    }
}
