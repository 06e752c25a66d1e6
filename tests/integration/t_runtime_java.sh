#!/bin/bash
# The java17 runtime: vpcsim's bundled Java client (runtimes/java) on the
# machine's OpenJDK 17 with Debian's Jackson. Handlers compiled here with
# javac against the client's jar (AWS's interfaces under AWS's package
# names: com.amazonaws.services.lambda.runtime), packaged as AWS's layout
# has it (classes at the root, lib/*.jar) in a zip and as one jar:
# a RequestHandler POJO (input, output, null fields left out, warm state),
# a RequestStreamHandler, a static package.Class::method, an exception
# (AWS's error body, its class as errorType, Runtime.UserException), a
# class not found (AWS's text, Runtime.BadFunctionCode), a constructor that
# throws (an init error), a timeout, the Context's fields, the context
# logger, LambdaRuntime.getLogger(), System.out/err, JSON logs with a
# level, and the same through `vpcsim serve` with the AWS CLI.
. "$(dirname "$0")/lib.sh"
plan 40
T=$(unique_name)
D="$ROOT/tests/integration/data/runtime_java"
JAR="$ROOT/runtimes/java/lib/vpcsim-lambda-java.jar"
topo_copy "$D/topology.json" "$T"

# ---- the code: compiled against the client's jar, zipped and jarred --------------
mkdir -p "$TMP/lib.c" "$TMP/code/lib" "$TMP/fat"
check "javac: the library compiles" javac --release 17 -d "$TMP/lib.c" "$D"/lib/greetlib/*.java
(cd "$TMP/lib.c" && jar --create --file "$TMP/code/lib/greetlib.jar" .)
check "javac: the handlers compile against AWS's interfaces (the client's jar)" \
	javac --release 17 -cp "$JAR:$TMP/code/lib/greetlib.jar" -d "$TMP/code" "$D"/src/example/*.java
(cd "$TMP/code" && zip -qr "$TMP/java.zip" .)
cp -r "$TMP/code/example" "$TMP/lib.c/greetlib" "$TMP/fat/"
(cd "$TMP/fat" && jar --create --file "$TMP/java.jar" .)
check "up $T (nine java17 functions)" V up "$F"

# ---- a POJO RequestHandler ----------------------------------------------------
inv greet --payload '{"name": "Ada", "pauseMs": 300, "extra": "ignored"}'
is "POJO: exit 0" 0 "$RC"
is "POJO: the result object, through lib/greetlib.jar" "Hello, Ada!" "$(field 'j["greeting"]')"
is "POJO: a null field is left out of the JSON, as AWS's serializer does" False "$(field '"unset" in j')"
id=$(sed -n 's/^START RequestId: \([^ ]*\) .*/\1/p' "$TMP/log")
is "Context: getAwsRequestId is the invoke's RequestId" "$id" "$(field 'j["requestId"]')"
is "Context: getMemoryLimitInMB, getFunctionName, getLogGroupName" "1024 greet /aws/lambda/greet" \
	"$(field '"%s %s %s" % (j["memoryMb"], j["functionName"], j["logGroup"])')"
check "Context: getRemainingTimeInMillis at most the 10 s timeout, and 300 ms later lower" \
	python3 -c "import json; j=json.load(open('$TMP/out.json')); assert 0 < j['remainingAfter'] <= j['remainingBefore'] - 250 and j['remainingBefore'] <= 10000, j"
check "logs: the context logger's line as it was logged" grep -qx 'context logger: hello Ada' "$TMP/log"
check "logs: a level in Text is '[WARN] ', one event (its line break as \\r)" \
	grep -q $'^\[WARN\] line one\rline two$' "$TMP/log"
check "logs: System.out and System.err lines" bash -c \
	"grep -qx 'System.out: hello Ada' '$TMP/log' && grep -qx 'System.err: hello Ada' '$TMP/log'"
check "logs: INIT_START names the runtime version java:17" grep -q '^INIT_START Runtime Version: java:17.v1' "$TMP/log"
is "JAVA_TOOL_OPTIONS (the function's variable) reaches the JVM; AWS_EXECUTION_ENV" \
	"picked AWS_Lambda_java17 1" \
	"$(field 'j["toolOption"] + " " + j["executionEnv"]') $(grep -c '^Picked up JAVA_TOOL_OPTIONS: -Dexample.flag=picked' "$TMP/log")"
inv greet --payload '{"name": "Bo"}'
is "POJO: warm: the second invoke finds the class's state (no Init Duration)" "2 0" \
	"$(field 'j["invokes"]') $(grep -c 'Init Duration' "$TMP/log")"

# ---- the code as one jar, the handler as Class::handleRequest -----------------
inv greetjar --payload '{"name": "Jar"}'
is "jar package: package.Class::handleRequest answers" "0 Hello, Jar!" "$RC $(field 'j["greeting"]')"

# ---- RequestStreamHandler, a static method -------------------------------------
inv echo --payload '{"n": [1, 2]}'
is "RequestStreamHandler: the bytes it wrote are the response" '{"n": [1, 2]}' \
	"$(field 'json.dumps(j["echo"])')"
inv shout --payload '{"word": "quiet"}'
is "static Class::method with a Map event: its Map result" "quiet QUIET" "$(field 'j["word"] + " " + j["shouted"]')"
check "LambdaRuntime.getLogger() logs" grep -qx 'LambdaRuntime logger works too' "$TMP/log"

# ---- an exception -----------------------------------------------------------------
inv fail --payload '{"order": 7}'
is "exception: exit 1 (a function error)" 1 "$RC"
is "exception: errorType is the class's full name, errorMessage its message" \
	"java.lang.IllegalStateException|order 7 cannot ship" "$(field 'j["errorType"] + "|" + j["errorMessage"]')"
check "exception: stackTrace names the handler's frame, not the client's" python3 -c \
	"import json; t=json.load(open('$TMP/out.json'))['stackTrace']; assert t[0].startswith('example.Handlers.fail(Handlers.java:'), t; assert not any('vpcsim.lambda' in f for f in t), t"
check "exception: logged as 'MESSAGE: TYPE' with its trace and cause" bash -c \
	"grep -q '^order 7 cannot ship: java.lang.IllegalStateException' '$TMP/log' && grep -q 'Caused by: java.lang.ArithmeticException: inner cause' '$TMP/log'"
check "exception: REPORT is a success's (a function error does not reset the environment)" \
	bash -c "grep -q '^REPORT RequestId' '$TMP/log' && ! grep -q 'Status: error' '$TMP/log'"

# ---- a class not found, an init error, a timeout ------------------------------------
inv missing
is "class not found: AWS's text and ClassNotFoundException" \
	"1 java.lang.ClassNotFoundException|Class not found: example.Missing|False" \
	"$RC $(field 'j["errorType"] + "|" + j["errorMessage"] + "|" + str("stackTrace" in j)')"
inv badinit
is "constructor throws: the init fails with its exception" \
	"1 java.lang.IllegalArgumentException|missing TABLE_NAME" "$RC $(field 'j.get("errorType","") + "|" + j.get("errorMessage","")')"
check "constructor throws: INIT_REPORT with Runtime.BadFunctionCode" \
	grep -q 'INIT_REPORT .*Status: error.*Error Type: Runtime.BadFunctionCode' "$TMP/log"
inv slow
is "timeout: exit 1" 1 "$RC"
check "timeout: 'Task timed out after 3.00 seconds' and REPORT Status: timeout" bash -c \
	"grep -q 'Task timed out after 3.00 seconds' '$TMP/out.json' '$TMP/log' && grep -q 'Status: timeout' '$TMP/log'"
inv slow
check "timeout: the next invoke runs again (a new runtime)" grep -q 'sleeping past the timeout' "$TMP/log"

# ---- JSON logs ------------------------------------------------------------------------
inv jsonlog --payload '{"name": "J"}'
check "JSON logs: the context logger's WARN call is AWS's object, the DEBUG one dropped" python3 -c "
import json, sys
recs = [json.loads(l) for l in open('$TMP/log') if l.startswith('{\"timestamp\"')]
warn = [r for r in recs if r.get('level') == 'WARN']
assert warn and list(warn[0]) == ['timestamp', 'message', 'level', 'AWSRequestId'], recs
assert warn[0]['message'] == 'line one\nline two', warn
assert not any('dropped' in r['message'] for r in recs), recs
"

# ---- through serve, with the AWS CLI ---------------------------------------------------
if command -v aws >/dev/null 2>&1; then
	check "serve -t $T is serving" serve_start
	awsl() { (eval "$(V credentials -t "$T")" &&
		timeout 60 aws lambda invoke --endpoint-url "http://127.0.0.1:$PORT" "$@"); }
	awsl --function-name greet --payload '{"name": "Cli"}' \
		"$TMP/resp.json" >"$TMP/meta.json" 2>"$TMP/log"
	check "serve: aws lambda invoke gets the POJO's result" grep -q '"greeting":"Hello, Cli!"' "$TMP/resp.json"
	awsl --function-name fail --payload '{"order": 9}' \
		"$TMP/resp.json" >"$TMP/meta.json" 2>"$TMP/log"
	check "serve: an exception is FunctionError Unhandled with the Java error body" bash -c \
		"grep -q '\"FunctionError\": \"Unhandled\"' '$TMP/meta.json' && grep -q '\"errorType\":\"java.lang.IllegalStateException\"' '$TMP/resp.json'"
	kill "$SERVE"
	wait "$SERVE" 2>/dev/null
else
	for what in "is serving" "the POJO's result" "an exception"; do
		skip "serve: $what" "the AWS CLI is not installed"
	done
fi

# ---- examples/java: its build script, its VPC, a real invoke ---------------------------
cp -r "$ROOT/examples/java" "$TMP/example"
rm -rf "$TMP/example/build"
check "examples/java/build.sh builds orders.zip" "$TMP/example/build.sh" "$ROOT/runtimes"
mkdir -p "$TMP/build" && cp "$TMP/example/build/orders.zip" "$TMP/build/"
E=$(unique_name)
topo_copy "$TMP/example/java.json" "$E"
check "up examples/java/java.json (as $E)" V up "$F"
V invoke -t "$E" orders --payload '{"order": 7, "lines": [{"sku": "a", "quantity": 2, "price": 9.95}]}' \
	>"$TMP/out.json" 2>"$TMP/log"
is "examples/java: the receipt (BigDecimal total), the database open, the internet not" \
	'7 open timeout "total":19.90' \
	"$(field '"%s %s %s" % (j["order"], j["db"], j["internet"])') $(grep -o '"total":[0-9.]*' "$TMP/out.json")"
check "down $E" V down "$E"

check "logs: vpcsim logs shows the Java function's stream" bash -c \
	"'$VPCSIM' logs -t '$T' greet | grep -q 'context logger: hello Ada'"
check "down $T" V down "$T"
