#!/usr/bin/env bash
# Opt-in check of the instruction-set choice (METAPROMPT_TARGET_CPU, Package.swift):
#   deploy/test-isa.sh              # about 7 minutes on 2 cores (two release builds)
#
# Builds the release binary twice, for the x86-64 baseline and for haswell (AVX2, FMA), each in
# its own scratch directory under the system's temporary directory, then checks:
#   1. `train` of ProMetaR (second order, and at a large inner rate), IVLP, PromptSRC and CoOp on
#      the tiny CLIP and tinyshapes fixtures gives byte-identical checkpoints and prompts from
#      both binaries, on 1 and 2 OpenBLAS threads;
#   2. under qemu-user emulating a CPU without AVX (Nehalem), the haswell binary stops before
#      main with exit 1 and a message naming the missing features, and the baseline binary runs.
# Installs qemu-user when it is missing (root). Exit 0 when all checks pass, 1 when one fails,
# 77 when the machine cannot run it (not x86-64, or no AVX2 to run the haswell binary).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh
if [ "$(uname -m)" != x86_64 ]; then echo "test-isa: skipped: not an x86-64 machine" >&2; exit 77; fi
if ! grep -qw avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
    echo "test-isa: skipped: this CPU cannot run a haswell binary (no AVX2 or FMA)" >&2; exit 77
fi
[ "$(id -u)" -eq 0 ] && METAPROMPT_PACKAGES+=(qemu-user)
ensure_packages

dir=$(mktemp -d "${TMPDIR:-/tmp}/metaprompt-isa.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for cpu in x86-64 haswell; do
    echo "building for $cpu"
    METAPROMPT_TARGET_CPU=$cpu TMPDIR="$dir" swift build -c release --product metaprompt --scratch-path "$dir/build-$cpu" 2>&1 | tail -n 1
done
status=0
fail() { echo "FAILED: $*"; status=1; }

train() {  # cpu threads name method [--set ...]
    local cpu=$1 threads=$2 name=$3 method=$4; shift 4
    OPENBLAS_NUM_THREADS=$threads "$dir/build-$cpu/release/metaprompt" train --model Tests/Fixtures/tiny-clip \
        --split Tests/Fixtures/tinyshapes/split_zhou_TinyShapes.json --method "$method" --output "$dir/$name-$cpu" \
        --shots 4 --batch-size 4 --tasks-per-step 4 --max-steps 3 --checkpoint-every 1 --log-every 1 --no-eval \
        --set n_ctx_text=2 --set n_ctx_vision=2 --set depth_text=2 --set depth_vision=2 "$@" > "$dir/$name-$cpu.log" 2>&1 \
        || { cat "$dir/$name-$cpu.log"; fail "train $name ($cpu)"; }
}
compare() {  # name: every checkpoint and the prompts, byte for byte
    local name=$1 files=0
    while IFS= read -r f; do
        files=$((files + 1))
        cmp -s "$dir/$name-x86-64/$f" "$dir/$name-haswell/$f" || fail "$name: $f differs between x86-64 and haswell"
    done < <(cd "$dir/$name-x86-64" && find . -name '*.safetensors' | sort)
    [ "$files" -gt 1 ] || fail "$name: no checkpoints to compare"
    echo "  $name: $files safetensors files identical"
}
echo "1. the same bits from both instruction sets"
for threads in 1 2; do
    for method in prometar ivlp promptsrc coop; do
        for cpu in x86-64 haswell; do train "$cpu" "$threads" "$method-t$threads" "$method"; done
        compare "$method-t$threads"
    done
    for cpu in x86-64 haswell; do train "$cpu" "$threads" "prometar-lr-t$threads" prometar --set adapt_lr=0.5; done
    compare "prometar-lr-t$threads"
done

echo "2. a haswell binary on a CPU without AVX"
if ! command -v qemu-x86_64 >/dev/null; then
    fail "qemu-x86_64 is not installed (apt-get install qemu-user, as root)"
else
    set +e
    message=$(qemu-x86_64 -cpu Nehalem "$dir/build-haswell/release/metaprompt" --help 2>&1 >/dev/null)
    code=$?
    set -e
    [ "$code" -eq 1 ] || fail "the haswell binary on Nehalem exited $code, not 1"
    grep -q "built for haswell (AVX2, FMA) and this CPU lacks: avx avx2 fma" <<<"$message" \
        || fail "the haswell binary on Nehalem said: $message"
    echo "  haswell binary on Nehalem: exit $code, $(head -n 1 <<<"$message")"
    qemu-x86_64 -cpu Nehalem "$dir/build-x86-64/release/metaprompt" --help >/dev/null 2>&1 \
        || fail "the x86-64 binary does not run on Nehalem"
    echo "  x86-64 binary on Nehalem: runs"
fi
[ "$status" -eq 0 ] && echo "test-isa: all checks passed"
exit "$status"
