#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with the Swift toolchain:
# installs missing system packages, builds, runs `swift test`, then an MPI smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh

ensure_packages
# The build's and the tests' temporary files (SwiftPM's, the tests', their subprocesses' and
# Open MPI's session directories) go to one directory that is removed afterwards, whether the
# tests pass or not.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/metaprompt-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
TMPDIR="$scratch" swift build --build-tests
# One BLAS thread: tests in one process compare bits across calls, OpenBLAS's bits depend on
# its thread count, and tests that run ranks as threads set that count process-wide.
TMPDIR="$scratch" OPENBLAS_NUM_THREADS=1 swift test --skip-build

# MPI smoke run: two real ranks must agree with one rank byte for byte.
echo "MPI smoke run: demo with 1 and 2 ranks"
mapfile -t extra < <(mpirun_args)
one=$(.build/debug/metaprompt demo --steps 3 --tasks-per-step 4 --log-every 3 | tail -n 1)
two=$(mpirun "${extra[@]}" --oversubscribe -np 2 .build/debug/metaprompt demo --steps 3 --tasks-per-step 4 --log-every 3 | tail -n 1)
echo "  -np 1: $one"
echo "  -np 2: $two"
if [ "$one" != "$two" ]; then
    echo "MPI smoke run FAILED: checksums differ"
    exit 1
fi
echo "MPI smoke run passed"
