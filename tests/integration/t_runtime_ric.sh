#!/bin/bash
# AWS's own Node.js Runtime Interface Client (npm aws-lambda-ric 4.0.2, its
# native aws-lambda-cpp client built by `make deps` in tests/ric/) run
# unmodified as a custom runtime (provided.al2023): the function's package
# holds it in node_modules as `npm install aws-lambda-ric` leaves it, and
# its bootstrap starts it as AWS's README does (`npx aws-lambda-ric
# app.handler`). Against vpcsim's Runtime API: a result, the context's
# fields and deadline, console.* lines with the request id, a function
# error, init errors (the module throws; the handler is not exported), a
# response over 6 MB, an exception that kills Node, warm invokes in one
# environment frozen between them, JSON logs with a level, response
# streaming (awslambda.streamifyResponse) through `invoke` and through
# `serve` with the AWS SDK, `serve` with the AWS CLI, and the client as a
# container image's ENTRYPOINT (_HANDLER from the command's last word).
. "$(dirname "$0")/lib.sh"
plan 39
T=$(unique_name)
RIC="$ROOT/tests/ric/node_modules"
cp -r "$ROOT/tests/integration/data/runtime_ric" "$TMP/"
topo_copy "$ROOT/tests/integration/data/runtime_ric.json" "$T"

check "aws-lambda-ric 4.0.2 is installed with its native client (make deps: tests/ric)" bash -c \
	"test -f '$RIC/aws-lambda-ric/rapid-client.node' &&
	 grep -q '\"version\": \"4.0.2\"' '$RIC/aws-lambda-ric/package.json'"
# The function's package as `npm install aws-lambda-ric` makes it.
cp -a "$RIC" "$TMP/runtime_ric/node_modules"
# And a container image whose runtime is the client (its README's
# Dockerfile: ENTRYPOINT the client, CMD the handler), run three ways:
# as built, with image_config's command naming another handler, and with
# an ENTRYPOINT that ends in the handler and no CMD.
check "build an image with node and the client" \
	"$ROOT/tests/integration/data/runtime_ric_image/build.sh" "$RIC" "$TMP/ric-img.tar"
python3 - "$F" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
img = {"image": "ric-img.tar", "memory_mb": 1024}
ric = ["/usr/bin/node", "/var/task/node_modules/aws-lambda-ric/index.mjs"]
t["functions"] += [dict(img, name="ricimg"),
                   dict(img, name="ricimgcmd", image_config={"command": ["app.fails"]}),
                   dict(img, name="ricimgep", image_config={"entry_point": ric + ["app.handler"], "command": []})]
json.dump(t, open(sys.argv[1], "w"))
PY
check "up $T" V up "$F"

# ---- a result, the context, the log -----------------------------------------
inv ric --payload '{"order":7,"sleep_ms":1000}'
is "invoke: exit 0 and the handler's result" "0 1 7" "$RC $(field 'j["count"], j["event"]["order"]' | tr -d ",()'")"
REQ=$(last_request_id)
is "context.awsRequestId is the REPORT's RequestId" "$REQ" "$(field 'j["requestId"]')"
is "context: functionName, functionVersion, memoryLimitInMB (a string), invokedFunctionArn, logGroupName" \
	'ric $LATEST 1024 arn:aws:lambda:us-east-1:123456789012:function:ric /aws/lambda/ric' \
	"$(field '" ".join([j["functionName"], j["functionVersion"], j["memoryLimitInMB"], j["invokedFunctionArn"], j["logGroupName"]])')"
check "context.logStreamName is the log stream's name (YYYY/MM/DD/[\$LATEST]<32 hex>)" \
	jassert 'import re; assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", j["logStreamName"])'
# Lambda-Runtime-Deadline-Ms: 20 s after the invoke began; the handler
# slept 1 s before asking (a lower bound only: the machine may be slow).
check "context.getRemainingTimeInMillis(): the deadline less the 1 s the handler slept (0 < left <= 19000)" \
	jassert 'assert 0 < j["remaining"] <= 19000, j["remaining"]'
check "console.log: TIME, the request id, INFO, the message (as AWS's runtime prints it)" \
	grep -Eq $'^[0-9T:.-]+Z\t'"$REQ"$'\tINFO\thello from the RIC 1$' "$TMP/log"
check "console.error: the same with ERROR" grep -Eq $'^[0-9T:.-]+Z\t'"$REQ"$'\tERROR\tto stderr 1$' "$TMP/log"
check "the cold invoke: INIT_START provided:al2023.v1 and REPORT with Init Duration" bash -c \
	"grep -q '^INIT_START Runtime Version: provided:al2023.v1' '$TMP/log' && grep -q \$'^REPORT RequestId: $REQ\t.*\tInit Duration: ' '$TMP/log'"
STREAM=$(field 'j["logStreamName"]')
inv ric --client-context "$(printf '{"custom":{"k":"v"}}' | base64 -w0)"
is "a second invoke is warm in the same environment (count 2, same log stream)" "0 2 $STREAM" \
	"$RC $(field 'j["count"], j["logStreamName"]' | tr -d ",()'")"
check "the warm invoke: no INIT_START, no Init Duration" bash -c \
	"grep -q '^REPORT' '$TMP/log' && ! grep -q 'INIT_START\|Init Duration' '$TMP/log'"
is "context.clientContext from Lambda-Runtime-Client-Context" v "$(field 'j["clientContext"]["custom"]["k"]')"
check "the environment is frozen between invokes" bash -c \
	"grep -q 'frozen 1' /sys/fs/cgroup/unified/vpcsim/$T/ric-1/cgroup.events 2>/dev/null || grep -q FROZEN /sys/fs/cgroup/freezer/vpcsim/$T/ric-1/freezer.state"
# The RIC's process (a 10 ms timer) runs while thawed, not while frozen.
frozen_ticks ric '{"sleep_ms":500}'

# ---- errors ------------------------------------------------------------------
inv ricfail
is "a thrown error: exit 1, AWS's errorType and errorMessage" "1 ValidationError order 7 has no items" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | tr -d ",()'")"
check "a thrown error: its trace (the RIC's field) names the handler's line" \
	jassert 'assert any("app.mjs:" in l for l in j["trace"]), j'
check "a thrown error: the RIC's Invoke Error line, with the request id" \
	grep -Eq $'^[0-9T:.-]+Z\t'"$(last_request_id)"$'\tERROR\tInvoke Error \t\\{"errorType":"ValidationError","errorMessage":"order 7 has no items"' "$TMP/log"
inv ricinit
is "an init error (the module throws): exit 1, errorType Error and its message" "1 Error cannot reach the config store" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | tr -d ",()'")"
check "an init error: the RIC's Init Error line; INIT_REPORT with the type it posted to /runtime/init/error" bash -c \
	"grep -q \$'\tERROR\tInit Error \t{\"errorType\":\"Error\"' '$TMP/log' &&
	 grep -q \$'^INIT_REPORT Init Duration: .*\tPhase: init\tStatus: error\tError Type: Error\$' '$TMP/log'"
inv ricnohandler
is "a handler the module does not export: Runtime.HandlerNotFound" \
	"1 Runtime.HandlerNotFound app.nosuch is undefined or not exported" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | tr -d ",()'")"
inv ricbig
is "a result over 6 MB: Function.ResponseSizeTooLarge" "1 Function.ResponseSizeTooLarge" "$RC $(field 'j["errorType"]')"
check "over 6 MB: the RIC's native client logs the Runtime API's 413 and its body" \
	grep -q 'LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413. {"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}' "$TMP/log"
inv riccrash
is "an exception outside the handler kills Node: Runtime.ExitError" \
	"1 Runtime.ExitError RequestId: $(last_request_id) Error: Runtime exited with error: exit status 1" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | tr -d ",()'")"
inv riccrash
check "after the crash the next invoke starts a new environment (INIT_START)" grep -q '^INIT_START' "$TMP/log"

# ---- a container image -------------------------------------------------------
inv ricimg --payload '{"from":"image"}'
is "image (ENTRYPOINT the client, CMD app.handler): the handler's result" "0 1 image ricimg" \
	"$RC $(field 'j["count"], j["event"]["from"], j["functionName"]' | tr -d ",()'")"
inv ricimgcmd
is "image_config.command [app.fails]: the client runs that handler (_HANDLER)" "1 ValidationError" \
	"$RC $(field 'j["errorType"]')"
# AWS's emulator: "Assume last arg is the handler" of ENTRYPOINT + CMD
# (vpcsim took CMD's first word: none here, and the client, which reads
# only _HANDLER, failed its init).
inv ricimgep
is "image whose ENTRYPOINT ends in the handler, no CMD: _HANDLER is the command's last word" "0 1" \
	"$RC $(field 'j["count"]')"

# ---- JSON logs ----------------------------------------------------------------
inv ricjson
check "logging_config JSON + WARN: the RIC writes WARN and ERROR as JSON records with the request id, drops INFO" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
app = [(r["level"], r["message"], r["requestId"]) for r in recs if "level" in r]
rid = [r["record"]["requestId"] for r in recs if r.get("type") == "platform.start"][0]
sys.exit(not (app == [("WARN", "careful { n: 1 }", rid), ("ERROR", "it broke", rid)]))' "$TMP/log"

# ---- response streaming -----------------------------------------------------
V invoke -t "$T" ricstream --payload '{"n":3,"gap_ms":2000}' 2>"$TMP/log" | python3 -c '
import sys, time
for l in sys.stdin.buffer:
    print("%d %s" % (time.monotonic() * 1000, l.decode().rstrip("\n")), flush=True)' >"$TMP/arrivals"
is "streamifyResponse: three chunks, in order" "chunk 1|chunk 2|chunk 3" "$(cut -d' ' -f2- "$TMP/arrivals" | tr '\n' '|' | sed 's/|$//')"
check "streamifyResponse: the first chunk arrived >= 1 s before the last (2 s gaps; buffered they would come together)" \
	test "$(awk 'NR == 1 {a = $1} {b = $1} END {print b - a}' "$TMP/arrivals")" -ge 1000
inv ricstream --payload '{"n":2,"fail":true}'
check "an error mid-stream: the bytes, then the error from the RIC's trailers (exit 1)" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
e = json.loads(lines[3])
sys.exit(not (lines[:3] == ["chunk 1", "chunk 2", ""] and e["errorType"] == "TypeError" and e["errorMessage"] == "stream boom" and sys.argv[2] == "1"))' "$TMP/out.json" "$RC"

# ---- vpcsim serve: the AWS CLI and the AWS SDK ------------------------------
check "serve -t $T is serving" serve_start
awsl() { (eval "$(V credentials -t "$T")" &&
	timeout 60 /usr/bin/aws lambda invoke --endpoint-url "http://127.0.0.1:$PORT" "$@"); }
awsl --function-name ric --payload '{"via":"cli"}' --cli-binary-format raw-in-base64-out \
	"$TMP/resp.json" >"$TMP/meta.json" 2>"$TMP/log"
is "serve: aws lambda invoke gets the handler's result" cli \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event"]["via"])' "$TMP/resp.json")"
awsl --function-name ricfail --cli-binary-format raw-in-base64-out "$TMP/resp.json" >"$TMP/meta.json" 2>"$TMP/log"
check "serve: the error is FunctionError Unhandled with the RIC's error body" bash -c \
	"grep -q '\"FunctionError\": \"Unhandled\"' '$TMP/meta.json' && grep -q '\"errorType\":\"ValidationError\"' '$TMP/resp.json'"
(eval "$(V credentials -t "$T")" && NODE_PATH="$ROOT/runtimes/nodejs/node_modules" timeout 120 \
	node --no-warnings "$ROOT/tests/integration/data/runtime_stream_client/stream.cjs" \
	"http://127.0.0.1:$PORT" ricstream '{"n":2,"gap_ms":10}') >"$TMP/sdk.json" 2>"$TMP/log"
is "serve: InvokeWithResponseStream (the AWS SDK): the RIC's chunks, then InvokeComplete, content type text/plain" \
	"chunk 1|chunk 2|complete|text/plain" \
	"$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
# 10 ms apart, two chunks may travel in one PayloadChunk on a loaded machine:
# the bytes, in order, then InvokeComplete last
text = "".join(e["chunk"] for e in j["events"] if "chunk" in e)
last = "complete" if "complete" in j["events"][-1] else "no InvokeComplete last"
print("|".join([l for l in text.split("\n") if l] + [last, j["contentType"]]))' "$TMP/sdk.json" 2>&1)"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
