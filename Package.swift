// swift-tools-version:6.0
//
// metaprompt — distributed meta-prompt learning for CLIP-style models on CPUs under MPI.
// No package dependencies: system C libraries come in through module maps
// (OpenMPI, OpenBLAS, libjpeg-turbo); everything else is this repository.
import PackageDescription

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
        .systemLibrary(name: "CAllocator"),

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
        // Glue for training runs: CLIP as a PromptedModel, zero-shot targets, method steps.
        .target(name: "Training", dependencies: ["AutoDiff", "TensorIO", "CLIP", "MetaLearning", "Datasets", "Distributed"]),
        // MPI communicator (and its single-process twin). Knows nothing of CLIP.
        .target(name: "Distributed", dependencies: ["CMPI"]),
        // The built-in synthetic vision-language world: renderer, captions, domains, JPEG writer.
        .target(name: "World", dependencies: ["AutoDiff", "TensorIO", "Datasets"]),
        .executableTarget(name: "metaprompt",
                          dependencies: ["AutoDiff", "TensorIO", "Distributed", "CLIP", "Datasets", "MetaLearning", "Training", "World", "CBLAS"]),

        .target(name: "TestSupport", dependencies: ["AutoDiff"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CMPI", "CBLAS", "CJPEG"]),
        .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff", "TestSupport"]),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "TestSupport"]),
        .testTarget(name: "MetaLearningTests", dependencies: ["MetaLearning", "Training", "CLIP", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "AutoDiff", "TensorIO", "TestSupport"]),
        .testTarget(name: "WorldTests", dependencies: ["World", "Datasets", "TestSupport", "Training", "CLIP", "AutoDiff", "Distributed"]),
        .testTarget(name: "MetapromptCLITests", dependencies: ["metaprompt", "TensorIO", "TestSupport"]),
    ]
)
