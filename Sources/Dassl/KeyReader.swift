import TensorIO

/// Reads the keys of a merged config, each once, remembering which were read.
struct KeyReader {
    let tree: ConfigTree
    var read: Set<String> = []

    mutating func value(_ key: String) -> PythonValue {
        read.insert(key)
        return tree[key].value
    }

    func refuse(_ key: String, _ reason: String) -> DasslError {
        .refused(origin: tree[key].origin, key: key, value: tree[key].value, reason: reason)
    }

    /// A key the five trainers never read: any value is accepted.
    mutating func unused(_ keys: String...) { for key in keys { _ = value(key) } }

    mutating func unused(prefix: String) { for key in tree.keys where key.hasPrefix(prefix) { _ = value(key) } }

    /// Accepted only at the value metaprompt runs anyway.
    mutating func require(_ key: String, _ expected: PythonValue, _ reason: String) throws {
        guard value(key) == expected else { throw refuse(key, "only \(expected) is supported: " + reason) }
    }

    mutating func string(_ key: String) throws -> String {
        guard case .string(let s) = value(key) else { throw refuse(key, "must be a string") }
        return s
    }

    mutating func bool(_ key: String) throws -> Bool {
        guard case .bool(let b) = value(key) else { throw refuse(key, "must be True or False") }
        return b
    }

    mutating func int(_ key: String, _ range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .int(let i) = value(key) else { throw refuse(key, "must be an integer") }
        if let range, !range.contains(i) { throw refuse(key, "must be in \(range.lowerBound)...\(range.upperBound)") }
        return i
    }

    /// A finite int or float that is `what`.
    mutating func number(_ key: String, _ valid: (Double) -> Bool, _ what: String) throws -> Double {
        guard let x = value(key).number, x.isFinite, valid(x) else { throw refuse(key, "must be \(what)") }
        return x
    }

    /// An optimiser section (OPTIM, OPTIM_VNET) as ``OptimizerSettings``' keys: SGD, momentum and
    /// weight decay, a constant warm-up. `stepped` false is ProMetaR's regulator, whose
    /// scheduler is built and never stepped (trainers/prometar.py:382), so its kind, period
    /// and steps are never read.
    mutating func optimizer(_ section: String, stepped: Bool) throws -> JSONObject {
        let k = { (name: String) in section + "." + name }
        var o = JSONObject()
        try require(k("NAME"), .string("sgd"), "metaprompt's optimiser is SGD")
        o["lr"] = .double(try number(k("LR"), { $0 > 0 }, "a positive number"))
        o["momentum"] = .double(try number(k("MOMENTUM"), { $0 >= 0 && $0 < 1 }, "a number in [0, 1)"))
        o["weight_decay"] = .double(try number(k("WEIGHT_DECAY"), { $0 >= 0 }, "a non-negative number"))
        try require(k("SGD_DAMPNING"), .int(0), "metaprompt's SGD has no dampening")
        try require(k("SGD_NESTEROV"), .bool(false), "metaprompt's SGD is not Nesterov's")
        unused(k("RMSPROP_ALPHA"), k("ADAM_BETA1"), k("ADAM_BETA2"))  // RMSprop's and Adam's
        try require(k("STAGED_LR"), .bool(false), "every prompt has the same learning rate")
        unused(k("NEW_LAYERS"), k("BASE_LR_MULT"))  // STAGED_LR's
        if stepped {
            try require(k("LR_SCHEDULER"), .string("cosine"), "metaprompt's schedule is Dassl's cosine")
            unused(k("STEPSIZE"), k("GAMMA"))  // the step schedulers'
            _ = value(k("MAX_EPOCH"))  // the run's epochs, read by the caller
        } else {
            unused(k("LR_SCHEDULER"), k("STEPSIZE"), k("GAMMA"), k("MAX_EPOCH"))
        }
        let warmup = try int(k("WARMUP_EPOCH"))
        if warmup > 0 {
            try require(k("WARMUP_TYPE"), .string("constant"), "metaprompt's warm-up is Dassl's constant one")
            o["warmup_lr"] = .double(try number(k("WARMUP_CONS_LR"), { $0 > 0 }, "a positive number"))
            unused(k("WARMUP_MIN_LR"))  // the linear warm-up's
            if stepped { try require(k("WARMUP_RECOUNT"), .bool(true), "the cosine restarts its count after the warm-up") } else { unused(k("WARMUP_RECOUNT")) }
        } else {
            unused(k("WARMUP_TYPE"), k("WARMUP_CONS_LR"), k("WARMUP_MIN_LR"), k("WARMUP_RECOUNT"))  // no warm-up
        }
        o["warmup_epochs"] = .int(Int64(max(warmup, 0)))
        return o
    }

    /// A vision prompt: N_CTX_VISION tokens over PROMPT_DEPTH_VISION layers; depth 0 (or no
    /// tokens) is none (the official VisionTransformer's `VPT_shallow` is off at depth 0).
    mutating func visionPrompt(_ section: String, into json: inout JSONObject) throws {
        let count = try int(section + ".N_CTX_VISION", 0...1_000), depth = try int(section + ".PROMPT_DEPTH_VISION", 0...1_000)
        json["n_ctx_vision"] = .int(Int64(depth == 0 ? 0 : count))
        json["depth_vision"] = .int(Int64(count == 0 ? 0 : depth))
    }
}
