#!/bin/bash
# The caller gets the runtime's response at once, as on Lambda ("Lambda
# returns the response to the client, even if extensions are still
# running"), while an extension registered for INVOKE still works: the
# environment stays busy (a second invoke meanwhile gets another one, cold)
# and the invoke ends, REPORT written, when the extension calls event/next
# again; Duration counts the extension's time. Its extension works until
# the test creates /opt/go (the layer is a folder of the test's), so no
# check depends on timing: before this change the answer waited for it.
. "$(dirname "$0")/lib.sh"
plan 13
topo_data runtime_ext_early runtime_ext
GO="$TMP/runtime_ext/layer_hold/go"

check "up $T" V up "$F"
V invoke -t "$T" hold >"$TMP/out1" 2>"$TMP/log1" &
INV=$!
check "vpcsim invoke prints the response while the extension works" wait_for "$TMP/out1" '"answered"'
check "... and is still running: the invoke is not over" kill -0 "$INV"
check "... its log has the extension at work" wait_for "$TMP/log1" 'INVOKE: working until /opt/go'
check "... and no REPORT yet" bash -c "! grep -q '^REPORT' '$TMP/log1'"
sleep 1
touch "$GO"
wait "$INV"
check "the invoke ends once the extension called event/next (exit 0)" test $? = 0
check "REPORT's Duration counts the extension's work (>= the 1 s it waited)" python3 -c "
import re, sys
d = float(re.search(r'^REPORT .*\tDuration: ([0-9.]+) ms', open('$TMP/log1').read(), re.M).group(1))
sys.exit(not d >= 1000)"
rm -f "$GO"

check "serve" serve_start
URL=http://127.0.0.1:$PORT/2015-03-31/functions/hold/invocations
curl -s -m 100 -D "$TMP/h" -o "$TMP/resp.json" --aws-sigv4 aws:amz:us-east-1:lambda \
	--user "$KEY:$SECRET" -d '{}' "$URL" &
CURL=$!
check "serve answers the Invoke API while the extension works" wait_for "$TMP/resp.json" '"answered"'
check "... 200 with X-Amz-Executed-Version" bash -c "grep -q '^HTTP/1.1 200' '$TMP/h' && grep -qi '^X-Amz-Executed-Version: \$LATEST' '$TMP/h'"
# The first environment is busy until its extension is done: another
# invoke gets an environment of its own, cold.
V invoke -t "$T" hold >"$TMP/out2" 2>"$TMP/log2" &
INV=$!
wait_for "$TMP/out2" '"answered"'
check "meanwhile a second invoke gets another environment (a cold start)" grep -q "INIT_START" "$TMP/log2"
touch "$GO"
wait "$INV"
wait "$CURL"
ID=$(python3 -c "import json; print(json.load(open('$TMP/resp.json'))['answered'])")
for _ in $(seq 100); do
	V logs -t "$T" hold 2>/dev/null | grep -q "REPORT RequestId: $ID" && break
	sleep 0.1
done
check "serve's invoke ended with its REPORT after the extension's work" bash -c \
	"V() { \"$VPCSIM\" \"\$@\"; }; V logs -t '$T' hold | grep -q 'REPORT RequestId: $ID'"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
