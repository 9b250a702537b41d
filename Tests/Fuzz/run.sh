#!/usr/bin/env bash
# Builds and runs one libFuzzer target (the Swift toolchain has libFuzzer built in).
#
#   Tests/Fuzz/run.sh json 10          # the JSON parser for 10 minutes
#   Tests/Fuzz/run.sh safetensors 10   # the safetensors reader
#   Tests/Fuzz/run.sh jpeg 10          # the JPEG decoder (with libjpeg)
#
# The seed corpus is Tests/Fuzz/corpus/<target>/ (kept in git); inputs the fuzzer finds go to
# .build/fuzz/<target>/corpus, crashes to .build/fuzz/<target>/crash-*. A crash is fixed with a
# regression test that feeds the crashing input through the normal API. Not part of the suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: Tests/Fuzz/run.sh json|safetensors|jpeg MINUTES}
minutes=${2:-10}
case "$target" in
    json) source=Tests/Fuzz/JSONFuzz.swift ;;
    safetensors) source=Tests/Fuzz/SafeTensorsFuzz.swift ;;
    # The decoder's files of Sources/Datasets/Image, and libjpeg through CJPEG's module map.
    jpeg) source=Tests/Fuzz/JPEGFuzz.swift
          extra=(-I Sources/CJPEG -ljpeg Sources/Datasets/Image/{ImageError,RGBImage,RGBImage+JPEG}.swift) ;;
    *) echo "unknown fuzz target '$target' (json, safetensors, jpeg)" >&2; exit 64 ;;
esac
out=.build/fuzz/$target
mkdir -p "$out/corpus"
# The target and the module it exercises, compiled as one module with libFuzzer and
# AddressSanitizer, optimised as a release build is.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz \
    Sources/TensorIO/*.swift ${extra[@]+"${extra[@]}"} "$source" -o "$out/fuzzer"
"$out/fuzzer" -max_total_time=$(( minutes * 60 )) -print_final_stats=1 -artifact_prefix="$out/" \
    "$out/corpus" "Tests/Fuzz/corpus/$target"
