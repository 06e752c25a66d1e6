#!/bin/bash
# `vpcsim up` and `vpcsim down` of N ENIs (bench/gen.sh: one VPC, resources
# over /24 subnets) against the kernel's own price for the same namespaces
# and links (bench/floor.sh): the floor (namespaces + veth pairs, one
# `ip -batch`), `ip -batch` with addresses and routes, and one `ip` per step
# (sizes up to STEPS_MAX only: it is slow). Every run times each of them back
# to back; ratios are taken run by run.
#   bench/up.sh [SIZES...]     default: 10 100 500 1000
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
STEPS_MAX=${STEPS_MAX:-100}
tmp=$(mktemp -d)
trap '$VPCSIM down bench >/dev/null 2>&1 || true; bench/floor.sh down batch 0 >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

timed() { # FILE COMMAND...: appends the wall time of COMMAND in ms to FILE
	local t0 t1
	t0=$(now_ms)
	"${@:2}" >/dev/null
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f\n", a - b }' >>"$1"
}

one_run() { # N
	local n=$1
	timed "$tmp/vup" $VPCSIM up "$tmp/bench.json"
	timed "$tmp/vdown" $VPCSIM down bench
	settle "$n"
	bench/floor.sh up floor "$n" >>"$tmp/fup"
	bench/floor.sh down floor "$n" >>"$tmp/fdown"
	settle "$n"
	bench/floor.sh up batch "$n" >>"$tmp/bup"
	bench/floor.sh down batch "$n" >>"$tmp/bdown"
	settle "$n"
	if [ "$n" -le "$STEPS_MAX" ]; then
		bench/floor.sh up steps "$n" >>"$tmp/sup"
		bench/floor.sh down steps "$n" >>"$tmp/sdown"
		settle "$n"
	fi
}

runratio() { paste "$1" "$2" | awk '{ print ($2 > 0) ? $1 / $2 : 0 }' | stats | awk '{ printf "x%.2f", $1 }'; }

echo "CONTROL PLANE: up/down of N ENIs in ms, median (min-max) of $RUNS runs; ratios run by run"
printf "%-6s %-24s %-24s %-24s %-24s %-8s %-24s %-24s %-8s\n" ENIS "vpcsim up" "floor up" "ip-batch up" "ip-steps up" \
	"up/floor" "vpcsim down" "ip-batch down" "down/batch"
for n in ${@:-10 100 500 1000}; do
	bench/gen.sh "$n" bench >"$tmp/bench.json"
	rm -f "$tmp"/{v,f,b,s}{up,down}
	for _ in $(seq "$RUNS"); do one_run "$n"; done
	steps="-"
	[ -s "$tmp/sup" ] && steps=$(fmt "$(stats <"$tmp/sup")")
	printf "%-6s %-24s %-24s %-24s %-24s %-8s %-24s %-24s %-8s\n" "$n" \
		"$(fmt "$(stats <"$tmp/vup")")" "$(fmt "$(stats <"$tmp/fup")")" \
		"$(fmt "$(stats <"$tmp/bup")")" "$steps" "$(runratio "$tmp/vup" "$tmp/fup")" \
		"$(fmt "$(stats <"$tmp/vdown")")" "$(fmt "$(stats <"$tmp/bdown")")" \
		"$(runratio "$tmp/vdown" "$tmp/bdown")"
done
