#!/usr/bin/env bash
# Runs metaprompt's main job on a built-in default: installs what is missing, builds in
# release, launches under mpirun on this machine.
#
#   deploy/run.sh                 # 2 ranks, default job
#   NP=4 deploy/run.sh -- ARGS    # 4 ranks, ARGS passed to the job
#
# Until CLIP prompt training lands (issues 3-6), the main job is `metaprompt demo`:
# distributed second-order MAML on sine regression, the same distributed shape
# (tasks sharded over ranks, meta-gradients combined in task order, identical steps).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh

NP="${NP:-2}"
[ "${1:-}" = "--" ] && shift
ensure_packages
swift build -c release --product metaprompt
mapfile -t extra < <(mpirun_args)
exec mpirun "${extra[@]}" --oversubscribe -np "$NP" .build/release/metaprompt demo "$@"
