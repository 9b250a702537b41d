// swift-tools-version:6.0
//
// metaprompt — distributed meta-prompt learning for CLIP-style models on CPUs under MPI.
// No package dependencies: system C libraries come in through module maps
// (OpenMPI, OpenBLAS, libjpeg-turbo, libyaml); everything else is this repository.
import Foundation
import PackageDescription

// The x86-64 instruction set the Swift code is compiled for, from METAPROMPT_TARGET_CPU:
//   auto (the default)  haswell when the building machine has AVX2, FMA, BMI1/2, F16C, MOVBE and
//                       LZCNT (every x86-64 server CPU since 2013-2015), else the x86-64 baseline;
//   haswell             AVX2 and FMA whatever the building machine has;
//   x86-64              the baseline (SSE2): runs on any x86-64 node.
// The pointwise kernels run eight lanes to an instruction instead of four with AVX2, about
// twice as fast; results are bit-identical (Swift never fuses a multiply and an add on its
// own, and the kernels' sums keep their order). A haswell binary on a CPU without those
// features stops before main with a message naming what is missing (Sources/CPUGuard).
let targetCPU: String? = {
    let setting = ProcessInfo.processInfo.environment["METAPROMPT_TARGET_CPU"] ?? "auto"
    switch setting {
    case "x86-64": return nil
    case "haswell": return "haswell"
    case "auto":
        #if arch(x86_64)
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        let needed = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt", "sse4_2"]
        return needed.allSatisfy(flags.contains) ? "haswell" : nil
        #else
        return nil
        #endif
    default:
        fatalError("METAPROMPT_TARGET_CPU is '\(setting)'; it takes auto, haswell or x86-64")
    }
}()
let cpuSwiftSettings: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0]), .define("METAPROMPT_TARGET_HASWELL")] } ?? []
let cpuCSettings: [CSetting] = targetCPU == nil ? [] : [.define("METAPROMPT_TARGET_HASWELL")]

let package = Package(
    name: "metaprompt",
    products: [
        .executable(name: "metaprompt", targets: ["metaprompt"]),
    ],
    targets: [
        // System libraries. Each is a module map plus a shim header that re-exposes the
        // cast macros Swift cannot import (MPI_COMM_WORLD, MPI_FLOAT, ...).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CAllocator"),
        // C, compiled for the baseline whatever METAPROMPT_TARGET_CPU says: its constructor checks
        // the CPU for the instruction set the Swift code was compiled for, before any of it runs.
        .target(name: "CPUGuard", cSettings: cpuCSettings),

        // File formats: strict JSON, safetensors, atomic writes. Knows nothing of tensors.
        .target(name: "TensorIO"),
        // Tensors, kernels, reverse-mode autodiff, RNG, optimisers, schedules.
        // Optimised in debug builds too: its SIMD kernels run ~100x slower unoptimised, which
        // would dominate the test suite's time (tests of the other targets stay debuggable).
        .target(name: "AutoDiff", dependencies: ["CBLAS", "CAllocator", "TensorIO"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // CLIP: configuration, checkpoint loading, tokenizer, both towers, prompt injection.
        .target(name: "CLIP", dependencies: ["AutoDiff", "TensorIO"], exclude: ["Tokenizer/Tables/generate.py"]),
        // Data: Dassl dataset layout, few-shot and base/new splits, JPEG decoding and CLIP
        // preprocessing identical to PIL, augmentation, image-caption pairs.
        .target(name: "Datasets", dependencies: ["CJPEG", "AutoDiff", "TensorIO"]),
        // Methods: prompt tuning, ProMetaR, GRAM. Depends on a model protocol, not on CLIP.
        .target(name: "MetaLearning", dependencies: ["AutoDiff"]),
        // CLIP as MetaLearning's PromptedModel (class prompts, frozen targets), method
        // configuration and construction, a model directory loaded (CLIPBundle).
        .target(name: "CLIPAdapter", dependencies: ["AutoDiff", "TensorIO", "CLIP", "MetaLearning", "Datasets"]),
        // Evaluation and reports: test accuracy with template, ensemble or learned prompts (the
        // test images split over the ranks of a job), Dassl's log lines and results files,
        // base-to-new summaries, tables and SVG charts.
        .target(name: "Evaluation", dependencies: ["AutoDiff", "TensorIO", "CLIP", "Datasets", "CLIPAdapter", "Distributed"]),
        // Training runs: the loop shared by every run (resume, checkpoints, logs), prompt
        // training, GRAM meta-training, the task reduction over ranks, the base-to-new sweep.
        .target(name: "Training", dependencies: ["AutoDiff", "TensorIO", "CLIP", "MetaLearning", "Datasets", "Distributed", "CLIPAdapter", "Evaluation"]),
        // Contrastive pretraining of the demo's tiny CLIP, on the Training loop.
        .target(name: "Pretraining", dependencies: ["AutoDiff", "TensorIO", "CLIP", "Datasets", "Distributed", "Training"]),
        // The official command lines: Dassl's YAML configs (libyaml) and `opts` merged as yacs
        // does over Dassl's and the trainers' defaults, translated to a method configuration.
        .target(name: "Dassl", dependencies: ["CYAML", "TensorIO", "CLIP", "Datasets", "CLIPAdapter"]),
        // MPI communicator (and its single-process twin). Knows nothing of CLIP.
        .target(name: "Distributed", dependencies: ["CMPI"]),
        // The built-in synthetic vision-language world: renderer, captions, domains, JPEG writer.
        .target(name: "World", dependencies: ["AutoDiff", "TensorIO", "Datasets"]),
        .executableTarget(name: "metaprompt",
                          dependencies: ["CPUGuard", "AutoDiff", "TensorIO", "Distributed", "CLIP", "Datasets", "MetaLearning", "CLIPAdapter",
                                         "Dassl", "Evaluation", "Training", "Pretraining", "World"]),

        .target(name: "TestSupport", dependencies: ["AutoDiff", "Distributed"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CMPI", "CBLAS", "CJPEG", "CYAML"]),
        .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff", "TestSupport"]),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "AutoDiff", "TensorIO", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "AutoDiff", "TestSupport"]),
        .testTarget(name: "MetaLearningTests", dependencies: ["MetaLearning", "CLIPAdapter", "CLIP", "AutoDiff", "TensorIO", "TestSupport"]),
        .testTarget(name: "CLIPAdapterTests", dependencies: ["CLIPAdapter", "MetaLearning", "CLIP", "AutoDiff", "TensorIO", "TestSupport"]),
        .testTarget(name: "DasslTests", dependencies: ["Dassl", "CLIPAdapter", "TensorIO", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "CLIPAdapter", "CLIP", "Datasets", "Distributed", "AutoDiff", "TensorIO",
                                                            "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Evaluation", "CLIPAdapter", "MetaLearning", "CLIP", "Datasets", "Distributed",
                                                          "AutoDiff", "TensorIO", "TestSupport"]),
        .testTarget(name: "PretrainingTests", dependencies: ["Pretraining", "Training", "CLIP", "Datasets", "Distributed", "AutoDiff", "TestSupport"]),
        .testTarget(name: "WorldTests", dependencies: ["World", "Pretraining", "Training", "Evaluation", "CLIPAdapter", "CLIP", "Datasets",
                                                       "Distributed", "AutoDiff", "TestSupport"]),
        .testTarget(name: "MetapromptCLITests", dependencies: ["metaprompt", "TensorIO", "TestSupport"]),
    ]
)

for target in package.targets where target.type != .system && target.name != "CPUGuard" {
    target.swiftSettings = (target.swiftSettings ?? []) + cpuSwiftSettings
}
