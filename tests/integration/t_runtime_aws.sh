#!/bin/bash
# The runtime as AWS's: the bundled clients behave as AWS's runtime
# interface clients (logging, Decimal, context objects, error types and the
# error-type header, init errors), and the Runtime API answers with the
# emulator's status codes and texts.
. "$(dirname "$0")/lib.sh"
plan 52
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_aws" "$TMP/runtime_aws"
topo_copy "$ROOT/tests/integration/data/runtime_aws.json" "$T"
RT=${VPCSIM_RUNTIMES_DIR:-$ROOT/runtimes}

check "up $T" V up "$F"

# ---- Python: logging through the root logger ----------------------------------
inv logs
check "python logging: logger.info prints [INFO]\\tTIME\\tREQUEST-ID\\tmessage" \
	grep -Eq $'^\\[INFO\\]\t[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z\t[0-9a-f-]{36}\tinfo from logs$' "$TMP/log"
check "python logging: WARNING too, and DEBUG filtered at the INFO level the code set" \
	bash -c "grep -q \$'^\\\\[WARNING\\\\]\t.*\tcareful\$' '$TMP/log' && ! grep -q 'debug hidden' '$TMP/log'"
REQ=$(grep -o '^START RequestId: [0-9a-f-]*' "$TMP/log" | cut -d' ' -f3)
check "python logging: the request id is the invoke's" grep -q $'\t'"$REQ"$'\tinfo from logs' "$TMP/log"

# ---- Python: Decimal as AWS's marshaller writes it -------------------------------
inv dynamo
is "python: a result holding Decimals (a DynamoDB read) is JSON with their digits" \
	'0 {"price": 19.90, "count": 3, "ratio": 0.1}' "$RC $(cat "$TMP/out.json")"

# ---- Python: the context's types -------------------------------------------------
inv ctx --client-context "$(echo -n '{"custom":{"k":"v"},"client":{"app_title":"demo"}}' | base64 -w0)"
is "python context: memory_limit_in_mb a string, identity and client_context objects" \
	"str 256 CognitoIdentity None ClientContext v demo" \
	"$(field 'j["memory_type"], j["memory"], j["identity_class"], j["identity_id"], j["client_context_class"], j["custom"]["k"], j["app_title"]' | tr -d ",()'")"

# ---- Python: errors -----------------------------------------------------------------
inv pyfail
is "python function error: errorType, errorMessage, requestId" "1 KeyError 'missing' yes" \
	"$RC $(field 'j["errorType"], j["errorMessage"], "yes" if len(j["requestId"]) == 36 else "no"' | sed "s/^('//; s/', \"/ /; s/\", '/ /; s/')$//")"
check "python function error: one log event, [ERROR] and the traceback joined by \\r" \
	grep -q $'^\\[ERROR\\] KeyError: .missing.\rTraceback (most recent call last):\r' "$TMP/log"
inv nohandler
is "python: a missing function is Runtime.HandlerNotFound" \
	"1 Runtime.HandlerNotFound Handler 'nope' missing on module 'app'" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | sed "s/^('//; s/', \"/ /; s/\")$//")"
inv pysyntax
is "python: a syntax error is Runtime.UserCodeSyntaxError" "1 Runtime.UserCodeSyntaxError" "$RC $(field 'j["errorType"]')"
check "python: its message names the module" grep -q "Syntax error in module 'app'" "$TMP/out.json"
check "python: INIT_REPORT's Error Type is the one the client posted" \
	grep -q $'^INIT_REPORT Init Duration: [0-9.]* ms\tPhase: init\tStatus: error\tError Type: Runtime.UserCodeSyntaxError$' "$TMP/log"
inv pyimport
is "python: a missing import is Runtime.ImportModuleError naming it" \
	"1 Runtime.ImportModuleError Unable to import module 'app': No module named 'no_such_module_h20'" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | sed "s/^('//; s/', \"/ /; s/\")$//")"
inv pyraise
is "python: another exception at import is reported as itself" "1 RuntimeError config missing at import" \
	"$RC $(field 'j["errorType"], j["errorMessage"]' | tr -d ",()'")"
check "python init error: LAMBDA_WARNING logged as AWS's client does" grep -q $'^\\[WARNING\\]\t.*\tLAMBDA_WARNING: Unhandled exception' "$TMP/log"

# ---- Node.js: init errors ------------------------------------------------------------
inv nodesyntax
is "node: a syntax error is Runtime.UserCodeSyntaxError" "1 Runtime.UserCodeSyntaxError" "$RC $(field 'j["errorType"]')"
inv nodeimport
is "node: a package that is not there is Runtime.ImportModuleError" "1 Runtime.ImportModuleError" "$RC $(field 'j["errorType"]')"

# ---- both clients: Lambda-Runtime-Function-Error-Type is the error's type --------------
# Each client against a stand-in Runtime API that records what it posts.
client_post() { # name runtime-dir handler code-dir: the first POST, as JSON
	local port=$((20000 + RANDOM % 20000)) rec="$TMP/$1.rec"
	python3 "$TMP/runtime_aws/fake_rapi.py" "$port" "$rec" &
	local srv=$!
	for _ in $(seq 100); do [ -e "$rec.ready" ] && break; sleep 0.1; done
	env -i PATH=/usr/bin:/bin AWS_LAMBDA_RUNTIME_API=127.0.0.1:$port _HANDLER="$3" \
		LAMBDA_TASK_ROOT="$4" LAMBDA_RUNTIME_DIR="$(dirname "$2")" AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 \
		"$2" >"$TMP/$1.out" 2>&1 &
	local cli=$!
	for _ in $(seq 100); do [ -s "$rec" ] && break; sleep 0.1; done
	kill "$cli" "$srv" 2>/dev/null
	wait "$cli" "$srv" 2>/dev/null
	head -1 "$rec"
}
post_field() { python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($1)"; }
client_post py "$RT/python/bootstrap" app.fail "$TMP/runtime_aws/py" >"$TMP/py.post"
is "python client: error posted with Lambda-Runtime-Function-Error-Type: KeyError" "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/error KeyError" \
	"$(post_field 'j["path"], j["headers"].get("Lambda-Runtime-Function-Error-Type")' <"$TMP/py.post" | tr -d ",()'")"
client_post pysyn "$RT/python/bootstrap" app.handler "$TMP/runtime_aws/pysyntax" >"$TMP/pysyn.post"
is "python client: init error posted with its type in the header" "/2018-06-01/runtime/init/error Runtime.UserCodeSyntaxError" \
	"$(post_field 'j["path"], j["headers"].get("Lambda-Runtime-Function-Error-Type")' <"$TMP/pysyn.post" | tr -d ",()'")"
mkdir -p "$TMP/nodefail"
printf 'export const handler = async () => { throw new TypeError("bad input"); };\n' >"$TMP/nodefail/app.mjs"
client_post node "$RT/nodejs/bootstrap" app.handler "$TMP/nodefail" >"$TMP/node.post"
is "node client: error posted with Lambda-Runtime-Function-Error-Type: TypeError" "TypeError TypeError" \
	"$(post_field 'j["headers"].get("Lambda-Runtime-Function-Error-Type"), json.loads(j["body"])["errorType"]' <"$TMP/node.post" | tr -d ",()'")"

# ---- the Runtime API's answers, as the emulator's -----------------------------------------
inv rapi
probe() { sed -n "s/^PROBE $1 //p" "$TMP/log"; }
is "Runtime API: a response for an id not the invocation's is 400 InvalidRequestID" 400 "$(probe wrong | cut -d' ' -f1)"
is "Runtime API: the response is 202" 202 "$(probe first | cut -d' ' -f1)"
is "Runtime API: a second response is 403 InvalidStateTransition" \
	'403 {"errorMessage":"State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}' \
	"$(probe second)"
is "Runtime API: an error after the response is 403" 403 "$(probe error | cut -d' ' -f1)"
is "Runtime API: the invoke got the first response" '0 "probe"' "$RC $(cat "$TMP/out.json")"

# ---- log lines as Lambda prints them ------------------------------------------------------
inv logs
check "text: a warm invoke has no INIT_START" bash -c "grep -q '^START' '$TMP/log' && ! grep -q INIT_START '$TMP/log'"
V detach -t "$T" logs >/dev/null 2>&1
inv logs
check "text: INIT_START Runtime Version and its ARN on a cold start" \
	grep -Eq $'^INIT_START Runtime Version: python:3\\.12\\.v[0-9]+\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$' "$TMP/log"
check "text: INIT_START, START, END, REPORT in Lambda's order" python3 -c '
import sys
lines = [l.split(" ")[0].split("\t")[0] for l in open(sys.argv[1]) if l[:1].isupper()]
kinds = [l for l in lines if l in ("INIT_START", "START", "END", "REPORT")]
sys.exit(kinds != ["INIT_START", "START", "END", "REPORT"])' "$TMP/log"
check "text: REPORT fields in Lambda's order, Init Duration last on a cold start" \
	grep -Eq $'^REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms$' "$TMP/log"

inv pyjson
jl() { python3 -c '
import json, sys
recs = []
for line in open(sys.argv[1]):
    try:
        recs.append(json.loads(line))
    except ValueError:
        recs.append({"text": line.rstrip("\n")})
print(json.dumps(recs))' "$TMP/log"; }
jl >"$TMP/recs.json"
rq() { python3 -c "import json,sys; r=json.load(open('$TMP/recs.json')); print($1)"; }
is "JSON: system logs are platform.initStart, platform.start, platform.report (no END)" \
	"platform.initStart platform.start platform.report" \
	"$(rq '" ".join(x["type"] for x in r if "type" in x)')"
is "JSON: platform.report has Lambda's metrics and status" "True success 128" \
	"$(rq '[(set(x["record"]["metrics"]) >= {"durationMs","billedDurationMs","memorySizeMB","maxMemoryUsedMB","initDurationMs"}, x["record"]["status"], x["record"]["metrics"]["memorySizeMB"]) for x in r if x.get("type") == "platform.report"][0]' | tr -d ",()'")"
is "JSON: the application's log record (timestamp, level, message, requestId, extra keys)" \
	"INFO structured 42 o-7 True True" \
	"$(rq '[(x["level"], x["message"], x["orderId"], x["requestId"] == [y["record"]["requestId"] for y in r if y.get("type") == "platform.start"][0], bool(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", x["timestamp"]))) for x in r if x.get("message", "").startswith("structured")][0]' | tr -d ",()'")"
is "JSON: logger.exception carries errorType, errorMessage, stackTrace, location" \
	"ERROR ZeroDivisionError division by zero True" \
	"$(rq '[(x["level"], x["errorType"], x["errorMessage"], "jsonapp.py:handler:" in x["location"]) for x in r if x.get("message") == "it broke"][0]' | tr -d ",()'")"
is "JSON: DEBUG is below application_log_level INFO" 0 "$(grep -c 'debug below the level' "$TMP/log")"
check "JSON: print() output stays as it is" grep -qx 'plain print' "$TMP/log"
inv pyjsonerr
is "JSON, application_log_level ERROR: only the ERROR record of the application" "ERROR" \
	"$(jl | python3 -c 'import json,sys; print(" ".join(x["level"] for x in json.load(sys.stdin) if "level" in x))')"
is "JSON, system_log_level WARN: no platform.start or report of a success" 0 "$(grep -c 'platform\.' "$TMP/log")"
inv nodejson
is "node JSON at WARN: console.log dropped, warn and error as JSON" \
	"WARN:warned 7 ERROR:RangeError" \
	"$(jl | python3 -c 'import json,sys; print(" ".join(x["level"] + ":" + (x.get("errorType") or x["message"]) for x in json.load(sys.stdin) if "level" in x))')"
inv pyjsonfail
is "JSON: a function error is an ERROR record and platform.report status error with the posted type" \
	"ERROR KeyError | error KeyError" \
	"$(jl | python3 -c 'import json,sys
r = json.load(sys.stdin)
e = [x for x in r if x.get("level") == "ERROR"][0]
p = [x["record"] for x in r if x.get("type") == "platform.report"][0]
print(e["level"], e["errorType"], "|", p["status"], p["errorType"])')"
check "vpcsim logs: the JSON records in the log stream" bash -c \
	"'$VPCSIM' logs -t '$T' pyjson | grep -q ' {\"time\":\"[0-9T:.-]*Z\",\"type\":\"platform.report\"'"

python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
t["functions"][-1]["logging_config"] = {"log_format": "Text", "application_log_level": "ERROR"}
json.dump(t, open(sys.argv[2], "w"))' "$F" "$TMP/bad.json"
V validate "$TMP/bad.json" >"$TMP/log" 2>&1
check "validate: levels with Text format are refused, naming the fix" grep -q \
	'logging_config: InvalidParameterValue: Log levels apply to JSON logs only.*set "log_format": "JSON" or remove the levels' "$TMP/log"

# ---- the Invoke API's FunctionName forms (vpcsim serve, the AWS CLI) ----------------------
check "serve -t $T is serving" serve_start
# Signed with the topology's key, as serve requires.
awsl() { (eval "$(V credentials -t "$T")" && timeout 60 aws lambda invoke \
	--endpoint-url "http://127.0.0.1:$PORT" "$@" "$TMP/resp.json") >"$TMP/meta.json" 2>"$TMP/log"; }
executed() { python3 -c "import json,sys; print(json.load(open('$TMP/meta.json')).get('ExecutedVersion'))" 2>/dev/null; }
awsl --function-name arn:aws:lambda:us-east-1:123456789012:function:dynamo
is "Invoke API: a full ARN invokes the function, ExecutedVersion \$LATEST" '$LATEST {"price": 19.90' \
	"$(executed) $(cut -d, -f1 "$TMP/resp.json")"
awsl --function-name 123456789012:function:dynamo
is "Invoke API: a partial ARN" '$LATEST' "$(executed)"
awsl --function-name dynamo --qualifier '$LATEST'
is "Invoke API: Qualifier=\$LATEST" '$LATEST' "$(executed)"
awsl --function-name dynamo --qualifier prod
check "Invoke API: a version or alias (not modelled) is ResourceNotFoundException naming it" grep -q \
	'ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:123456789012:function:dynamo:prod' "$TMP/log"
awsl --function-name dynamo:v1 --qualifier v2
check "Invoke API: a qualifier in the name and another in Qualifier is InvalidParameterValueException" \
	grep -q 'InvalidParameterValueException.*The derived qualifier from the function name does not match the specified qualifier' "$TMP/log"
awsl --function-name arn:aws:lambda:eu-west-1:123456789012:function:dynamo
check "Invoke API: an ARN of another region is ResourceNotFoundException" grep -q ResourceNotFoundException "$TMP/log"
awsl --function-name 'no good!'
check "Invoke API: a malformed name is ValidationException with AWS's pattern" \
	grep -q "ValidationException.*Value 'no good!' at 'functionName' failed to satisfy constraint" "$TMP/log"
# The same forms from boto3, unmodified (botocore's own FunctionName
# encoding and its parse of AWS's errors).
(eval "$(V credentials -t "$T")" && timeout 120 python3 - "$PORT" >"$TMP/boto.json" 2>"$TMP/log" <<'PY'
import json, sys
import boto3
from botocore.exceptions import ClientError
c = boto3.client("lambda", endpoint_url="http://127.0.0.1:%s" % sys.argv[1])
out = {}
for name, kw in [("arn", {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:dynamo"}),
                 ("partial", {"FunctionName": "123456789012:function:dynamo"}),
                 ("latest", {"FunctionName": "dynamo", "Qualifier": "$LATEST"}),
                 ("alias", {"FunctionName": "dynamo:prod"}),
                 ("version", {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:dynamo",
                              "Qualifier": "3"})]:
    try:
        r = c.invoke(**kw)
        out[name] = [r["ExecutedVersion"], json.loads(r["Payload"].read())["price"]]
    except ClientError as e:
        out[name] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
print(json.dumps(out))
PY
)
check "Invoke API from boto3: full and partial ARNs, Qualifier \$LATEST run \$LATEST" python3 -c "
import json; o = json.load(open('$TMP/boto.json'))
for k in ('arn', 'partial', 'latest'):
    assert o[k] == ['\$LATEST', 19.9], (k, o[k])"
check "Invoke API from boto3: an alias or a version is ResourceNotFoundException, AWS's text" python3 -c "
import json; o = json.load(open('$TMP/boto.json'))
assert o['alias'] == ['ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:dynamo:prod'], o['alias']
assert o['version'] == ['ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:dynamo:3'], o['version']"
kill "$SERVE"
wait "$SERVE" 2>/dev/null

check "down $T" V down "$T"
