import Datasets
import CLIPAdapter
import Evaluation
import Training

// The library's own enumerations as option types: their raw values are the words.

extension ClassSubset: EnumeratedOptionValue {}

extension EvaluationSet.Split: EnumeratedOptionValue {}

extension EvaluationPrompts.Averaging: EnumeratedOptionValue {}
