#!/bin/bash
# `vpcsim serve` runs invokes concurrently, as Lambda does (issue 22): each
# concurrent request in an environment of its own, warm environments
# reused, 429 TooManyRequestsException with AWS's Reason past the account's
# concurrency_limit or the function's reserved_concurrency, keep-alive, a
# client gone mid-invoke leaving no environment busy, nothing left after
# down. Requests are signed with `vpcsim credentials` (curl --aws-sigv4).
# No wall-clock bound: overlap is shown by the handler's start/end marks and
# by environments busy at once, never by how long anything took.
. "$(dirname "$0")/lib.sh"
plan 21
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_conc.json" "$T"
envs_of() { ls -d /run/vpcsim/"$T"/envs/"$1"-* 2>/dev/null | wc -l; }
# busy_of FN, wait_busy FN N: lib.sh

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
codes() { for i in 1 2 3 4; do cat "$TMP/$1$i.code"; echo; done | tr '\n' ' ' | sed 's/ $//'; } # PREFIX
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/$1/invocations"; }
# req FN PAYLOAD OUT [curl args]: the HTTP status in OUT.code, headers in OUT.h
req() {
	local fn=$1 payload=$2 out=$3
	shift 3
	curl -s -o "$out" -D "$out.h" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -d "$payload" "$@" "$(url "$fn")" >"$out.code"
}

# ---- 4 concurrent requests: 4 environments at once, overlapping -------------
PIDS=()
for i in 1 2 3 4; do req par '{"s":15}' "$TMP/a$i" -H 'X-Amz-Log-Type: Tail' & PIDS+=($!); done
wait_busy par 4
check "4 concurrent requests: 4 environments of par busy at once" [ "$(busy_of par)" = 4 ]
# The account's concurrency_limit (5), and what the 4 did (lib.sh).
account_limit_checks
check "the 4 were cold (Init Duration in each REPORT)" bash -c "for i in 1 2 3 4; do
	sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' '$TMP/a'\$i.h | tr -d '\r' | base64 -d | grep -q 'Init Duration' || exit 1; done"

# ---- warm reuse: 4 more concurrent requests, no new environment ------------
PIDS=()
for i in 1 2 3 4; do req par '{"s":2}' "$TMP/b$i" -H 'X-Amz-Log-Type: Tail' & PIDS+=($!); done
wait "${PIDS[@]}"
is "4 more: all 200" "200 200 200 200" "$(codes b)"
is "still 4 environments of par" 4 "$(envs_of par)"
check "the 4 were warm: no Init Duration, each environment's count > 1, the same environments" bash -c "
	for i in 1 2 3 4; do sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' '$TMP/b'\$i.h | tr -d '\r' | base64 -d | grep -q 'Init Duration' && exit 1; done
	python3 -c \"import json; a={json.load(open('$TMP/a%d' % i))['env'] for i in range(1,5)}; b=[json.load(open('$TMP/b%d' % i)) for i in range(1,5)]; assert {x['env'] for x in b} <= a and all(x['count'] > 1 for x in b)\""

# ---- reserved_concurrency 1: a second concurrent request is throttled ------
reserved_limit_checks "$TMP/thr"
is "the first one answered 200" 200 "$(cat "$TMP/o2.code")"

# ---- keep-alive: two requests on one connection ----------------------------
curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' --aws-sigv4 aws:amz:us-east-1:lambda \
	--user "$KEY:$SECRET" -d '{"s":0}' "$(url par)" "$(url par)" >"$TMP/ka"
is "keep-alive: two invokes, one connection" "200 1|200 0" "$(tr '\n' '|' <"$TMP/ka" | sed 's/|$//')"

# ---- a client gone mid-invoke leaves no environment busy -------------------
curl -s -o /dev/null --max-time 1 --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" \
	-d '{"s":4}' "$(url one)"
wait_busy one 1 # (it may be over already on a slow machine: then it is idle, as checked below)
for _ in $(seq 120); do req one '{"s":0}' "$TMP/after"; [ "$(cat "$TMP/after.code")" = 200 ] && break; sleep 0.5; done
is "after a client disconnected mid-invoke, its environment serves the next request" 200 "$(cat "$TMP/after.code")"
is "... the same environment (one of one)" 1 "$(envs_of one)"
# the same through InvokeWithResponseStream (its answer is written as it comes)
curl -s -o /dev/null --max-time 1 --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" \
	-d '{"s":4}' "http://127.0.0.1:$PORT/2021-11-15/functions/one/response-streaming-invocations"
wait_busy one 1
for _ in $(seq 120); do req one '{"s":0}' "$TMP/after"; [ "$(cat "$TMP/after.code")" = 200 ] && break; sleep 0.5; done
is "after a client of a response stream disconnected mid-invoke, its environment serves the next request" \
	200 "$(cat "$TMP/after.code")"
is "... the same environment (one of one)" 1 "$(envs_of one)"

# ---- down: serve ends, nothing left -----------------------------------------
V down "$T" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
