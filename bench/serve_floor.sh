#!/bin/bash
# Invokes through `vpcsim serve` against their floors (issue 22), each
# floor measured in the same run on the same machine:
#
#   warm  a no-op Python handler through serve on one keep-alive
#         connection (the request signed once: SigV4 checked by serve on
#         each, the client's signing left out), WARM requests one after
#         another: p50 and p99 latency and invokes per second. Floor: what
#         any invoke through an HTTP front and a Lambda runtime client
#         costs at least: one loopback HTTP round trip of the same client
#         plus the Python runtime client's own loop (GET .../next, POST
#         .../response: two more round trips, http.client as its bootstrap
#         uses), all three against a minimal keep-alive HTTP server on raw
#         sockets (bench/http_floor.py). Then both again, alternated
#         request by request (`serve, alt`, `floor, alt`): each pair sees
#         the same moment of the machine, whose floor moves between runs
#         (docs/BENCHMARKS.md, "On the seventh session's machine").
#   cold  COLD cold starts per runtime (Python, Node.js, the curl custom
#         runtime), each through serve after `vpcsim detach`: the request's
#         wall time and the Init Duration of its REPORT (X-Amz-Log-Result).
#         Floor: a network namespace and a veth pair made (both ends in
#         namespaces of the bench's own, never the root's) and the runtime's
#         interpreter started in it (/usr/bin/python3 -c pass,
#         /usr/bin/node -e 0, bash -c 'curl --version'), then the namespace
#         removed. The interpreters the runtimes' bootstraps exec, by path:
#         a `python3` on root's PATH may be another one (a pyenv shim and
#         its Python took 174 ms of CPU to start, /usr/bin/python3 21 ms).
#         The curl runtime has a second floor: the namespace and veth plus
#         its own bootstrap, unchanged, against a minimal Runtime API
#         (bench/bootstrap_floor.py), at full CPU and at the memory's CPU
#         share from its first `next` (docs/RUNTIME.md, "Cold starts of a
#         custom runtime"): what vpcsim adds to what the bootstrap costs.
#   bench/serve_floor.sh [WARM] [COLD]     (root; default 2000 and 15;
#   COLD 0: the warm part only)
#   WARM_MEMORY_MB=1769 ...: the warm function's memory (default 128, as
#   Lambda's; its CPU follows it: 128 MB is 72/1000 of a CPU, 1769 MB one)
#   COLD_MEMORY_MB=1769 ...: the cold functions' (default 128). The init
#   runs uncapped, as Lambda's; the first invoke after it runs at the
#   memory's share, which the floor's interpreter does not have: a custom
#   runtime's bash and curl processes take most of their wall there
#   COLD_RUNTIMES="node" ...: the cold part for these runtimes only
#   (default python node curl); BENCH_RAW=PREFIX: every cold sample
#   appended to PREFIX.RUNTIME.{wall,init,floor}, to pool paired runs
# Prints figures only; never fails on a slow machine.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
WARM=${1:-2000}
COLD=${2:-15}
bench_topology bfloor$((RANDOM % 1000))
SERVE=""
trap '[ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null; $VPCSIM down "$T" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cp -r tests/integration/data/runtime "$tmp/runtime"
mkdir -p "$tmp/noop"
printf 'def handler(event, context):\n    return {}\n' >"$tmp/noop/app.py"
cat >"$tmp/t.json" <<JSON
{ "name": "$T",
  "functions": [
    { "name": "noop", "runtime": "python3.12", "handler": "app.handler", "code": "noop",
      "memory_mb": ${WARM_MEMORY_MB:-128} },
    { "name": "python", "runtime": "python3.12", "handler": "app.handler", "code": "noop",
      "memory_mb": ${COLD_MEMORY_MB:-128} },
    { "name": "node", "runtime": "nodejs20.x", "handler": "app.handler", "code": "runtime/node",
      "memory_mb": ${COLD_MEMORY_MB:-128} },
    { "name": "curl", "runtime": "provided.al2023", "handler": "function.handler", "code": "runtime/curl",
      "memory_mb": ${COLD_MEMORY_MB:-128} } ] }
JSON
echo "machine: $(machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
$VPCSIM up "$tmp/t.json" >/dev/null || { echo "serve_floor: up failed"; exit 0; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$VPCSIM serve -t "$T" --listen 127.0.0.1:$PORT >"$tmp/serve.out" 2>&1 &
SERVE=$!
for _ in $(seq 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
eval "$($VPCSIM credentials -t "$T")"

echo "== warm invoke through serve (keep-alive, no-op Python handler, ${WARM_MEMORY_MB:-128} MB), $WARM requests, ms"
python3 bench/http_floor.py warm "$PORT" "$WARM"
[ "$COLD" -gt 0 ] || exit 0

# ns_floor CMD OUT: COLD samples (ms, one a line in OUT) of a network
# namespace and a veth pair made with `ip` (both ends in namespaces of the
# bench's own) and, with CMD, CMD run in the first; both removed after.
ns_floor() {
	local ns1=vpcsim-bfloor.c$$a ns2=vpcsim-bfloor.c$$b t0 t1
	: >"$2"
	for _ in $(seq "$COLD"); do
		t0=$(now_ms)
		ip netns add "$ns1" && ip netns add "$ns2" &&
			ip -n "$ns1" link add v0 type veth peer name v1 netns "$ns2" &&
			ip -n "$ns1" link set v0 up && { [ -z "$1" ] || ip netns exec "$ns1" sh -c "$1"; }
		t1=$(now_ms)
		ip netns del "$ns1" 2>/dev/null
		ip netns del "$ns2" 2>/dev/null
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >>"$2"
	done
}

# The custom runtime's second floor (docs/RUNTIME.md, "Cold starts of a
# custom runtime"): a namespace and a veth pair made, as above, plus the
# same bootstrap run against a minimal Runtime API (bench/bootstrap_floor.py)
# in a namespace of the bench's own: at full CPU, and at the cold
# functions' CPU share from its first `next` in a cpu cgroup of the bench's
# own (v1 or v2; none: that line is left out).
bootstrap_floor() {
	local ns=vpcsim-bfloor.b$$ grp="" quota k
	quota=$((${COLD_MEMORY_MB:-128} * 1000 / 1769 * 100))
	ns_floor "" "$tmp/nsveth"
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 0
	python3 bench/bootstrap_floor.py "$ns" "$COLD" "$tmp/runtime/curl" >"$tmp/boot.full"
	if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
		grp=/sys/fs/cgroup/cpu/vpcsim-bfloor.$$
	elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		grp=/sys/fs/cgroup/vpcsim-bfloor.$$
	fi
	: >"$tmp/boot.share"
	if [ -n "$grp" ] && mkdir "$grp" 2>/dev/null; then
		python3 bench/bootstrap_floor.py "$ns" "$COLD" "$tmp/runtime/curl" "$grp" "$quota" \
			>"$tmp/boot.share"
		rmdir "$grp"
	fi
	ip netns del "$ns"
	nv=$(stats <"$tmp/nsveth")
	echo "curl's second floor: namespace + veth $(fmt "$nv" 1) ms, plus the bootstrap against a" \
		"minimal Runtime API to its second next (end: the invoke's end, where serve can answer" \
		"a request for the log's tail, as this one asks); response and init: to its POST and first next:"
	for k in full share; do
		[ -s "$tmp/boot.$k" ] || continue
		awk '{print $1}' "$tmp/boot.$k" >"$tmp/bw" && awk '{print $2}' "$tmp/boot.$k" >"$tmp/bi"
		awk '{print $3}' "$tmp/boot.$k" >"$tmp/be"
		bw=$(stats <"$tmp/bw") bi=$(stats <"$tmp/bi") be=$(stats <"$tmp/be")
		f2=$(awk -v a="${nv%% *}" -v b="${be%% *}" 'BEGIN { printf "%.1f", a + b }')
		i2=$(awk -v a="${nv%% *}" -v b="${bi%% *}" 'BEGIN { printf "%.1f", a + b }')
		printf '  %-28s bootstrap response %-16s init %-16s end %-16s floor p50 %-7s wall/floor %-6s init/floor %s\n' \
			"$([ $k = full ] && echo "at full CPU" || echo "at ${COLD_MEMORY_MB:-128} MB's share from next")" \
			"$(fmt "$bw" 0)" "$(fmt "$bi" 0)" "$(fmt "$be" 0)" "$f2" "$(ratio "${w%% *}" "$f2")" \
			"$(ratio "${in%% *}" "$i2")"
		if [ -n "${BENCH_RAW:-}" ]; then
			for x in bw:wall bi:init be:end; do
				cat "$tmp/${x%%:*}" >>"$BENCH_RAW.curl.boot_$k.${x#*:}"
			done
		fi
	done
	[ -n "${BENCH_RAW:-}" ] && cat "$tmp/nsveth" >>"$BENCH_RAW.curl.nsveth"
	return 0
}

echo "== cold start through serve, $COLD each, ${COLD_MEMORY_MB:-128} MB, ms (wall = the request's; init = REPORT's Init Duration)"
printf '%-8s %-18s %-8s %-18s %-8s %-18s %-8s %-6s %-6s\n' runtime "wall p50 (min-max)" "wall p99" \
	"init p50 (min-max)" "init p99" "floor p50 (min-max)" "fl p99" "ratio" "r p99"
for fn in ${COLD_RUNTIMES:-python node curl}; do
	: >"$tmp/wall" && : >"$tmp/init"
	for _ in $(seq "$COLD"); do
		$VPCSIM detach -t "$T" "$fn" >/dev/null 2>&1
		python3 bench/http_floor.py cold "$PORT" "$fn" >>"$tmp/cold.$fn" 2>&1
	done
	awk '{print $1}' "$tmp/cold.$fn" | grep -E '^[0-9.]+$' >"$tmp/wall"
	awk '{print $2}' "$tmp/cold.$fn" | grep -E '^[0-9.]+$' >"$tmp/init"
	case $fn in
	python) cmd="/usr/bin/python3 -c pass" ;;
	node) cmd="/usr/bin/node -e 0" ;;
	curl) cmd="bash -c 'curl --version >/dev/null'" ;;
	esac
	ns_floor "$cmd" "$tmp/floor"
	w=$(stats <"$tmp/wall") in=$(stats <"$tmp/init") fl=$(stats <"$tmp/floor")
	w99=$(pct 99 <"$tmp/wall") fl99=$(pct 99 <"$tmp/floor")
	printf '%-8s %-18s %-8s %-18s %-8s %-18s %-8s %-6s %-6s\n' "$fn" "$(fmt "$w" 0)" "$w99" \
		"$(fmt "$in" 0)" "$(pct 99 <"$tmp/init")" "$(fmt "$fl" 0)" "$fl99" \
		"$(ratio "${w%% *}" "${fl%% *}")" "$(ratio "$w99" "$fl99")"
	# BENCH_RAW=PREFIX: each sample kept, to pool runs (PREFIX.node.wall, ...)
	if [ -n "${BENCH_RAW:-}" ]; then
		for k in wall init floor; do cat "$tmp/$k" >>"$BENCH_RAW.$fn.$k"; done
	fi
	[ "$fn" = curl ] && bootstrap_floor
done
echo "(ratio = cold wall p50 / floor p50, r p99 = wall p99 / floor p99; floor = namespace + veth + the interpreter's start there)"
