import AutoDiff

/// The learnable state of ProMetaR: prompts θ, regulator φ and their optimisers.
public struct ProMetaRState: Sendable {
    public var prompts: [String: Tensor]
    public var regulator: [String: Tensor]
    /// SGD on θ; stage 2 reuses stage 1's optimiser, so its momentum carries over.
    public var promptOptimizer: SGD
    public var regulatorOptimizer: SGD

    public init(prompts: [String: Tensor], regulator: [String: Tensor], promptOptimizer: SGD, regulatorOptimizer: SGD) {
        self.prompts = prompts.mapValues { $0.detached().requiringGrad() }
        self.regulator = regulator.mapValues { $0.detached().requiringGrad() }
        self.promptOptimizer = promptOptimizer
        self.regulatorOptimizer = regulatorOptimizer
    }
}

/// Regulated gradients of the three training losses at some prompts.
public struct RegulatedGradients {
    public var losses: TrainingLosses
    /// ∂CE/∂p and, per tower, ∂(its regulariser)/∂p.
    public var crossEntropy: [String: Tensor]
    public var regulariser: [String: Tensor]
    public var gates: [String: Tensor]
    /// `g_ce + γ ⊙ g_reg`.
    public var gradients: [String: Tensor]
}

extension TrainingLosses {
    /// The same values without their graph.
    public func detached() -> TrainingLosses {
        TrainingLosses(crossEntropy: crossEntropy.detached(), textRegulariser: textRegulariser.detached(),
                       imageRegulariser: imageRegulariser.detached(), logitRegulariser: logitRegulariser.detached(), logits: logits.detached(),
                       textFeatures: textFeatures.detached(), imageFeatures: imageFeatures.detached())
    }
}

extension RegulatedGradients {
    /// The same values without their graph.
    public func detached() -> RegulatedGradients {
        RegulatedGradients(losses: losses.detached(), crossEntropy: crossEntropy.mapValues { $0.detached() },
                           regulariser: regulariser.mapValues { $0.detached() }, gates: gates.mapValues { $0.detached() },
                           gradients: gradients.mapValues { $0.detached() })
    }
}

/// Stage 2's result for one virtual task.
public struct MetaGradients {
    /// ∂(lr_ratio · query loss)/∂θ₁ and ∂/∂φ.
    public var prompts: [String: Tensor]
    public var regulator: [String: Tensor]
    /// Support (inner) losses and gradients at θ₁.
    public var inner: RegulatedGradients
    /// θ′ = θ₁ − α·g.
    public var adapted: [String: Tensor]
    /// Mixup CE on the query set at θ′, and the back-propagated loss (× lr_ratio).
    public var queryCrossEntropy: Tensor
    public var loss: Tensor
    public var queryLogits: Tensor

    /// The same values without their graph.
    public func detached() -> MetaGradients {
        MetaGradients(prompts: prompts.mapValues { $0.detached() }, regulator: regulator.mapValues { $0.detached() },
                      inner: inner.detached(), adapted: adapted.mapValues { $0.detached() },
                      queryCrossEntropy: queryCrossEntropy.detached(), loss: loss.detached(), queryLogits: queryLogits.detached())
    }
}

/// ProMetaR (Park, Ko, Kim, "Prompt Learning via Meta-Regularization", CVPR 2024), as the
/// official trainer (`trainers/prometar.py`, `ProMetaR.forward_backward`) computes it.
public enum ProMetaR {
    /// The prompted forward pass and the regulated gradient of every prompt.
    ///
    /// g_ce comes from one backward pass of CE; g_reg from one backward pass of
    /// `text_reg + image_reg`: the text regulariser depends only on text prompts and the image
    /// regulariser only on vision prompts, so each prompt gets its own tower's regulariser
    /// gradient exactly, in one pass instead of two.
    /// - Parameter createGraph: keep the graph of the gradients (second-order inner step).
    public static func regulatedGradients(model: PromptedModel, batch: LabelledBatch, targets: FrozenTargets,
                                          prompts: [String: Tensor], regulator: [String: Tensor],
                                          configuration c: ProMetaRConfiguration, createGraph: Bool) -> RegulatedGradients {
        let names = prompts.keys.sorted()
        let leaves = names.map { prompts[$0]! }
        let losses = TrainingLosses.compute(model: model, batch: batch, prompts: prompts, targets: targets,
                                            textWeight: c.textRegWeight, imageWeight: c.imageRegWeight)
        let gce = gradients(of: losses.crossEntropy, withRespectTo: leaves, createGraph: createGraph)
        let greg = gradients(of: losses.textRegulariser + losses.imageRegulariser, withRespectTo: leaves, createGraph: createGraph)
        let ce = Dictionary(uniqueKeysWithValues: zip(names, gce)), reg = Dictionary(uniqueKeysWithValues: zip(names, greg))
        let (regulated, gates) = GradientGate.regulate(ce: ce, regulariser: reg, weights: regulator, dimRate: c.dimRate)
        return RegulatedGradients(losses: losses, crossEntropy: ce, regulariser: reg, gates: gates, gradients: regulated)
    }

    /// Stage 2 for one virtual task: the inner step on the support set at θ₁ and the mixup
    /// query loss at θ′, differentiated with respect to θ₁ and φ.
    public static func metaGradients(model: PromptedModel, batch: LabelledBatch, targets: FrozenTargets,
                                     prompts theta1: [String: Tensor], regulator: [String: Tensor],
                                     draws: MetaTaskDraws, configuration c: ProMetaRConfiguration) -> MetaGradients {
        let names = theta1.keys.sorted(), regulatorNames = regulator.keys.sorted()
        let support = batch.subset(draws.supportIndices)
        let inner = regulatedGradients(model: model, batch: support, targets: targets.subset(draws.supportIndices),
                                       prompts: theta1, regulator: regulator, configuration: c, createGraph: !c.firstOrder)
        var adapted: [String: Tensor] = [:]
        for name in names { adapted[name] = theta1[name]! - inner.gradients[name]! * c.adaptLR }

        // Query images and the support images that are someone's mixup partner (the others
        // cannot change the loss) through the adapted vision tower in one pass.
        let q = draws.queryIndices.count
        let partnerSet = Array(Set(draws.mixIndices)).sorted()
        let features = model.imageFeatures(batch.subset(draws.queryIndices + partnerSet.map { draws.supportIndices[$0] }).pixels,
                                           prompts: adapted)
        let fq = features.slice(alongAxis: 0, 0..<q)
        let partners = features.slice(alongAxis: 0, q..<features.shape[0])
            .indexSelect(alongAxis: 0, draws.mixIndices.map { partnerSet.firstIndex(of: $0)! })
        let lambda = Tensor(shape: [q, 1], values: draws.lambda)
        let mixed = fq * lambda + partners * (1 - lambda)
        let text = model.classFeatures(prompts: adapted).l2Normalized()
        let logits = Tensor.matmul(mixed.l2Normalized(), text, transposeB: true) * model.logitScale
        let queryLabels = draws.queryIndices.map { batch.labels[$0] }
        let partnerLabels = draws.mixIndices.map { batch.labels[draws.supportIndices[$0]] }
        let queryCE = Tensor.crossEntropy(logits, labels: queryLabels, weights: draws.lambda)
            + Tensor.crossEntropy(logits, labels: partnerLabels, weights: draws.lambda.map { 1 - $0 })
        let loss = queryCE * c.lrRatio
        let all = gradients(of: loss, withRespectTo: names.map { theta1[$0]! } + regulatorNames.map { regulator[$0]! })
        return MetaGradients(prompts: Dictionary(uniqueKeysWithValues: zip(names, all.prefix(names.count))),
                             regulator: Dictionary(uniqueKeysWithValues: zip(regulatorNames, all.suffix(regulatorNames.count))),
                             inner: inner, adapted: adapted, queryCrossEntropy: queryCE, loss: loss, queryLogits: logits)
    }

    /// What one iteration did.
    public struct StepReport {
        public var stage1: RegulatedGradients
        /// The virtual tasks this process computed (all of them in one process; empty when
        /// the batch has a single class), without their meta-gradients: those went into the
        /// reduction, whose mean is ``metaGradients``.
        public var tasks: [MetaGradients]
        /// The mean over all tasks of ∂(lr_ratio · query loss)/∂θ₁ and ∂/∂φ, as applied
        /// (empty without tasks).
        public var metaGradients: (prompts: [String: Tensor], regulator: [String: Tensor])
        /// Scalar losses by name (`loss.ce`, `loss.text_reg`, `loss.image_reg`, `loss.meta`,
        /// `loss.query_ce`), the meta losses the mean over all tasks.
        public var scalars: [String: Float]
    }

    /// One training iteration: stage 1 (regulated SGD step on θ), then stage 2 (meta step on
    /// θ and φ, averaged over `draws`, one per virtual task). Every process that runs this with
    /// the same inputs gets the same bits.
    /// - Parameters:
    ///   - draws: the virtual tasks; empty skips stage 2 (single-class batch).
    ///   - promptLR, regulatorLR: this epoch's learning rates.
    ///   - reduction: which tasks this process computes and how their meta-gradients are
    ///     averaged: all of them in task order in one process, a share of them and the
    ///     fixed-point mean over the ranks of a job.
    ///   - taskModel: the model the tasks run on (nil: `model`) — the same model with its
    ///     forward passes shared by this rank's task group instead of all the step's ranks.
    /// - Throws: ``StepError`` for a task whose meta loss is not finite; the reduction's errors.
    public static func step(model: PromptedModel, batch: LabelledBatch, textTarget: Tensor, state: inout ProMetaRState,
                            draws: [MetaTaskDraws], configuration c: ProMetaRConfiguration,
                            promptLR: Double, regulatorLR: Double, reduction: any TaskReduction = TaskOrderedMean(),
                            taskModel: PromptedModel? = nil) throws -> StepReport {
        let (stage1, targets) = stageOne(model: model, batch: batch, textTarget: textTarget, state: &state,
                                         configuration: c, promptLR: promptLR)
        var scalars = stage1Scalars(stage1)
        guard !draws.isEmpty else { return StepReport(stage1: stage1, tasks: [], metaGradients: ([:], [:]), scalars: scalars) }
        if c.lrRatio == 0 { return zeroMetaStep(stage1: stage1, state: &state, scalars: scalars, promptLR: promptLR, regulatorLR: regulatorLR) }
        let layout = FlatLayout([state.prompts, state.regulator], scalars: ["loss.meta", "loss.query_ce"])
        var tasks: [MetaGradients] = [], local: [[String: Tensor]] = []
        for t in reduction.tasks(of: draws.count) {
            // Each task's graph is released as soon as its meta-gradients are out.
            var g = metaGradients(model: taskModel ?? model, batch: batch, targets: targets, prompts: state.prompts, regulator: state.regulator,
                                  draws: draws[t], configuration: c).detached()
            guard g.loss.scalar.isFinite else { throw StepError("meta loss is \(StepError.shown(g.loss.scalar)) in task \(t)") }
            var values = g.prompts.merging(g.regulator) { a, _ in a }
            (values["loss.meta"], values["loss.query_ce"]) = (g.loss, g.queryCrossEntropy)
            local.append(values)
            (g.prompts, g.regulator) = ([:], [:])  // they live on in `local`, then in the mean
            tasks.append(g)
        }
        let mean = try reduction.mean(local, layout: layout, taskCount: draws.count)
        local = []
        let meta = (prompts: mean.filter { state.prompts[$0.key] != nil }, regulator: mean.filter { state.regulator[$0.key] != nil })
        scalars["loss.meta"] = mean["loss.meta"]!.scalar
        scalars["loss.query_ce"] = mean["loss.query_ce"]!.scalar
        applyMeta(state: &state, prompts: meta.prompts, regulator: meta.regulator, promptLR: promptLR, regulatorLR: regulatorLR)
        return StepReport(stage1: stage1, tasks: tasks, metaGradients: meta, scalars: scalars)
    }

    /// Stage 1: the regulated SGD step on θ over the whole batch. Returns its gradients and
    /// the frozen targets (computed once; stage 2 reuses the support images' rows).
    /// Nothing differentiates the regulated gradient here, so the gradients keep no graph and
    /// the gates see the regulator as constants.
    static func stageOne(model: PromptedModel, batch: LabelledBatch, textTarget: Tensor, state: inout ProMetaRState,
                                configuration c: ProMetaRConfiguration, promptLR: Double) -> (RegulatedGradients, FrozenTargets) {
        let targets = FrozenTargets(text: textTarget, images: FrozenTargets.images(of: batch.pixels, model: model))
        let stage1 = regulatedGradients(model: model, batch: batch, targets: targets, prompts: state.prompts,
                                        regulator: state.regulator.mapValues { $0.detached() },
                                        configuration: c, createGraph: false).detached()
        state.promptOptimizer.step(&state.prompts, gradients: stage1.gradients, learningRate: promptLR)
        return (stage1, targets)
    }

    /// Stage 2 at `lr_ratio = 0`: the back-propagated loss is `0 · query CE`, so every
    /// meta-gradient is exactly zero and is not computed; the two optimisers still step with
    /// zero gradients, as the official trainer's `optim.step()` and `optim_vnet.step()` do after
    /// `loss.backward()` (`trainers/prometar.py:454-459`), so momentum and weight decay move θ a
    /// second time each iteration. θ, φ and the optimiser state are the bits the computed stage
    /// 2 gives (tested) for a finite query loss; `loss.meta` is logged as 0 and `loss.query_ce`
    /// not at all. The draws come from their own streams, so skipping them changes no later
    /// draw. Every rank of a job takes this path, so no reduction is waited for.
    static func zeroMetaStep(stage1: RegulatedGradients, state: inout ProMetaRState, scalars: [String: Float],
                             promptLR: Double, regulatorLR: Double) -> StepReport {
        let prompts = state.prompts.mapValues { Tensor.zeros($0.shape) }
        let regulator = state.regulator.mapValues { Tensor.zeros($0.shape) }
        applyMeta(state: &state, prompts: prompts, regulator: regulator, promptLR: promptLR, regulatorLR: regulatorLR)
        var scalars = scalars
        scalars["loss.meta"] = 0
        return StepReport(stage1: stage1, tasks: [], metaGradients: (prompts, regulator), scalars: scalars)
    }

    /// Stage 2's update with the (mean) meta-gradients: the same prompt optimiser as stage 1
    /// (its momentum carries over), and the regulator's.
    static func applyMeta(state: inout ProMetaRState, prompts: [String: Tensor], regulator: [String: Tensor],
                                 promptLR: Double, regulatorLR: Double) {
        state.promptOptimizer.step(&state.prompts, gradients: prompts, learningRate: promptLR)
        state.regulatorOptimizer.step(&state.regulator, gradients: regulator, learningRate: regulatorLR)
    }

    static func stage1Scalars(_ s: RegulatedGradients) -> [String: Float] {
        ["loss.ce": s.losses.crossEntropy.scalar, "loss.text_reg": s.losses.textRegulariser.scalar,
         "loss.image_reg": s.losses.imageRegulariser.scalar]
    }
}
