#!/usr/bin/env bash
# costsim against its peers on the fleet benchmark model (benches/fleet.toml).
#
#   bash benches/peers/run.sh            # everything, ~10 minutes on 2 quiet cores
#   REPEAT=1 bash benches/peers/run.sh   # one timing pass instead of three
#
# What it does, in one go on this machine:
#   1. a virtualenv in benches/peers/.venv (gitignored) with the pinned numpy and
#      squigglepy of benches/peers/requirements.txt;
#   2. `cargo build --release` (costsim) and `cargo bench --bench hand_kernel --no-run`
#      (the engine-sampler kernel, benches/hand_kernel.rs: costsim's own samplers
#      with hand-written formulas; not the limit — see benches/peers/limit.sh), both binaries copied
#      to benches/peers/.work/bin so a concurrent rebuild cannot swap them mid-run;
#   3. runs costsim, the hand kernel, numpy (fleet_numpy.py) and squigglepy
#      (fleet_squigglepy.py) at 10^6 and 10^7 samples, costsim and the hand kernel
#      at 10^8, costsim and the hand kernel at 10^7 on 1 thread, squigglepy's
#      other two forms once (informative), and costsim at 10^9 (capped, see below),
#      each under `/usr/bin/time -f "%e %M %U %S"` (peak resident memory, CPU time)
#      with a nanosecond wall clock around it, and /proc/stat read before and after
#      (the CPU that other processes took meanwhile: the machine is shared); the
#      timed runs are repeated REPEAT times (default 3), interleaved, and the fastest
#      is kept;
#   4. checks that every peer's p5/p50/p95 of the four outputs agree with costsim's
#      at the same sample count within 1.5% (PASS/FAIL per peer and output), and
#      prints the Markdown table and the targets (benches/peers/compare.py).
#
# The machine may be shared (other builds): before each run it waits up to QUIET_WAIT
# seconds (default 30) for a quiet second, and it records how much CPU other processes
# took during each run (the report's "others' load" column).
# Caps: a squigglepy run is stopped after SQ_CAP seconds (default 300); costsim at
# 10^9 after BIG_CAP seconds (default 150); a capped run reports the peak memory it
# reached before the cap, and says that it did not complete.
# The report is also written to benches/peers/.work/report.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$HERE/.work
REPEAT=${REPEAT:-3}
SQ_CAP=${SQ_CAP:-300}
BIG_CAP=${BIG_CAP:-150}
THREADS=${THREADS:-$(nproc)}
QUIET_WAIT=${QUIET_WAIT:-30}
SEED=1
MODEL=$ROOT/benches/fleet.toml
PY=$HERE/.venv/bin/python

say() { printf '\n== %s\n' "$*" >&2; }

rm -rf "$WORK" && mkdir -p "$WORK/bin" "$WORK/runs"

say "machine"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "costsim commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load at start: $(uptime)"
} | tee "$WORK/machine.txt" >&2

say "1. virtualenv ($HERE/.venv)"
[ -x "$PY" ] || python3 -m venv "$HERE/.venv"
"$PY" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
"$PY" -c 'import numpy, squigglepy, sys; print("python", sys.version.split()[0], "numpy", numpy.__version__, "squigglepy", squigglepy.__version__)' >&2

say "2. build (release)"
(cd "$ROOT" && cargo build --release && cargo bench --bench hand_kernel --no-run --message-format=json >"$WORK/bench-build.json")
HAND=$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "hand_kernel" and m.get("executable"):
        print(m["executable"])
' "$WORK/bench-build.json" | tail -1)
cp "$ROOT/target/release/costsim" "$WORK/bin/costsim"
cp "$HAND" "$WORK/bin/hand_kernel"
CS=$WORK/bin/costsim
HK=$WORK/bin/hand_kernel

# CPU time spent by the whole machine so far, in ticks of 1/100 s (user, nice,
# system, irq, softirq, steal): with the run's own CPU time, it tells how much of the
# machine other processes (other builds) took during a run.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# Waits (at most QUIET_WAIT seconds, default 30) for a second in which other
# processes keep less than 0.25 of a core busy, so that a timed run starts on a quiet
# machine; runs anyway after that (the report shows each run's others' load).
wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) a b
  while :; do
    a=$(busy_ticks); sleep 1; b=$(busy_ticks)
    if [ $((b - a)) -lt 25 ] || [ $SECONDS -ge $deadline ]; then return; fi
  done
}

# measure LABEL TOOL SAMPLES THREADS REP CAP -- COMMAND...: one run, recorded in runs.jsonl.
measure() {
  local label=$1 tool=$2 n=$3 threads=$4 rep=$5 cap=$6
  shift 7
  local base=$WORK/runs/$label.$rep
  wait_quiet
  echo "   $label (rep $rep): $*" >&2
  local t0 t1 b0 b1 code=0
  b0=$(busy_ticks)
  t0=$(date +%s%N)
  if [ "$cap" -gt 0 ]; then
    /usr/bin/time -f "%e %M %U %S" -o "$base.time" timeout -s INT "$cap" "$@" >"$base.out" 2>"$base.err" || code=$?
  else
    /usr/bin/time -f "%e %M %U %S" -o "$base.time" "$@" >"$base.out" 2>"$base.err" || code=$?
  fi
  t1=$(date +%s%N)
  b1=$(busy_ticks)
  local rss cpu
  rss=$(tail -1 "$base.time" | awk '{print $2}')
  cpu=$(tail -1 "$base.time" | awk '{print $3 + $4}')
  printf '{"label": "%s", "tool": "%s", "samples": %s, "threads": %s, "rep": %s, "wall_ns": %s, "peak_kb": %s, "cpu_s": %s, "machine_busy_s": %s, "exit": %s, "cap": %s, "out": "%s"}\n' \
    "$label" "$tool" "$n" "$threads" "$rep" "$((t1 - t0))" "${rss:-0}" "${cpu:-0}" "$(((b1 - b0) * 10))e-3" "$code" "$cap" "$base" >>"$WORK/runs.jsonl"
  if [ "$code" -ne 0 ]; then echo "   ... exit $code (see $base.err)" >&2; fi
}

costsim() { # LABEL SAMPLES THREADS REP CAP
  local out=$WORK/runs/$1.$4.dir
  measure "$1" costsim "$2" "$3" "$4" "$5" -- "$CS" run "$MODEL" -n "$2" --seed "$SEED" --threads "$3" \
    --no-charts --no-swing --sensitivity-rows 0 -q -f csv --out "$out"
}
hand() { measure "$1" hand_kernel "$2" "$3" "$4" 0 -- "$HK" "$2" "$3" "$SEED"; }
numpy() { measure "$1" numpy "$2" 1 "$3" 0 -- "$PY" "$HERE/fleet_numpy.py" "$2" "$SEED"; }
squiggle() { # LABEL SAMPLES REP FORM
  measure "$1" "squigglepy-$4" "$2" 1 "$3" "$SQ_CAP" -- "$PY" "$HERE/fleet_squigglepy.py" "$2" "$SEED" --form "$4"
}

say "3. runs ($REPEAT timing passes, $THREADS threads)"
for rep in $(seq 1 "$REPEAT"); do
  costsim costsim-1e6 1000000 "$THREADS" "$rep" 0
  hand hand-1e6 1000000 "$THREADS" "$rep"
  numpy numpy-1e6 1000000 "$rep"
  squiggle squigglepy-1e6 1000000 "$rep" arrays
  costsim costsim-1e7 10000000 "$THREADS" "$rep" 0
  hand hand-1e7 10000000 "$THREADS" "$rep"
  numpy numpy-1e7 10000000 "$rep"
  squiggle squigglepy-1e7 10000000 "$rep" arrays
  costsim costsim-1e7-t1 10000000 1 "$rep" 0
  hand hand-1e7-t1 10000000 1 "$rep"
  costsim costsim-1e8 100000000 "$THREADS" "$rep" 0
  hand hand-1e8 100000000 "$THREADS" "$rep"
done
say "   informative, once: squigglepy's algebra and callable forms, costsim at 10^9"
squiggle squigglepy-algebra-1e6 1000000 1 algebra
squiggle squigglepy-callable-2e4 20000 1 callable
costsim costsim-1e9 1000000000 "$THREADS" 1 "$BIG_CAP"

echo "load at end: $(uptime)" | tee -a "$WORK/machine.txt" >&2

say "4. report"
"$PY" "$HERE/compare.py" "$WORK" | tee "$WORK/report.md"
