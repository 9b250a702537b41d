#!/usr/bin/env bash
# Builds and runs one libFuzzer target (the Swift toolchain has libFuzzer built in).
#
#   Tests/Fuzz/run.sh json 10          # the JSON parser for 10 minutes
#   Tests/Fuzz/run.sh safetensors 10   # the safetensors reader
#   Tests/Fuzz/run.sh splits 10        # split_zhou_*.json files and the few-shot cache (DatasetSource)
#   Tests/Fuzz/run.sh pairs 10         # image-caption lists, TSV and JSONL (ImageCaptionPairs)
#   Tests/Fuzz/run.sh config 10        # --config files and --set overrides (MethodConfiguration)
#   Tests/Fuzz/run.sh tokenizer 10     # vocab.json + merges.txt, and encoding any text (CLIPTokenizer)
#   Tests/Fuzz/run.sh jpeg 10          # the JPEG decoder, with libjpeg (RGBImage(jpegData:))
#   Tests/Fuzz/run.sh yaml 10          # official YAML configs and yacs opts, with libyaml (OfficialRun)
#
# Each target is Tests/Fuzz/<Name>Fuzz.swift, whose header says what an input is and what must
# hold for it. The library modules are compiled as the package's modules are (one module per
# Sources/ directory, whole-module, -O), with libFuzzer's coverage and AddressSanitizer, into
# .build/fuzz/modules, and rebuilt when a source is newer; a target imports them as the app does.
#
# The seed corpus is Tests/Fuzz/corpus/<target>/ (kept in git); inputs the fuzzer finds go to
# .build/fuzz/<target>/corpus, crashes to .build/fuzz/<target>/crash-*. A crash is fixed with a
# regression test that feeds the crashing input through the normal API. Not part of the suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: Tests/Fuzz/run.sh json|safetensors|splits|pairs|config|tokenizer|jpeg|yaml MINUTES}
minutes=${2:-10}
case "$target" in
    json) source=Tests/Fuzz/JSONFuzz.swift ;;
    safetensors) source=Tests/Fuzz/SafeTensorsFuzz.swift ;;
    splits) source=Tests/Fuzz/SplitFileFuzz.swift ;;
    pairs) source=Tests/Fuzz/ImageCaptionPairsFuzz.swift ;;
    config) source=Tests/Fuzz/MethodConfigurationFuzz.swift ;;
    tokenizer) source=Tests/Fuzz/TokenizerFuzz.swift ;;
    jpeg) source=Tests/Fuzz/JPEGFuzz.swift ;;
    yaml) source=Tests/Fuzz/OfficialConfigFuzz.swift ;;
    *) echo "unknown fuzz target '$target' (json, safetensors, splits, pairs, config, tokenizer, jpeg, yaml)" >&2; exit 64 ;;
esac
# A crash is reported by libFuzzer and AddressSanitizer, not by the Swift runtime's backtracer
# (which, run under AddressSanitizer, reads the shadow memory and reports itself).
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
out=.build/fuzz/$target
modules=.build/fuzz/modules
mkdir -p "$out/corpus" "$modules"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6
       -I "$modules" -I Sources/CBLAS -I Sources/CAllocator -I Sources/CJPEG -I Sources/CYAML)

# build MODULE [DEPENDENCY...]: Sources/MODULE as $modules/MODULE.{o,swiftmodule}, unless the
# object is newer than its sources, its dependencies' objects and this script.
build() {
    local module=$1 object=$modules/$1.o
    shift
    local inputs=(Sources/"$module" Tests/Fuzz/run.sh)
    for dependency in "$@"; do inputs+=("$modules/$dependency.o"); done
    if [[ -f $object && -z $(find "${inputs[@]}" -newer "$object" -print -quit) ]]; then return; fi
    echo "building $module" >&2
    swiftc "${flags[@]}" -wmo -module-name "$module" -emit-module -emit-module-path "$modules/$module.swiftmodule" \
        -c $(find Sources/"$module" -name '*.swift' | sort) -o "$object"
    touch "$object"  # swiftc keeps an unchanged output's old time
}
# Package.swift's library targets a fuzz target can import, in dependency order.
build TensorIO
build AutoDiff TensorIO
build CLIP AutoDiff TensorIO
build MetaLearning AutoDiff
build Datasets AutoDiff TensorIO
build CLIPAdapter AutoDiff TensorIO CLIP MetaLearning Datasets
build Dassl TensorIO CLIP Datasets CLIPAdapter

swiftc "${flags[@]}" -module-name Fuzz "$source" Tests/Fuzz/FuzzFiles.swift "$modules"/{TensorIO,AutoDiff,CLIP,MetaLearning,Datasets,CLIPAdapter,Dassl}.o \
    -o "$out/fuzzer"
"$out/fuzzer" -max_total_time=$(( minutes * 60 )) -timeout=10 -print_final_stats=1 -artifact_prefix="$out/" \
    "$out/corpus" "Tests/Fuzz/corpus/$target"
