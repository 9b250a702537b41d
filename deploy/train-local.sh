#!/usr/bin/env bash
# Prompt training on this machine under mpirun: installs what is missing, builds in release,
# launches NP ranks (one OpenBLAS thread each) of `metaprompt train` with your arguments.
#
#   NP=2 deploy/train-local.sh --model ~/models/clip-vit-base-patch16 --root ~/data \
#       --dataset caltech101 --method prometar --shots 16 --subsample base --seed 1 \
#       --tasks-per-step 2 --output output/base2new/train_base/caltech101/shots_16/prometar/vit_b16/seed1
#
# With a hostfile (several machines; same install path on each, passwordless ssh):
#   HOSTFILE=hostfiles/two-nodes.example NP=64 deploy/train-local.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh

NP="${NP:-2}"
ensure_packages
swift build -c release --product metaprompt
mapfile -t extra < <(mpirun_args)
[ -n "${HOSTFILE:-}" ] && extra+=(--hostfile "$HOSTFILE")
# --bind-to core keeps each rank on its own core (overload-allowed: more ranks than cores still
# run, sharing cores); -x passes the thread setting to every rank.
exec mpirun "${extra[@]}" --oversubscribe --bind-to core:overload-allowed -x OPENBLAS_NUM_THREADS -np "$NP" \
    .build/release/metaprompt train "$@"
