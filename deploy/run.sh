#!/usr/bin/env bash
# metaprompt's main job on a built-in default: the demo world, base-to-new, under mpirun.
# Installs what is missing, builds in release, then:
#   1. metaprompt world generate   the synthetic world (48 colour × shape classes, a shifted
#                                  downstream domain in the Dassl layout, caption pairs)
#   2. metaprompt world pretrain   a tiny CLIP, contrastively, data-parallel over the ranks
#   3. metaprompt world compare    zero-shot, CoOp, IVLP, IVLP + regularisers, PromptSRC,
#                                  ProMetaR, its lr_ratio = 0 control, GRAM + CoOp,
#                                  GRAM + IVLP; 5 seeds, 4 epochs;
#                                  runs spread over the ranks; table, results.json, SVG charts
#
#   deploy/run.sh                  # the default demo (about 11 minutes on 2 cores with the build, see README)
#   deploy/run.sh --quick          # a smoke version: 1 seed, 300 pretraining steps, 2 epochs
#   deploy/run.sh --long           # 3000 pretraining steps, 300 GRAM meta-steps, 10 epochs
#   NP=4 OUT=dir deploy/run.sh     # ranks (default 2) and output directory (default output/demo)
#   deploy/run.sh -- ARGS          # ARGS go to 'world compare' (e.g. -- --methods coop,prometar,
#                                  # or -- --ranks-per-run 2: each run on a group of 2 ranks)
#
# Every phase keeps what an earlier run of the same settings finished: rerunning after an
# interruption continues.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh

NP="${NP:-2}"
OUT="${OUT:-output/demo}"
PRETRAIN_STEPS=1000
SEEDS=1,2,3,4,5
EPOCHS=4
GRAM_STEPS=100
extra_compare=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) PRETRAIN_STEPS=300; SEEDS=1; EPOCHS=2; GRAM_STEPS=20 ;;
        --long) PRETRAIN_STEPS=3000; GRAM_STEPS=300; EPOCHS=10 ;;
        --) shift; extra_compare=("$@"); break ;;
        *) echo "usage: deploy/run.sh [--quick|--long] [-- world compare arguments]" >&2; exit 64 ;;
    esac
    shift
done

started=$SECONDS
timings=()
mark=$SECONDS
phase() {
    [ -n "${current:-}" ] && timings+=("$current $(( SECONDS - mark )) s")
    mark=$SECONDS; current="$2"
    [ -n "$1" ] && { echo; echo "== $1 ($(( SECONDS - started )) s so far)"; }
    return 0
}

phase "0/3 installing what is missing, building in release" build
ensure_packages
# SwiftPM leaves temporary directories behind: give it one, removed after the build.
build_tmp=$(mktemp -d "${TMPDIR:-/tmp}/metaprompt-build.XXXXXX")
TMPDIR="$build_tmp" swift build -c release --product metaprompt
rm -rf "$build_tmp"
bin=.build/release/metaprompt
mapfile -t extra < <(mpirun_args)
launch=(mpirun "${extra[@]}" --oversubscribe --bind-to core:overload-allowed -np "$NP")

# The demo world: a pool of 64 training images per class (each seed samples its 16 shots from
# it), 4 validation and 100 test images per class.
world_args=(--seed 1 --train-per-class 64 --val-per-class 4 --test-per-class 100)
phase "1/3 world: generating the synthetic world in $OUT/data" world
if [ -f "$OUT/data/world/split_zhou_World.json" ] && [ -f "$OUT/data/pretrain/pairs.tsv" ] \
    && [ "$(cat "$OUT/data/.settings" 2>/dev/null)" = "${world_args[*]}" ]; then
    echo "kept: $OUT/data (delete it to regenerate)"
else
    rm -f "$OUT/data/.settings"
    "$bin" world generate --output "$OUT/data" "${world_args[@]}"
    echo "${world_args[*]}" > "$OUT/data/.settings"
fi

phase "2/3 pretraining a tiny CLIP ($PRETRAIN_STEPS steps of 128 pairs) on $NP ranks into $OUT/clip" pretraining
if [ -f "$OUT/clip/model.safetensors" ] && [ "$(cat "$OUT/clip/.steps" 2>/dev/null)" = "$PRETRAIN_STEPS" ]; then
    echo "kept: $OUT/clip (delete it to pretrain again)"
else
    rm -f "$OUT/clip/.steps"
    "${launch[@]}" "$bin" world pretrain --output "$OUT/clip" --seed 1 --steps "$PRETRAIN_STEPS"
    echo "$PRETRAIN_STEPS" > "$OUT/clip/.steps"
fi

phase "3/3 base-to-new on the shifted domain, seeds $SEEDS, $EPOCHS epochs, runs spread over $NP ranks" comparison
"${launch[@]}" "$bin" world compare --world "$OUT/data" --model "$OUT/clip" --output "$OUT/base2new" \
    --seeds "$SEEDS" --epochs "$EPOCHS" --gram-steps "$GRAM_STEPS" "${extra_compare[@]}"

phase "" ""
echo
echo "done in $(( SECONDS - started )) s ($(IFS=,; echo "${timings[*]}" | sed 's/,/, /g')): $OUT/base2new/table.txt, paired.txt, results.json, chart.svg, curves.svg"
