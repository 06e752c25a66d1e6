#!/bin/bash
# Response streaming, end to end on real processes: handlers written with
# Node's awslambda.streamifyResponse and HttpResponseStream, and a curl
# custom runtime, stream through the Runtime API
# (Lambda-Runtime-Function-Response-Mode: streaming, chunked, error
# trailers); `vpcsim invoke` prints the bytes as they come; `vpcsim serve`
# answers InvokeWithResponseStream in AWS's event stream encoding, read by
# the real @aws-sdk/client-lambda. No timing bound: only orders and lower
# bounds the function's own sleeps (or Lambda's 2 MB/s) impose.
. "$(dirname "$0")/lib.sh"
plan 23
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_stream" "$ROOT/tests/integration/data/runtime_stream_curl" "$TMP/"
topo_copy "$ROOT/tests/integration/data/runtime_stream.json" "$T"
# stamped CMD...: CMD's stdout, each line prefixed with when it arrived (ms)
stamped() {
	"$@" 2>"$TMP/log" | python3 -c '
import sys, time
while True:
    l = sys.stdin.buffer.readline()
    if not l:
        break
    sys.stdout.write("%d %s" % (time.monotonic() * 1000, l.decode("latin1")))
    sys.stdout.flush()'
}
# spread FILE: ms between the first line's arrival and the last's
spread() { awk 'NR == 1 {a = $1} {b = $1} END {print b - a}' "$1"; }

check "up $T" V up "$F"

# ---- vpcsim invoke: the bytes as they come ----------------------------------
# (1,769 MB, a whole CPU: at 128 MB the runtime's first HTTP request can
# wait for CPU longer than a gap, and two chunks then arrive together.)
# The gaps are 2 s and the check asks for 1 s of spread: a loaded machine
# that holds the first chunk back for a while still shows it streamed.
stamped V invoke -t "$T" chunks --payload '{"n":3,"gap_ms":2000}' >"$TMP/arrivals"
is "invoke: three chunks, in order" "chunk 1 chunk 2 chunk 3" "$(awk '{print $2, $3}' "$TMP/arrivals" | tr '\n' ' ' | sed 's/ $//')"
check "invoke: the first chunk arrived >= 1 s before the last (the handler sleeps 2 x 2 s between them; buffered, all would come at once)" \
	test "$(spread "$TMP/arrivals")" -ge 1000
check "invoke: START, END and REPORT around the streamed response" \
	bash -c "grep -q '^START RequestId' '$TMP/log' && grep -q '^END RequestId' '$TMP/log' && grep -q '^REPORT RequestId' '$TMP/log'"
inv http
check "HttpResponseStream.from: the JSON prelude, 8 NUL bytes, then the body" python3 -c '
import json, sys
b = open(sys.argv[1], "rb").read()
head, sep, body = b.partition(b"\0" * 8)
sys.exit(not (json.loads(head) == {"statusCode": 201, "headers": {"x-custom": "yes"}} and body == b"hello world"))' "$TMP/out.json"
inv fails
is "an error mid-stream: exit 1" 1 "$RC"
check "an error mid-stream: the bytes before it, then the error from the trailers" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
e = json.loads(lines[1])
sys.exit(not (lines[0] == "partial " and e["errorType"] == "TypeError" and e["errorMessage"] == "stream boom"))' "$TMP/out.json"
check "an error mid-stream: the client's Invoke Error line in the log" grep -q $'\tERROR\tInvoke Error \t{"errorType":"TypeError"' "$TMP/log"
inv unfinished
is "a stream the handler never ends fails as AWS's client fails it" "1 Response stream is not finished." \
	"$RC $(tail -1 "$TMP/out.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["errorMessage"])')"
inv curlstream
is "a curl custom runtime streams (chunked POST); another response mode is 400 InvalidFunctionResponseMode" \
	'bogus mode: 400 {"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"}' \
	"$(cat "$TMP/out.json")"
inv big --payload '{"mb":10}'
is "10 MB streamed whole" 10485760 "$(stat -c %s "$TMP/out.json")"
check "10 MB: at most 2 MB/s past the first 6 MB (Duration >= 1.5 s)" python3 -c '
import re, sys
d = float(re.search(r"\tDuration: ([0-9.]+) ms", open(sys.argv[1]).read()).group(1))
sys.exit(d < 1500)' "$TMP/log"

# ---- vpcsim serve: InvokeWithResponseStream with the AWS SDK ------------------
check "serve -t $T is serving" serve_start
sdk() { # FUNCTION PAYLOAD [Tail]: the client's JSON line in $TMP/sdk.json
	(eval "$(V credentials -t "$T")" && NODE_PATH="$ROOT/runtimes/nodejs/node_modules" timeout 120 \
		node --no-warnings "$ROOT/tests/integration/data/runtime_stream_client/stream.cjs" \
		"http://127.0.0.1:$PORT" "$@") >"$TMP/sdk.json" 2>"$TMP/log"
}
sj() { python3 -c "import json,sys; j=json.load(open('$TMP/sdk.json')); print($1)"; }
sdk chunks '{"n":3,"gap_ms":1000}' Tail
is "SDK: 200, ResponseStreamContentType text/plain, ExecutedVersion \$LATEST" '200 text/plain $LATEST' \
	"$(sj 'j["status"], j["contentType"], j["version"]' | tr -d "(),'")"
is "SDK: three PayloadChunk events in order, then InvokeComplete" "chunk 1|chunk 2|chunk 3|complete" \
	"$(sj '"|".join(e["chunk"][:7] if "chunk" in e else "complete" for e in j["events"])')"
check "SDK: the first PayloadChunk came >= 1 s before InvokeComplete (streamed, not buffered)" \
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["events"]; sys.exit(e[-1]["at"] - e[0]["at"] < 1000)' "$TMP/sdk.json"
check "SDK: InvokeComplete's LogResult (Tail) is the log's end, with REPORT; no ErrorCode" python3 -c '
import base64, json, sys
c = json.load(open(sys.argv[1]))["events"][-1]["complete"]
sys.exit(not ("REPORT RequestId" in base64.b64decode(c["LogResult"]).decode() and "ErrorCode" not in c))' "$TMP/sdk.json"
sdk fails '{}'
is "SDK: an error mid-stream: the bytes, then InvokeComplete ErrorCode TypeError with the error's JSON" \
	"partial |TypeError|stream boom" \
	"$(sj 'j["events"][0]["chunk"] + "|" + j["events"][-1]["complete"]["ErrorCode"] + "|" + json.loads(j["events"][-1]["complete"]["ErrorDetails"])["errorMessage"]')"
sdk http '{}'
is "SDK: an HttpResponseStream's content type" application/vnd.awslambda.http-integration-response "$(sj 'j["contentType"]')"
sdk buffered '{"k":1}'
is "SDK: a function that does not stream: one PayloadChunk of its response" '{"plain":true,"event":{"k":1}}|1' \
	"$(sj 'j["events"][0]["chunk"] + "|" + str(len(j["events"]) - 1)')"
sdk nosuch '{}'
is "SDK: an unknown function is 404 ResourceNotFoundException" "ResourceNotFoundException 404" "$(sj 'j["error"], j["status"]' | tr -d "(),'")"
(eval "$(V credentials -t "$T")" && curl -s --aws-sigv4 "aws:amz:us-east-1:lambda" \
	--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -d '{"n":2,"gap_ms":10}' \
	"http://127.0.0.1:$PORT/2015-03-31/functions/chunks/invocations") >"$TMP/plain.out" 2>"$TMP/log"
is "Invoke (not streaming) of a streaming function: its whole response" "chunk 1|chunk 2" \
	"$(cut -c1-7 "$TMP/plain.out" | tr '\n' '|' | sed 's/|$//')"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
