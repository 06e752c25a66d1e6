#!/bin/bash
# The connection storm at scale (docs/RDS.md, docs/BENCHMARKS.md):
# examples/rds-proxy.json on a topology of its own, then for each N
# bench/storm.sh's N concurrent invokes of app through `vpcsim serve`
# (boto3), each holding a connection S seconds, straight at the database
# (max_connections 20) and through the proxy. One line per run: what the
# clients saw, the database's peak connections, the environments (made by
# the warm-up at the machine's rate, then all busy at once in the storm)
# and the invokes' latency.
#   bench/storm_scale.sh [N...]   (default 200 400; S=2, STORM_S overrides)
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
S=${STORM_S:-2}
bench_topology "bs$$"
cp -r examples/rds-proxy "$tmp/"
sed '0,/"name": *"[^"]*"/s//"name": "'"$T"'"/' examples/rds-proxy.json >"$tmp/t.json"
$VPCSIM up "$tmp/t.json" >"$tmp/up" 2>&1 || { cat "$tmp/up" >&2; exit 1; }
machine
echo "the connection storm through vpcsim serve (boto3, $S s per connection; max_connections 20, pool 17)"
echo "  (warm-up: environments made, in s, their Init Duration p50/max in s and those past 10 s; load: the 1-minute average at the start)"
printf '  %-6s %-6s %5s %8s %8s %6s %6s %10s %10s %9s %9s  %-28s %s\n' target N ok refused timeout other \
	db_peak envs_peak busy_peak p50_s p99_s warm-up load
for n in "${@:-200 400}"; do
	for target in db proxy; do
		load=$(cut -d' ' -f1 /proc/loadavg)
		bench/storm.sh -t "$T" -n "$n" -s "$S" "$target" >"$tmp/out" 2>&1
		[ -n "${STORM_LOG:-}" ] && cp "$tmp/out" "$STORM_LOG/$target-$n.txt"
		r=$(sed -n 's/^RESULT //p' "$tmp/out")
		if [ -z "$r" ]; then
			echo "  $target $n: no result: $(tail -3 "$tmp/out" | tr '\n' ' ')"
			continue
		fi
		v() { echo "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		warm=-
		[ "$(v inits)" != 0 ] && warm="$(v envs_before)->$(v envs_warm) $(v warmup_s) $(v init_p50_s)/$(v init_max_s) $(v init_late)"
		printf '  %-6s %-6s %5s %8s %8s %6s %6s %10s %10s %9.2f %9.2f  %-28s %s\n' "$target" "$n" "$(v ok)" \
			"$(v refused)" "$(v timeout)" "$(($(v other) + $(v throttled)))" "$(v peak)" \
			"$(v envs_peak)" "$(v busy_peak)" "$(echo "$(v p50_ms) / 1000" | bc -l)" \
			"$(echo "$(v p99_ms) / 1000" | bc -l)" "$warm" "$load"
		grep -E "warm-up|as the load rose|their inits" "$tmp/out" | sed 's/^/    /'
	done
done
