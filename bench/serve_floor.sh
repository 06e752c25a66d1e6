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
#         sockets (bench/http_floor.py).
#   cold  COLD cold starts per runtime (Python, Node.js, the curl custom
#         runtime), each through serve after `vpcsim detach`: the request's
#         wall time and the Init Duration of its REPORT (X-Amz-Log-Result).
#         Floor: a network namespace and a veth pair made (both ends in
#         namespaces of the bench's own, never the root's) and the runtime's
#         interpreter started in it (python3 -c pass, node -e 0, bash -c
#         'curl --version'), then the namespace removed.
#   bench/serve_floor.sh [WARM] [COLD]     (root; default 2000 and 15)
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
    { "name": "noop", "runtime": "python3.12", "handler": "app.handler", "code": "noop" },
    { "name": "python", "runtime": "python3.12", "handler": "app.handler", "code": "noop" },
    { "name": "node", "runtime": "nodejs20.x", "handler": "app.handler", "code": "runtime/node" },
    { "name": "curl", "runtime": "provided.al2023", "handler": "function.handler", "code": "runtime/curl" } ] }
JSON
echo "machine: $(machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
$VPCSIM up "$tmp/t.json" >/dev/null || { echo "serve_floor: up failed"; exit 0; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$VPCSIM serve -t "$T" --listen 127.0.0.1:$PORT >"$tmp/serve.out" 2>&1 &
SERVE=$!
for _ in $(seq 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
eval "$($VPCSIM credentials -t "$T")"

echo "== warm invoke through serve (keep-alive, no-op Python handler), $WARM requests, ms"
python3 bench/http_floor.py warm "$PORT" "$WARM"

echo "== cold start through serve, $COLD each, ms (wall = the request's; init = REPORT's Init Duration)"
printf '%-8s %-22s %-22s %-22s %-10s %-10s\n' runtime "wall p50 (min-max)" "wall p99" "init p50 (min-max)" floor_p50 ratio
for fn in python node curl; do
	: >"$tmp/wall" && : >"$tmp/init"
	for _ in $(seq "$COLD"); do
		$VPCSIM detach -t "$T" "$fn" >/dev/null 2>&1
		python3 bench/http_floor.py cold "$PORT" "$fn" >>"$tmp/cold.$fn" 2>&1
	done
	awk '{print $1}' "$tmp/cold.$fn" | grep -E '^[0-9.]+$' >"$tmp/wall"
	awk '{print $2}' "$tmp/cold.$fn" | grep -E '^[0-9.]+$' >"$tmp/init"
	case $fn in
	python) cmd="python3 -c pass" ;;
	node) cmd="node -e 0" ;;
	curl) cmd="bash -c 'curl --version >/dev/null'" ;;
	esac
	: >"$tmp/floor"
	for i in $(seq "$COLD"); do
		ns1=vpcsim-bfloor.c$$a ns2=vpcsim-bfloor.c$$b
		t0=$(now_ms)
		ip netns add "$ns1" && ip netns add "$ns2" &&
			ip -n "$ns1" link add v0 type veth peer name v1 netns "$ns2" &&
			ip -n "$ns1" link set v0 up && ip netns exec "$ns1" sh -c "$cmd"
		t1=$(now_ms)
		ip netns del "$ns1" 2>/dev/null
		ip netns del "$ns2" 2>/dev/null
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >>"$tmp/floor"
	done
	w=$(stats <"$tmp/wall") in=$(stats <"$tmp/init") fl=$(stats <"$tmp/floor")
	printf '%-8s %-22s %-22s %-22s %-10s %-10s\n' "$fn" "$(fmt "$w" 0)" "$(pct 99 <"$tmp/wall")" \
		"$(fmt "$in" 0)" "$(fmt "$fl" 0 | cut -d' ' -f1)" "$(ratio "${w%% *}" "${fl%% *}")"
done
echo "(ratio = cold wall p50 / floor p50; floor = namespace + veth + the interpreter's start there)"
