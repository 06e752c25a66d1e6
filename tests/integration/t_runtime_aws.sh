#!/bin/bash
# The runtime as AWS's: the bundled clients behave as AWS's runtime
# interface clients (logging, Decimal, context objects, error types and the
# error-type header, init errors), and the Runtime API answers with the
# emulator's status codes and texts.
. "$(dirname "$0")/lib.sh"
plan 26
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_aws" "$TMP/runtime_aws"
topo_copy "$ROOT/tests/integration/data/runtime_aws.json" "$T"
RT=${VPCSIM_RUNTIMES_DIR:-$ROOT/runtimes}
V() { "$VPCSIM" "$@"; }
# inv FN [args]: stdout to $TMP/out.json, stderr to $TMP/log, exit code in $RC
inv() {
	local fn=$1
	shift
	V invoke -t "$T" "$fn" "$@" >"$TMP/out.json" 2>"$TMP/log"
	RC=$?
}
field() { python3 -c "import json,sys; j=json.load(open('$TMP/out.json')); print($1)"; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; sed 's/^/    /' "$TMP/log"; fi; }

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

check "down $T" V down "$T"
