#!/bin/bash
# Submits a sharded costsim run to Slurm: an N-task job array, then a merge job that
# runs once every task has succeeded (docs/scale-out.md). Prints the two job ids.
#
#   scripts/slurm/submit.sh N MODEL STATES OUT [run options...]
set -euo pipefail
if (($# < 4)); then
    echo "usage: $0 N MODEL STATES OUT [costsim run options...]" >&2
    exit 2
fi
n=$1 model=$2 states=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$states"
array=$(sbatch --parsable --array=0-$((n - 1)) --output="$states/slurm-%A_%a.out" \
    "$here/shard.sbatch" "$n" "$model" "$states" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
    --output="$states/slurm-merge-%j.out" "$here/merge.sbatch" "$n" "$states" "$out")
echo "$array ${merge%%;*}"
