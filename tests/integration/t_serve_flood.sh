#!/bin/bash
# A flood beyond every limit never takes `vpcsim serve`, a supervisor or
# the machine down (issue 22, "Bad input"): against a topology whose
# concurrency_limit is 2 (one function with reserved_concurrency 1), all at
# once,
#   - 2,000 signed requests on 200 connections (curl --parallel, keep-alive),
#   - 1,000 slow-loris connections (headers never finished),
#   - 200 requests with 64 KB of headers (past serve's 16 KB),
#   - 60 signed-looking 6 MB bodies sent slowly (past serve's 12 MB budget).
# Every request is answered: 200, or 429 TooManyRequestsException with
# AWS's body and Reason; serve's threads, descriptors and peak memory stay
# under their bounds (docs/SECURITY.md) and its descriptors come back when
# the clients leave; the warm environment's supervisor lives and serves the
# next invoke warm; nothing is left after down. Bounds are generous.
. "$(dirname "$0")/lib.sh"
plan 15
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_flood.json" "$T"
# serve_url, serve_req, serve_cold, sup_of: lib.sh
fds() { ls /proc/"$SERVE"/fd 2>/dev/null | wc -l; }
threads() { awk '/^Threads:/ {print $2}' /proc/"$SERVE"/status; }
le() { if [ -n "$2" ] && [ "$2" -le "$3" ]; then ok "$1 ($2 <= $3)"; else not_ok "$1 ($2 > $3)"; fi; }
SERVE_BOUND_KB=98304   # serve's peak resident memory, docs/SECURITY.md (as t_bounds)
THREADS_MAX=16         # 4 HTTP threads, 2 workers (the limit), main and libraries' own
FDS_MAX=$((4096 + 4 * 1000 + 256)) # serve's SERVE_FDS: its connection limit and invokes

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
serve_req fast '{"s":0}' "$TMP/warm0"
is "fast answers 200 (its environment made)" 200 "$(cat "$TMP/warm0.code")"
SUP=$(sup_of fast)
FDS0=$(fds)

# ---- everything at once ------------------------------------------------------------
( while kill -0 "$SERVE" 2>/dev/null; do echo "$(threads) $(fds)"; sleep 0.2; done ) >"$TMP/samples" 2>/dev/null &
SAMPLER=$!
python3 "$ROOT/tests/integration/data/bounds_client.py" "$PORT" half 1000 40 >"$TMP/half.out" 2>&1 &
HOSTILE=($!)
python3 "$ROOT/tests/integration/data/bounds_client.py" "$PORT" headers 200 65536 40 >"$TMP/headers.out" 2>&1 &
HOSTILE+=($!)
python3 "$ROOT/tests/integration/data/bounds_client.py" "$PORT" bodies 60 6000000 40 "$KEY" us-east-1 >"$TMP/bodies.out" 2>&1 &
HOSTILE+=($!)
mkdir "$TMP/f"
for i in $(seq 2000); do echo "url = \"$(serve_url slow)\""; echo "output = \"$TMP/f/$i\""; done >"$TMP/flood.cfg"
curl -s -Z --parallel-max 200 --max-time 120 -K "$TMP/flood.cfg" --aws-sigv4 aws:amz:us-east-1:lambda \
	--user "$KEY:$SECRET" -d '{"s": 1}' -w '%{http_code}\n' >"$TMP/flood" 2>/dev/null
sort "$TMP/flood" | uniq -c | sed 's/^/# flood: /'
echo "# hostile clients opened: $(cat "$TMP/half.out") slow, $(cat "$TMP/headers.out") big headers, $(cat "$TMP/bodies.out") bodies"
check "2,000 requests: each answered (none left without an answer in 120 s), 200 or 429" python3 -c "
import collections; c = collections.Counter(open('$TMP/flood').read().split())
assert sum(c.values()) == 2000 and set(c) <= {'200', '429'} and c['429'] >= 1000, c"
check "... every 429 is TooManyRequestsException's body with one of AWS's Reasons" python3 -c "
import glob, json
for f in glob.glob('$TMP/f/*'):
    j = json.load(open(f))
    if 'Reason' in j or 'message' in j and 'env' not in j:
        assert j['Reason'] in ('ConcurrentInvocationLimitExceeded', 'ReservedFunctionConcurrentInvocationLimitExceeded') and j['message'] == 'Rate Exceeded.', (f, j)"
check "serve is still running" kill -0 "$SERVE"
serve_req fast '{"s":0}' "$TMP/warm1"
is "with the hostile clients still connected, a warm invoke of fast: 200" 200 "$(cat "$TMP/warm1.code")"
check_fails "... warm (no Init Duration)" serve_cold "$TMP/warm1"
check "... in the same supervisor, alive" bash -c "[ '$(sup_of fast)' = '$SUP' ] && kill -0 '$SUP'"
kill "${HOSTILE[@]}" 2>/dev/null
wait "${HOSTILE[@]}" 2>/dev/null
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
le "serve's threads under the flood (most seen)" "$(awk '{print $1}' "$TMP/samples" | sort -n | tail -1)" $THREADS_MAX
le "serve's descriptors under the flood (most seen)" "$(awk '{print $2}' "$TMP/samples" | sort -n | tail -1)" $FDS_MAX
le "serve's peak memory (VmHWM kB)" "$(awk '/^VmHWM:/ {print $2}' /proc/"$SERVE"/status)" $SERVE_BOUND_KB
for _ in $(seq 150); do [ "$(fds)" -le $((FDS0 + 8)) ] && break; sleep 0.2; done
le "once the clients left, serve's descriptors are back (before the flood: $FDS0)" "$(fds)" $((FDS0 + 8))
check "down $T" V down "$T"
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
