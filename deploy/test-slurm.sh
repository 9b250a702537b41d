#!/usr/bin/env bash
# Opt-in check of deploy/slurm.sbatch on a one-node Slurm cluster made on this machine:
#   deploy/test-slurm.sh            # as root on Debian; about 5 minutes
#
# Installs Debian's Slurm (slurmctld, slurmd, slurm-client) and munge when they are missing,
# builds the release binary, then starts munged, slurmctld and slurmd directly (no systemd) with
# a configuration, key and state in a temporary directory, on their own ports (16817, 16818) and
# munge socket. Training is ProMetaR on the tiny CLIP and tinyshapes fixtures, 2 tasks per step.
# It checks, for both launchers the script has (srun --mpi=pmix and mpirun):
#   1. sbatch -n 2 ends with prompts byte-identical to one process without MPI;
#   2. each rank is bound to its own core;
#   3. `scancel --signal=USR1 --batch` mid-run: a checkpoint and exit 75 within 60 s, the script
#      requeues the job, the requeued job resumes and ends byte-identical;
# and, with srun, that a plain `scancel` leaves a checkpoint and no requeue, and that submitting
# the same command again resumes it and ends byte-identical. The daemons are stopped and the
# directory removed on exit, also when a check fails. Exit 0 when all checks pass, 1 when one
# fails, 77 when the machine cannot run it (not root, fewer than 2 CPUs, a Slurm already running).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/common.sh
if [ "$(id -u)" != 0 ]; then echo "test-slurm: skipped: it starts Slurm's daemons, which needs root" >&2; exit 77; fi
if [ "$(nproc)" -lt 2 ]; then echo "test-slurm: skipped: needs 2 CPUs for 2 tasks" >&2; exit 77; fi
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || pgrep -x munged >/dev/null; then
    echo "test-slurm: skipped: slurmctld, slurmd or munged is already running on this machine" >&2; exit 77
fi
METAPROMPT_PACKAGES+=(slurmctld slurmd slurm-client munge)
ensure_packages
swift build -c release --product metaprompt
bin=$PWD/.build/release/metaprompt

dir=$(mktemp -d /tmp/metaprompt-slurm.XXXXXX)
chmod 755 "$dir"  # munged wants its socket's directories searchable by all
export SLURM_CONF=$dir/slurm.conf
stop_daemons() {
    if [ -f "$dir/slurmd.pid" ]; then
        scancel --full --user=root 2>/dev/null || true
        for _ in $(seq 1 60); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 1; done
    fi
    for name in slurmd slurmctld munged; do
        [ -f "$dir/$name.pid" ] && kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
    done
    sleep 1
    rm -rf "$dir"
}
trap stop_daemons EXIT
fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 711 "$dir/munge"
mungekey --create --keyfile="$dir/munge/munge.key"
munged --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
node=$(hostname -s)
cat >"$SLURM_CONF" <<EOF
ClusterName=metaprompt-test
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$node CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 1; done
sinfo -h -o %T | grep -qx idle || fail "the node did not come up: $(sinfo 2>&1 | tail -n 2); see $dir/log"
srun --mpi=list 2>&1 | grep -q pmix || fail "this Slurm has no PMIx plugin (srun --mpi=list)"

cp -R Tests/Fixtures/tinyshapes "$dir/data"
train=(--model "$PWD/Tests/Fixtures/tiny-clip" --split "$dir/data/split_zhou_TinyShapes.json" --method prometar
       --shots 4 --batch-size 4 --tasks-per-step 2 --max-steps 300 --checkpoint-every 100 --log-every 1 --no-eval
       --set n_ctx_text=2 --set n_ctx_vision=2 --set depth_text=2 --set depth_vision=2)
# Each rank prints the CPUs it may run on, then becomes metaprompt (METAPROMPT_BIN).
cat >"$dir/rank.sh" <<EOF
#!/bin/sh
echo "cpus \$(grep Cpus_allowed_list /proc/self/status | cut -f2)" >&2
exec "$bin" "\$@"
EOF
chmod +x "$dir/rank.sh"

echo "test-slurm: reference, one process without MPI"
phase=$SECONDS
OPENBLAS_NUM_THREADS=1 "$bin" train "${train[@]}" --output "$dir/reference" >"$dir/reference.out" 2>&1 ||
    fail "the reference run: $(tail -n 3 "$dir/reference.out")"

# submit NAME LAUNCHER: sbatch -n 2 into $dir/NAME, printing the job id.
submit() {
    METAPROMPT_LAUNCHER=$2 METAPROMPT_BIN=$dir/rank.sh sbatch --parsable --job-name=metaprompt -n 2 \
        --output="$dir/$1.out" deploy/slurm.sbatch "${train[@]}" --output "$dir/$1"
}
# field JOB NAME: a field of scontrol's record of the job.
field() { scontrol show job -o "$1" | grep -o "$2=[^ ]*" | cut -d= -f2; }
# finish JOB NAME: waits for the job to end (at most 300 s) and checks that it completed.
finish() {
    local state=""
    for _ in $(seq 1 600); do
        state=$(field "$1" JobState)
        case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
        sleep 0.5
    done
    [ "$state" = COMPLETED ] || fail "$2: job $1 ended $state; $dir/$2.out:
$(grep -v '^step' "$dir/$2.out" | tail -n 20)"
}
# same NAME: the run's prompts equal the reference's byte for byte.
same() {
    cmp -s "$dir/reference/prompts.safetensors" "$dir/$1/prompts.safetensors" ||
        fail "$1: prompts.safetensors differs from one process's"
    echo "  prompts byte-identical to one process ($((SECONDS - phase)) s)"
}
# interrupt JOB NAME SCANCEL-ARGUMENTS...: waits for step 20, cancels or signals, and waits (at
# most 60 s) for the ranks' checkpoint message.
interrupt() {
    local job=$1 name=$2
    shift 2
    for _ in $(seq 1 600); do grep -q '^step 20/' "$dir/$name/log.txt" 2>/dev/null && break; sleep 0.1; done
    grep -q '^step 20/' "$dir/$name/log.txt" || fail "$name: step 20 never logged"
    local start=$SECONDS
    scancel "$@" "$job"
    for _ in $(seq 1 120); do grep -q 'exit code 75' "$dir/$name.out" && break; sleep 0.5; done
    grep -q 'exit code 75' "$dir/$name.out" || fail "$name: no checkpoint within 60 s of scancel $*: $(tail -n 5 "$dir/$name.out")"
    echo "  scancel ${*:-(SIGTERM)} after step 20: $(grep -m1 -o 'preempted by SIG[A-Z0-9]* after step [0-9]*' "$dir/$name.out"), $((SECONDS - start)) s"
}

for launcher in srun mpirun; do
    echo "test-slurm: $launcher, 2 tasks"
    phase=$SECONDS
    job=$(submit "$launcher" "$launcher")
    finish "$job" "$launcher"
    grep -q "launching with $launcher" "$dir/$launcher.out" || fail "$launcher: the script did not launch with $launcher"
    same "$launcher"
    cpus=$(grep '^cpus ' "$dir/$launcher.out" | cut -d' ' -f2 | sort)
    [ "$(echo "$cpus" | wc -l)" = 2 ] && [ "$(echo "$cpus" | sort -u | wc -l)" = 2 ] &&
        ! echo "$cpus" | grep -q '[-,]' || fail "$launcher: ranks not bound to one core each: $(echo $cpus)"
    echo "  ranks bound to CPUs $(echo $cpus)"

    echo "test-slurm: $launcher, scancel --signal=USR1 --batch, requeue"
    phase=$SECONDS
    job=$(submit "$launcher-requeue" "$launcher")
    interrupt "$job" "$launcher-requeue" --signal=USR1 --batch
    finish "$job" "$launcher-requeue"
    [ "$(field "$job" Restarts)" = 1 ] || fail "$launcher-requeue: job $job restarted $(field "$job" Restarts) times, not once"
    grep -q "requeueing job $job" "$dir/$launcher-requeue.out" && grep -q '^resumed from .* at step' "$dir/$launcher-requeue.out" ||
        fail "$launcher-requeue: no requeue and resume in $dir/$launcher-requeue.out"
    echo "  requeued, $(grep -m1 -o '^resumed from .*' "$dir/$launcher-requeue.out" | sed "s|$dir/||")"
    same "$launcher-requeue"
done

echo "test-slurm: srun, scancel (SIGTERM), then the same sbatch command"
phase=$SECONDS
job=$(submit cancel srun)
interrupt "$job" cancel
for _ in $(seq 1 120); do [ "$(field "$job" JobState)" = CANCELLED ] && break; sleep 0.5; done
[ "$(field "$job" JobState)" = CANCELLED ] || fail "cancel: job $job is $(field "$job" JobState), not CANCELLED"
grep -q 'not requeued' "$dir/cancel.out" || fail "cancel: the script did not say the job is not requeued"
job=$(submit cancel srun)
finish "$job" cancel
grep -q '^resumed from .* at step' "$dir/cancel.out" || fail "cancel: the second submission did not resume"
echo "  resubmitted, $(grep -m1 -o '^resumed from .*' "$dir/cancel.out" | sed "s|$dir/||")"
same cancel
echo "test-slurm: all checks passed"
