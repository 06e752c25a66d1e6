#!/bin/bash
# `vpcsim sg authorize` and `revoke` latency: the wall time of the whole
# command (what a user waits for), p50 and p99, on a topology of N resources
# (bench/gen.sh) whose group the rule goes into.
#   bench/sg.sh [RUNS] [N]      default: 50 runs, 100 resources
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-50}
N=${2:-100}
bench_topology benchsg

bench/gen.sh "$N" benchsg >"$tmp/t.json"
$VPCSIM up "$tmp/t.json" >/dev/null
rule='{"proto":"tcp","ports":"5432","cidr":"10.9.0.0/16"}'
for _ in $(seq "$RUNS"); do
	t0=$(now_ms)
	$VPCSIM sg authorize -t benchsg v/default --ingress "$rule" >/dev/null
	t1=$(now_ms)
	$VPCSIM sg revoke -t benchsg v/default --ingress "$rule" >/dev/null
	t2=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }' >>"$tmp/a"
	awk -v a="$t2" -v b="$t1" 'BEGIN { print a - b }' >>"$tmp/r"
done
echo "SECURITY GROUP CHANGES: wall time of the command in ms, $RUNS runs, $N ENIs"
printf "%-10s %10s %10s\n" CHANGE p50 p99
printf "%-10s %10.2f %10.2f\n" authorize "$(pct 50 <"$tmp/a")" "$(pct 99 <"$tmp/a")"
printf "%-10s %10.2f %10.2f\n" revoke "$(pct 50 <"$tmp/r")" "$(pct 99 <"$tmp/r")"
