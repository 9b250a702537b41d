import CLIPAdapter

/// `--method` of `train` and `step`: the library's ``MethodName``.
extension MethodName: EnumeratedOptionValue {}
