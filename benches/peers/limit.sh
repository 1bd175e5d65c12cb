#!/usr/bin/env bash
# Issue 14's figures: costsim against its independent hand kernels (the limit) and
# vectorised numpy, on both benchmark models (benches/fleet.toml, benches/serving.toml),
# and the kernels' agreement with costsim.
#
#   bash benches/peers/limit.sh            # ~10 minutes on 2 quiet cores
#   REPEAT=1 bash benches/peers/limit.sh   # one pass
#   MODELS=fleet NUMPY=0 bash benches/peers/limit.sh   # fleet only, no numpy pair
#
# Each pass runs, side by side (one right after the other, the order alternating
# between passes), for each model:
#   - costsim and the independent kernel at 10^8 samples on 2 threads (whole process);
#   - costsim and the independent kernel at 10^7 on 1 thread;
#   - costsim (2 threads) and numpy (one core) at 10^7;
# and, on fleet, the engine-sampler kernel (benches/hand_kernel.rs, costsim's own
# samplers through engine::fill) at 10^8. Every run is timed with a nanosecond wall
# clock and `/usr/bin/time` (CPU time, peak memory), with /proc/stat read around it
# (the CPU that other processes took meanwhile: the machine is shared). The report
# (benches/peers/limit_report.py) keeps the fastest of the passes per run, gives the
# ratios of the pairs, and checks each kernel's and numpy's p5..p95 and mean against
# costsim's at the same sample count within the sketch's stated error (α = 0.05%, on
# both sides) plus 4 standard errors of Monte Carlo noise.
# Uses benches/peers/.venv for numpy (run.sh makes it).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$HERE/.work-limit
REPEAT=${REPEAT:-3}
MODELS=${MODELS:-serving fleet}
NUMPY=${NUMPY:-1}
SEED=1
PY=$HERE/.venv/bin/python
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

say() { printf '\n== %s\n' "$*" >&2; }
rm -rf "$WORK" && mkdir -p "$WORK/bin" "$WORK/runs"

say "machine"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "costsim commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load at start: $(uptime)"
} | tee "$WORK/machine.txt" >&2

say "build (release)"
(cd "$ROOT" && cargo build --release -q \
  && cargo bench --no-run -q --bench indep_serving --bench indep_fleet --bench hand_kernel \
     --message-format=json >"$WORK/bench-build.json")
exe() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[2] and m.get("executable"):
        print(m["executable"])
' "$WORK/bench-build.json" "$1" | tail -1; }
cp "$TARGET/release/costsim" "$WORK/bin/costsim"
for k in indep_serving indep_fleet hand_kernel; do cp "$(exe $k)" "$WORK/bin/$k"; done
CS=$WORK/bin/costsim

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# measure LABEL MODEL TOOL SAMPLES THREADS REP -- COMMAND...
measure() {
  local label=$1 model=$2 tool=$3 n=$4 threads=$5 rep=$6
  shift 7
  local base=$WORK/runs/$label.$rep
  echo "   $label (pass $rep): $*" >&2
  local t0 t1 b0 b1 code=0
  b0=$(busy_ticks)
  t0=$(date +%s%N)
  /usr/bin/time -f "%e %M %U %S" -o "$base.time" "$@" >"$base.out" 2>"$base.err" || code=$?
  t1=$(date +%s%N)
  b1=$(busy_ticks)
  local rss cpu
  rss=$(tail -1 "$base.time" | awk '{print $2}')
  cpu=$(tail -1 "$base.time" | awk '{print $3 + $4}')
  printf '{"label": "%s", "model": "%s", "tool": "%s", "samples": %s, "threads": %s, "rep": %s, "wall_ns": %s, "peak_kb": %s, "cpu_s": %s, "machine_busy_s": %s, "exit": %s, "out": "%s"}\n' \
    "$label" "$model" "$tool" "$n" "$threads" "$rep" "$((t1 - t0))" "${rss:-0}" "${cpu:-0}" "$(((b1 - b0) * 10))e-3" "$code" "$base" >>"$WORK/runs.jsonl"
  if [ "$code" -ne 0 ]; then echo "   ... exit $code (see $base.err)" >&2; fi
}
costsim() { # LABEL MODEL SAMPLES THREADS REP
  measure "$1" "$2" costsim "$3" "$4" "$5" -- "$CS" run "$ROOT/benches/$2.toml" -n "$3" --seed "$SEED" \
    --threads "$4" --no-charts --no-swing --sensitivity-rows 0 -q -f csv --out "$WORK/runs/$1.$5.dir"
}
kernel() { measure "$1" "$2" "$3" "$4" "$5" "$6" -- "$WORK/bin/$3" "$4" "$5" "$SEED"; }
numpy() { measure "$1" "$2" numpy "$3" 1 "$4" -- "$PY" "$HERE/$2_numpy.py" "$3" "$SEED"; }

pair() { # REP FIRST-COMMAND... ;; SECOND-COMMAND... (alternating order by pass)
  local rep=$1; shift
  local a=() b=() seen=0
  for x in "$@"; do
    if [ "$x" = ";;" ]; then seen=1; continue; fi
    if [ $seen -eq 0 ]; then a+=("$x"); else b+=("$x"); fi
  done
  if [ $((rep % 2)) -eq 1 ]; then "${a[@]}"; "${b[@]}"; else "${b[@]}"; "${a[@]}"; fi
}

say "runs ($REPEAT passes)"
for rep in $(seq 1 "$REPEAT"); do
  for m in $MODELS; do
    pair "$rep" costsim "$m-costsim-1e8" "$m" 100000000 2 "$rep" ";;" kernel "$m-indep-1e8" "$m" "indep_$m" 100000000 2 "$rep"
    pair "$rep" costsim "$m-costsim-1e7-t1" "$m" 10000000 1 "$rep" ";;" kernel "$m-indep-1e7-t1" "$m" "indep_$m" 10000000 1 "$rep"
    if [ "$NUMPY" = 1 ]; then
      pair "$rep" costsim "$m-costsim-1e7" "$m" 10000000 2 "$rep" ";;" numpy "$m-numpy-1e7" "$m" 10000000 "$rep"
    fi
  done
  case " $MODELS " in *" fleet "*) kernel fleet-engine-sampler-1e8 fleet hand_kernel 100000000 2 "$rep" ;; esac
done
echo "load at end: $(uptime)" | tee -a "$WORK/machine.txt" >&2

say "report"
python3 "$HERE/limit_report.py" "$WORK" | tee "$WORK/report.md"
