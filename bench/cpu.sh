#!/bin/bash
# CPU by memory: the same CPU-bound loop (a fixed number of Python loop
# turns) in functions of 128, 1,769 and 3,538 MB; the handler's own wall
# time and its CPU use per wall second. Lambda's rule gives 128 MB 72/1000
# of a CPU, so the loop should take 1769/128 = 13.8 times as long there as
# at 1,769 MB; 3,538 MB (two CPUs' quota) is no faster for one thread.
# Each run measures the sizes back to back and takes their ratio, so the
# machine's drift cancels out. A benchmark, not a test: it never fails.
#   bench/cpu.sh [RUNS] [TURNS]    default 5 runs, 3,000,000 turns
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-$RUNS}
TURNS=${2:-3000000}
bench_topology benchcpu
cp -r tests/integration/data/runtime_cpu "$tmp/runtime_cpu"
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "functions": [
  { "name": "m128", "runtime": "python3.12", "handler": "app.spin", "code": "runtime_cpu", "memory_mb": 128, "timeout_s": 300 },
  { "name": "m1769", "runtime": "python3.12", "handler": "app.spin", "code": "runtime_cpu", "memory_mb": 1769, "timeout_s": 300 },
  { "name": "m3538", "runtime": "python3.12", "handler": "app.spin", "code": "runtime_cpu", "memory_mb": 3538, "timeout_s": 300 } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
get() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
for fn in m128 m1769 m3538; do # warm each environment up once
	$VPCSIM invoke -t $T $fn --payload '{"iterations": 1000}' >/dev/null 2>&1
done
: >"$tmp/r"; : >"$tmp/r2"
for fn in m128 m1769 m3538; do : >"$tmp/$fn.w"; : >"$tmp/$fn.u"; done
for _ in $(seq "$RUNS"); do
	for fn in m128 m1769 m3538; do
		$VPCSIM invoke -t $T $fn --payload "{\"iterations\": $TURNS}" >"$tmp/$fn.json" 2>/dev/null
		get "$tmp/$fn.json" wall_s >>"$tmp/$fn.w"
		get "$tmp/$fn.json" util >>"$tmp/$fn.u"
	done
	ratio "$(tail -1 "$tmp/m128.w")" "$(tail -1 "$tmp/m1769.w")" >>"$tmp/r"; echo >>"$tmp/r"
	ratio "$(tail -1 "$tmp/m1769.w")" "$(tail -1 "$tmp/m3538.w")" >>"$tmp/r2"; echo >>"$tmp/r2"
done
echo "CPU by memory: $TURNS loop turns, $RUNS runs (median (min-max))"
for fn in m128 m1769 m3538; do
	printf '  %-6s wall %s s, CPU per wall second %s\n' "${fn#m} MB" \
		"$(fmt "$(stats <"$tmp/$fn.w")" 3)" "$(fmt "$(stats <"$tmp/$fn.u")" 3)"
done
printf '  ratio 128 MB / 1,769 MB wall time: %s (Lambda: 13.8)\n' "$(fmt "$(stats <"$tmp/r")" 2)"
printf '  ratio 1,769 MB / 3,538 MB wall time: %s (one thread: 1.0)\n' "$(fmt "$(stats <"$tmp/r2")" 2)"
