#!/usr/bin/env bash
# Figures for docs/scale-out.md and BENCHMARKS.md (issue 13): state sizes, the time
# to merge 1,000 states, and the cost of cutting a run into 16 shards run one after
# another. Usage: benches/scale-out/run.sh [costsim binary] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/costsim}
[[ -x $bin ]] || cargo build --release --quiet
work=$(mktemp -d /tmp/costsim-scale-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

echo "== state sizes"
"$bin" run --shard 0/1 --state "$work/default.cstate" -q >/dev/null
"$bin" run --shard 3/16 --state "$work/default-3of16.cstate" -q >/dev/null
echo "default model, 10^6 samples, one state holding the whole run: $(stat -c %s "$work/default.cstate") bytes"
echo "default model, 10^6 samples, shard 3/16:                      $(stat -c %s "$work/default-3of16.cstate") bytes"
python3 - "$work/big.toml" <<'PY'
import sys
lines = ['[model]', 'title = "2,000 params"', 'samples = 1_000_000', 'seed = 1']
outs = [f"d{i}" for i in range(1000)]
lines.append("outputs = [" + ", ".join(f'"{o}"' for o in outs) + "]")
lines.append("[params]")
for i in range(1000):
    lines.append(f'x{i} = "{1 + i % 7} to {3 + i % 7 * 2}"')
for i in range(1000):
    lines.append(f'd{i} = "x{i} * x{(i * 7 + 1) % 1000} + x{(i * 13 + 5) % 1000}"')
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
"$bin" run "$work/big.toml" --shard 0/1 --state "$work/big.cstate" -q >/dev/null
"$bin" run "$work/big.toml" --shard 3/16 --state "$work/big-3of16.cstate" -q >/dev/null
echo "2,000-param model (1,000 outputs), 10^6 samples, whole run:      $(stat -c %s "$work/big.cstate") bytes"
echo "2,000-param model (1,000 outputs), 10^6 samples, shard 3/16:     $(stat -c %s "$work/big-3of16.cstate") bytes"

echo "== merging 1,000 states (default model, 1,000 chunks = 65,536,000 samples, one chunk per shard)"
mkdir -p "$work/states"
t=$(secs bash -c "seq 0 999 | xargs -P 2 -I{} $bin run --samples 65536000 --shard {}/1000 --state $work/states/s{}.cstate -q -j 1")
echo "writing the 1,000 states (2 at a time): ${t} s"
t=$(secs "$bin" merge "$work"/states/*.cstate --state "$work/all.cstate" -q)
echo "merge --state of 1,000 states into one: ${t} s"
t=$(secs "$bin" merge "$work"/states/*.cstate --out "$work/merged" -q)
echo "merge of 1,000 states into the run's files (with rows, swing, anatomy, charts): ${t} s"

echo "== 16 shards one after another against one run of the same 16,777,216 samples (default model)"
# Wall time and CPU time (user + sys) of each, interleaved, 5 times; the least of each
# is the figure (the machine's noise only ever adds time).
cpu() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'; }
for threads in 1 2; do
    best_one=(999 999) best_sixteen=(999 999)
    for rep in 1 2 3 4 5; do
        read -r w c < <(cpu "$bin" run --samples 16777216 --shard 0/1 --state "$work/one.cstate" -q -j "$threads")
        best_one=($(echo "$w ${best_one[0]} $c ${best_one[1]}" | awk '{print ($1<$2?$1:$2), ($3<$4?$3:$4)}'))
        read -r w c < <(cpu bash -c "for k in \$(seq 0 15); do $bin run --samples 16777216 --shard \$k/16 --state $work/p\$k.cstate -q -j $threads; done")
        best_sixteen=($(echo "$w ${best_sixteen[0]} $c ${best_sixteen[1]}" | awk '{print ($1<$2?$1:$2), ($3<$4?$3:$4)}'))
    done
    echo "$threads thread(s): one run ${best_one[0]} s wall, ${best_one[1]} s CPU; 16 shards ${best_sixteen[0]} s wall, ${best_sixteen[1]} s CPU;" \
        "overhead $(echo "scale=1; 100 * (${best_sixteen[0]} - ${best_one[0]}) / ${best_one[0]}" | bc)% wall," \
        "$(echo "scale=1; 100 * (${best_sixteen[1]} - ${best_one[1]}) / ${best_one[1]}" | bc)% CPU"
done
