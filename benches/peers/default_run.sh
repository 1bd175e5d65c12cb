#!/usr/bin/env bash
# The default run (`costsim run`, no arguments) of two binaries, interleaved:
#   bash benches/peers/default_run.sh BEFORE_BINARY AFTER_BINARY [PAIRS]
# Per run: wall time to exit, when stdout's first line (the table's head) and its last
# (the anatomy's) arrived, CPU time
# (user + sys), peak memory, and the cores other processes kept busy meanwhile.
set -u
B=$1; A=$2; REPS=${3:-5}
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
one() {
  local name=$1 bin=$2 extra=${3:-}
  local b0=$(busy) s=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o /tmp/dr.time $bin run $extra --out "${TMPDIR:-/tmp}/costsim-default-run-$name" 2>/dev/null | (read -r first; t=$(date +%s%N); echo $(( (t - s)/1000000 )) > /tmp/dr.first; t2=$t; while read -r line; do t2=${EPOCHREALTIME/./}000; done; echo $(( (t2 - s)/1000000 )) > /tmp/dr.last)
  local e=$(date +%s%N) b1=$(busy)
  read u sy m < /tmp/dr.time
  local wall=$(( (e - s)/1000000 ))
  local cpu=$(python3 -c "print($u+$sy)")
  local oth=$(python3 -c "print(max(0, (($b1-$b0)/100 - $cpu)/($wall/1000)))")
  printf "%-10s wall %5d ms  table at %5d ms  its last line at %5d ms  cpu %.2f s (user %s sys %s)  peak %d MB  others %.2f\n" "$name" $wall $(cat /tmp/dr.first) $(cat /tmp/dr.last) $cpu $u $sy $((m/1024)) $oth
}
for r in $(seq 1 $REPS); do
  one before $B
  one after $A
done
