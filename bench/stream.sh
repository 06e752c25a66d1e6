#!/bin/bash
# Response streaming: time to the first streamed byte against time to the
# whole response, for a warm Node.js function that writes a chunk, sleeps
# GAP ms, writes another and ends. Through `vpcsim invoke` (process start
# to the first byte on its stdout, and to its exit) and through `vpcsim
# serve`'s InvokeWithResponseStream with @aws-sdk/client-lambda (send to
# the first PayloadChunk event, and to InvokeComplete; the SDK's own load
# not counted). A buffered response would make the two equal.
#   bench/stream.sh [RUNS] [GAP_MS]    default 5 runs, 1000 ms
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-$RUNS}
GAP=${2:-1000}
bench_topology benchstrm
PORT=$((20000 + RANDOM % 20000))
cp -r tests/integration/data/runtime_stream "$tmp/runtime_stream"
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "functions": [
  { "name": "chunks", "runtime": "nodejs20.x", "handler": "index.chunks", "code": "runtime_stream" } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
payload="{\"n\":2,\"gap_ms\":$GAP}"
$VPCSIM invoke -t $T chunks --payload "$payload" >/dev/null 2>&1 # warm
# first byte and end of `vpcsim invoke`, ms from its start
for _ in $(seq "$RUNS"); do
	python3 - "$VPCSIM" "$T" "$payload" >>"$tmp/cli" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen([sys.argv[1], "invoke", "-t", sys.argv[2], "chunks", "--payload", sys.argv[3]],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
p.stdout.read(1)
t1 = time.monotonic()
p.stdout.read()
p.wait()
print("%.1f %.1f" % ((t1 - t0) * 1000, (time.monotonic() - t0) * 1000))
PY
done
$VPCSIM serve -t $T --listen 127.0.0.1:$PORT >"$tmp/serve.out" 2>&1 &
for _ in $(seq 50); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
eval "$($VPCSIM credentials -t $T)"
for _ in $(seq "$RUNS"); do
	NODE_PATH=runtimes/nodejs/node_modules node --no-warnings \
		tests/integration/data/runtime_stream_client/stream.cjs "http://127.0.0.1:$PORT" chunks "$payload" |
		python3 -c 'import json,sys; e=json.load(sys.stdin)["events"]; print(e[0]["at"], e[-1]["at"])' >>"$tmp/sdk"
done
echo "Response streaming: time to first byte / to the whole response, ms, a ${GAP} ms gap between two chunks, $RUNS runs (median (min-max))"
printf '  vpcsim invoke:                 first byte %s, whole %s\n' \
	"$(fmt "$(awk '{print $1}' "$tmp/cli" | stats)")" "$(fmt "$(awk '{print $2}' "$tmp/cli" | stats)")"
printf '  serve InvokeWithResponseStream: first PayloadChunk %s, InvokeComplete %s\n' \
	"$(fmt "$(awk '{print $1}' "$tmp/sdk" | stats)")" "$(fmt "$(awk '{print $2}' "$tmp/sdk" | stats)")"
