#!/bin/bash
# Warm invokes through serve (issue 22), checked for what they do, never
# for how long they take:
#   - serve answers when the runtime posts its response, as Lambda does,
#     while the invoke goes on until the runtime asks for its next event
#     (a custom runtime that works after its response until the test
#     creates /opt/go: before this change the answer waited for that);
#     REPORT follows the post-response work;
#   - the Python and Node.js runtime clients keep one connection to the
#     Runtime API over many invokes (the same source port in the
#     environment's namespace after each; before, one per request);
#   - invokes one after another on one kept-alive connection to serve
#     reuse one environment: the next request, sent as soon as the answer
#     came, does not start a cold environment beside the answered one;
#   - a caller that asks for the log's tail still gets END and REPORT.
. "$(dirname "$0")/lib.sh"
plan 13
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_warm" "$TMP/serve_warm"
topo_copy "$ROOT/tests/integration/data/serve_warm.json" "$T"
GO="$TMP/serve_warm/layer_go/go"
wait_for() { # FILE PATTERN: up to 60 s for PATTERN in FILE
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
invoke() { # FN OUT [curl options...]: one Invoke API request
	local fn=$1 out=$2
	shift 2
	curl -s -m 100 -D "$out.h" -o "$out" --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" "$@" -d '{}' "http://127.0.0.1:$PORT/2015-03-31/functions/$fn/invocations"
}
# The local port of the runtime's connection to the Runtime API in
# environment ENV, one line per connection.
rapi_ports() {
	ip netns exec "vpcsim-$T.env.$1" ss -tnH state established '( dport = :9001 )' |
		awk '{ n = split($3, a, ":"); print a[n] }'
}

check "up $T" V up "$F"
check "serve" serve_start

invoke post "$TMP/post" &
CURL=$!
check "serve answers when the runtime posts its response (its post-response work goes on)" \
	wait_for "$TMP/post" '"answered"'
ID=$(python3 -c "import json; print(json.load(open('$TMP/post'))['answered'])" 2>/dev/null)
check "... and the invoke is not over: its START logged, no REPORT yet" bash -c "
	'$VPCSIM' logs -t '$T' post >'$TMP/post.log' && grep -q 'START RequestId: $ID' '$TMP/post.log' &&
	! grep -q 'REPORT RequestId: $ID' '$TMP/post.log'"
touch "$GO"
wait "$CURL"
check "the invoke ends when the runtime asks for its next event: REPORT after the post-response work" \
	report_after post "$ID" 'post-response work done'
rm -f "$GO"

for fn in py node; do
	: >"$TMP/ports.$fn"
	for i in 1 2 3 4 5; do
		invoke "$fn" "$TMP/$fn.$i"
		rapi_ports "$fn-1" >>"$TMP/ports.$fn"
	done
	check "$fn: 5 invokes answered" test "$(cat "$TMP"/$fn.[1-5] | grep -o "\"n\"" | wc -l)" = 5
	check "$fn: its runtime client kept one connection to the Runtime API over the 5 (same port each time)" \
		bash -c "test \$(wc -l <'$TMP/ports.$fn') = 5 && test \$(sort -u '$TMP/ports.$fn' | wc -l) = 1"
done

URLS=()
for _ in $(seq 30); do URLS+=("http://127.0.0.1:$PORT/2015-03-31/functions/py/invocations"); done
curl -s -m 200 --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" -d '{}' "${URLS[@]}" >"$TMP/many"
check "30 invokes one after another on one kept-alive connection: 30 answers" \
	test "$(grep -o '"n"' "$TMP/many" | wc -l)" = 30
check "... from one environment: no cold start beside the one that had just answered" \
	test "$(ls "/run/vpcsim/$T/envs" | grep -c '^py-')" = 1

invoke py "$TMP/tail" -H 'X-Amz-Log-Type: Tail'
check "a caller that asks for the log's tail gets END and REPORT in it" python3 -c "
import base64, re, sys
h = open('$TMP/tail.h').read()
log = base64.b64decode(re.search(r'(?im)^X-Amz-Log-Result: *(\S+)', h).group(1)).decode()
sys.exit(not ('END RequestId' in log and 'REPORT RequestId' in log))"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
