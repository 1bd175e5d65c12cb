#!/usr/bin/env bash
# Scale-out on real components (issue 13): a single-node Slurm cluster runs a 4-task
# job array of shards and a dependent merge job (scripts/slurm/), and GNU parallel
# runs the shards of a second split; each merged result is compared byte for byte
# with one `costsim run`. Run as root on Debian: it installs Slurm, munge, GNU
# parallel and rsync if missing, starts the daemons without systemd, and stops them
# by PID whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${COSTSIM:-${CARGO_TARGET_DIR:-$root/target}/debug/costsim}
model=$root/tests/data/shards.toml
[[ -x $bin ]] || cargo build --quiet
if [[ $(id -u) != 0 ]]; then
    echo "scale-out-test: run as root (it installs and starts Slurm)" >&2
    exit 1
fi

missing=()
for pair in munged:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client \
    parallel:parallel rsync:rsync; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || [[ -x /usr/sbin/${pair%%:*} ]] ||
        missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
    echo "scale-out-test: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/costsim-scale-out.XXXXXX)
chmod 755 "$work"
pids=()
jobs_submitted=()
cleanup() {
    local status=$?
    for j in "${jobs_submitted[@]}"; do scancel "$j" 2>/dev/null || true; done
    # By PID, and only a PID that is still the daemon we started (a stale pid file
    # may name another process by now).
    for entry in "${pids[@]}"; do
        local pid=${entry%%:*} name=${entry#*:}
        if [[ -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == "$name" ]]; then
            kill "$pid" 2>/dev/null || true
        fi
    done
    for entry in "${pids[@]}"; do
        local pid=${entry%%:*}
        for _ in $(seq 50); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
    done
    if ((status != 0)); then
        for log in "$work"/slurm/*.log "$work"/states/*.out; do
            [[ -f $log ]] && { echo "--- $log"; tail -20 "$log"; }
        done
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# The files of a run folder, compared byte for byte; summary.json without its timing
# fields (a merge reports the shards' summed time and its own thread count).
same_results() {
    local a=$1 b=$2 f name
    [[ $(ls "$a") == $(ls "$b") ]] || { echo "different file sets: $a $b" >&2; return 1; }
    for f in "$a"/*; do
        name=$(basename "$f")
        if [[ $name == summary.json ]]; then
            diff <(grep -v -e '"elapsed_seconds"' -e '"threads"' "$f") \
                <(grep -v -e '"elapsed_seconds"' -e '"threads"' "$b/$name") >/dev/null ||
                { echo "$name differs" >&2; return 1; }
        else
            cmp -s "$f" "$b/$name" || { echo "$name differs" >&2; return 1; }
        fi
    done
    echo "  $(ls "$a" | wc -l) files identical to the single run"
}

"$bin" run "$model" --out "$work/single" --quiet >/dev/null

echo "== Slurm: a 4-task job array and a dependent merge job"
s=$work/slurm
mkdir -p "$s/state" "$s/spool"
chown slurm: "$s/state" "$s/spool" "$s"
cat >"$s/slurm.conf" <<CONF
ClusterName=costsim
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$s/slurm.conf

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    install -d -o munge -g munge -m 0755 /run/munge
    [[ -f /etc/munge/munge.key ]] || mungekey --create
    runuser -u munge -- /usr/sbin/munged
    pids+=("$(cat /run/munge/munged.pid):munged")
fi
/usr/sbin/slurmctld
for _ in $(seq 50); do [[ -s $s/slurmctld.pid ]] && break; sleep 0.1; done
pids+=("$(cat "$s/slurmctld.pid"):slurmctld")
/usr/sbin/slurmd
for _ in $(seq 50); do [[ -s $s/slurmd.pid ]] && break; sleep 0.1; done
pids+=("$(cat "$s/slurmd.pid"):slurmd")
for _ in $(seq 100); do
    [[ $(sinfo -h -N -n localhost -o %T 2>/dev/null) == idle ]] && break
    sleep 0.2
done
[[ $(sinfo -h -N -n localhost -o %T) == idle ]] || { echo "the node never came up" >&2; exit 1; }

# Waits until none of the given jobs is queued or running (sbatch --wait polls every
# 32 s at length: poll squeue instead).
wait_jobs() {
    local ids
    ids=$(IFS=,; echo "$*")
    for _ in $(seq 600); do
        [[ -z $(squeue -h -j "$ids" 2>/dev/null) ]] && return 0
        sleep 0.5
    done
    echo "jobs $ids still queued" >&2
    return 1
}

read -r array merge < <(COSTSIM=$bin scripts/slurm/submit.sh 4 "$model" "$work/states" \
    "$work/slurm-results")
jobs_submitted=("$array" "$merge")
echo "  array job $array, merge job $merge"
wait_jobs "$array" "$merge"
ls "$work/states"/shard-{0,1,2,3}.cstate >/dev/null
[[ -f $work/slurm-results/summary.csv ]] || { echo "the merge job wrote no results" >&2; exit 1; }
same_results "$work/single" "$work/slurm-results"

echo "== Slurm: a failed shard cancels the dependent merge; re-run alone, it completes"
# Task 2 fails: its state's path is taken by a folder, which costsim refuses (exit 2).
f=$work/failing
mkdir -p "$f/states/shard-2.cstate"
read -r array merge < <(COSTSIM=$bin scripts/slurm/submit.sh 4 "$model" "$f/states" \
    "$f/results")
jobs_submitted+=("$array" "$merge")
wait_jobs "$array" "$merge"
[[ ! -e $f/results ]] || { echo "the merge ran although a shard failed" >&2; exit 1; }
grep -q "is a folder" "$f/states/slurm-${array}_2.out" ||
    { echo "shard 2 did not fail as planned" >&2; exit 1; }
rmdir "$f/states/shard-2.cstate"
again=$(COSTSIM=$bin sbatch --parsable --array=2 --output="$f/states/slurm-%A_%a.out" \
    scripts/slurm/shard.sbatch 4 "$model" "$f/states")
again=${again%%;*}
merge=$(COSTSIM=$bin sbatch --parsable --dependency=afterok:"$again" --kill-on-invalid-dep=yes \
    --output="$f/states/merge.out" scripts/slurm/merge.sbatch 4 "$f/states" "$f/results")
merge=${merge%%;*}
jobs_submitted+=("$again" "$merge")
wait_jobs "$again" "$merge"
same_results "$work/single" "$f/results"

echo "== Slurm: a lost shard fails the merge job loudly"
rm "$work/states/shard-2.cstate"
lost=$(COSTSIM=$bin sbatch --parsable --output="$work/states/merge-again.out" scripts/slurm/merge.sbatch 4 \
    "$work/states" "$work/never")
lost=${lost%%;*}
jobs_submitted+=("$lost")
wait_jobs "$lost"
grep -q "1 of 4 states missing" "$work/states/merge-again.out"
[[ ! -e $work/never ]]
echo "  refused: $(head -1 "$work/states/merge-again.out")"

echo "== GNU parallel on this machine (--sshlogin :): 5 shards"
mkdir -p "$work/parallel"
cd "$work/parallel"
cp "$model" model.toml
# The model file's name is part of the results (report.md, summary.json): the single
# run to compare with is of this copy.
"$bin" run model.toml --out single --quiet >/dev/null
parallel --sshlogin : "$bin" run model.toml --shard {}/5 --state states/shard-{}.cstate \
    --quiet ::: 0 1 2 3 4 >/dev/null
"$bin" merge states/shard-*.cstate --out results --quiet >/dev/null
same_results single results

echo "== GNU parallel over \"ssh\" (--basefile, --return, --cleanup through rsync): 3 shards"
# .ci/fake-ssh plays a remote machine whose home is $work/remote: the model is sent
# there, the shards run there, and their states come back, as over a real ssh.
mkdir -p "$work/remote"
rm -rf states
FAKE_REMOTE_HOME=$work/remote parallel --ssh "$root/.ci/fake-ssh" --sshlogin 2/remote \
    --basefile model.toml --return states/shard-{}.cstate --cleanup \
    "$bin" run model.toml --shard {}/3 --state states/shard-{}.cstate --quiet ::: 0 1 2 \
    >/dev/null
[[ -z $(ls -A "$work/remote") ]] || { echo "--cleanup left files on the remote" >&2; exit 1; }
"$bin" merge states/shard-*.cstate --out results-ssh --quiet >/dev/null
same_results single results-ssh
cd "$root"
echo "scale-out-test: ok"
