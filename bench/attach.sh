#!/bin/bash
# Times `vpcsim attach` and `vpcsim detach` (a cold start's network and
# sandbox, and its removal) in a generated topology (bench/gen.sh, N
# resources) for each kind of environment: a function without VPC (Lambda
# service VPC), a VPC function in hyperplane mode, and one in per-sandbox
# mode (own ENI with its BPF entry). Prints p50 and p99 of vpcsim's own
# time (VPCSIM_PROFILE, measured inside the process: no fork/exec of the
# shell counted). A benchmark, not a test: it never fails on a slow machine.
#   bench/attach.sh [RUNS] [N]      default: 100 runs, 100 resources
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-100}
N=${2:-100}
bench_topology benchat

gen() { # MODE
	bench/gen.sh "$N" benchat | python3 -c '
import json, sys
t = json.load(sys.stdin)
t["lambda"] = {"eni_mode": sys.argv[1]}
v = t["vpcs"][0]
v["security_groups"] = [{"name": "lambda"}]
v["subnets"].append({"name": "fn", "cidr": "10.0.200.0/24"})
t["functions"] = [
    {"name": "svc"},
    {"name": "vpcfn", "vpc_config": {"subnets": ["fn"], "security_groups": ["lambda"]}},
]
json.dump(t, sys.stdout)' "$1"
}

printf "%-12s %-5s %10s %10s %10s %10s\n" ENVIRONMENT RUNS "ATTACH p50" "p99" "DETACH p50" "p99"
for mode in hyperplane per-sandbox; do
	gen "$mode" >"$tmp/t.json"
	$VPCSIM up "$tmp/t.json" >/dev/null
	for fn in svc vpcfn; do
		[ "$mode" = per-sandbox ] && [ "$fn" = svc ] && continue
		: >"$tmp/a"
		: >"$tmp/d"
		for _ in $(seq "$RUNS"); do
			VPCSIM_PROFILE=1 $VPCSIM attach -t benchat "$fn" 2>&1 >/dev/null | awk '/^profile: attach/ {print $3}' >>"$tmp/a"
			VPCSIM_PROFILE=1 $VPCSIM detach -t benchat "$fn" 2>&1 >/dev/null | awk '/^profile: detach/ {print $3}' >>"$tmp/d"
		done
		case "$fn/$mode" in
		svc/*) kind=service ;;
		*) kind=$mode ;;
		esac
		printf "%-12s %-5s %10.2f %10.2f %10.2f %10.2f\n" "$kind" "$RUNS" \
			"$(pct 50 <"$tmp/a")" "$(pct 99 <"$tmp/a")" "$(pct 50 <"$tmp/d")" "$(pct 99 <"$tmp/d")"
	done
	$VPCSIM down benchat >/dev/null
	sleep 1
done
