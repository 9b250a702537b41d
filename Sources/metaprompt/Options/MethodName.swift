/// The methods `train` and `step` run, as `--method` takes them: ``MethodConfiguration``'s
/// names (Training) except zero-shot, which trains nothing.
enum MethodName: String, EnumeratedOptionValue {
    case coop, vpt, ivlp, promptsrc, prometar, gram
}
