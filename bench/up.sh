#!/bin/bash
# Times `vpcsim up` and `vpcsim down` on generated topologies (bench/gen.sh),
# several runs each, and prints the median per ENI. A benchmark, not a test:
# it never fails on a slow machine.
#   bench/up.sh [SIZES...]     default: 100 500 1000
set -eu
cd "$(dirname "$0")/.."
VPCSIM=build/vpcsim
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'build/vpcsim down bench >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
now_ms() { date +%s%N | awk '{printf "%.1f", $1 / 1e6}'; }

printf "%-6s %-5s %12s %12s %12s\n" ENIS RUNS "UP ms" "ms/ENI" "DOWN ms"
for n in "${@:-100 500 1000}"; do
	for n1 in $n; do
		bench/gen.sh "$n1" bench >"$tmp/bench.json"
		: >"$tmp/up"
		: >"$tmp/down"
		for _ in $(seq "$RUNS"); do
			t0=$(now_ms)
			$VPCSIM up "$tmp/bench.json" >/dev/null
			t1=$(now_ms)
			$VPCSIM down bench >/dev/null
			t2=$(now_ms)
			awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }' >>"$tmp/up"
			awk -v a="$t2" -v b="$t1" 'BEGIN { print a - b }' >>"$tmp/down"
			# let the kernel finish freeing the namespaces (asynchronous,
			# and it holds the locks up needs)
			sleep $((n1 / 200 + 1))
		done
		up=$(median <"$tmp/up")
		down=$(median <"$tmp/down")
		printf "%-6s %-5s %12.1f %12.3f %12.1f\n" "$n1" "$RUNS" "$up" "$(awk -v a="$up" -v b="$n1" 'BEGIN { print a / b }')" "$down"
	done
done
