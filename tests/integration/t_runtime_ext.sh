#!/bin/bash
# Extensions and the Telemetry API, as Lambda: executables of /opt/extensions
# (from a layer) start before the runtime, which waits for their
# registration; the init ends when every extension has called event/next;
# each invoke hands them an INVOKE event and lasts until they call
# event/next again; `detach` and the idle reclaim (as `down`) run the
# shutdown phase, SHUTDOWN to each. A bash+curl extension as AWS's example
# writes one, and a Python extension with its own HTTP listener subscribed
# to the Telemetry API, which writes what it receives where the handler
# reads it. The Logs API answers as AWS's emulator does.
. "$(dirname "$0")/lib.sh"
plan 25
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_ext" "$TMP/runtime_ext"
topo_copy "$ROOT/tests/integration/data/runtime_ext.json" "$T"

check "up $T" V up "$F"
inv bashext
ID1=$(last_request_id)
DUR1=$(grep -o "Duration: [0-9.]* ms" "$TMP/log" | head -1 | awk '{print $2}')
is "bash extension: registered before the runtime's init ran" True "$(field 'j["registered_before_init"]')"
is "bash extension: the init waited for its first event/next" True "$(field 'j["ready_before_invoke"]')"
is "register answers the function's name, version and handler" \
	'{"functionName":"bashext","functionVersion":"$LATEST","handler":"app.handler"}' "$(field 'j["register"]')"
check "the extension has Lambda's variables, not _HANDLER or LAMBDA_TASK_ROOT" jassert '
env = dict(l.split("=", 1) for l in j["ext_env"])
assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001" and env["AWS_LAMBDA_FUNCTION_NAME"] == "bashext", env
assert "_HANDLER" not in env and "LAMBDA_TASK_ROOT" not in env and "AWS_LAMBDA_LOG_STREAM_NAME" not in env, env'
check "the log has Lambda's EXTENSION line" grep -q "EXTENSION	Name: bash-ext	State: Ready	Events: \[INVOKE,SHUTDOWN\]" "$TMP/log"
check "the invoke lasted until the extension's next event/next (Duration >= its 400 ms of work)" \
	python3 -c "import sys; sys.exit(not float('$DUR1') >= 400)"
inv bashext
check "the extension got the first invoke's INVOKE event, as Lambda's" jassert "
e = [json.loads(l) for l in j['events'] if '$ID1' in l][0]
assert e['eventType'] == 'INVOKE' and e['requestId'] == '$ID1', e
assert e['invokedFunctionArn'].endswith(':function:bashext') and e['tracing']['type'] == 'X-Amzn-Trace-Id', e
assert e['deadlineMs'] > 1.7e12, e"
check "its output is in the function's log" grep -q "\[bash-ext\] PROCESSING COMPLETE" "$TMP/log"
check "detach: the shutdown phase" V detach -t "$T" bashext
V logs -t "$T" bashext >"$TMP/logs" 2>&1
check "the extension got SHUTDOWN, reason spindown, with a deadline" \
	grep -q 'Received SHUTDOWN event: {"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":[0-9]*}' "$TMP/logs"
# The idle reclaim runs the same shutdown phase: a new environment that
# may idle 2 s, then its log until the second SHUTDOWN shows up.
VPCSIM_ENV_IDLE_S=2 V invoke -t "$T" bashext >/dev/null 2>&1
for _ in $(seq 60); do
	[ "$(V logs -t "$T" bashext 2>/dev/null | grep -c '"shutdownReason":"spindown"')" -ge 2 ] && break
	sleep 0.5
done
check "idle reclaim: the extension got SHUTDOWN spindown too" \
	test "$(V logs -t "$T" bashext 2>/dev/null | grep -c '"shutdownReason":"spindown"')" -ge 2

# Telemetry API
inv telext --payload '{"n": 1}'
ID1=$(last_request_id)
inv telext --payload '{"n": 2}'
is "telemetry: subscribe answers 200 \"OK\"" '[200, "\"OK\""]' "$(field 'json.dumps(j["api"]["subscribe"])')"
check "telemetry: empty types are refused with 400" jassert '
st, body = j["api"]["subscribe_no_types"]
assert st == 400 and "types should not be empty" in body, (st, body)'
check "Logs API: 202 Logs.NotSupported, as AWS's emulator answers" jassert '
st, body = j["api"]["logs"]
assert st == 202 and json.loads(body) == {"errorMessage": "Logs API is not supported", "errorType": "Logs.NotSupported"}, (st, body)'
check "event/next without an identifier: 403 Extension.MissingExtensionIdentifier" jassert '
st, body = j["api"]["next_without_id"]
assert st == 403 and json.loads(body)["errorType"] == "Extension.MissingExtensionIdentifier", (st, body)'
check "the listener got platform.initStart" jassert 'assert any(r["type"] == "platform.initStart" for r in j["records"])'
check "the listener got platform.start of the first invoke" jassert "assert any(r['type'] == 'platform.start' and r['record']['requestId'] == '$ID1' for r in j['records'])"
check "the listener got the handler's log line as a function record" \
	jassert 'assert any(r["type"] == "function" and "hello from handler 1" in r["record"] for r in j["records"]), [r for r in j["records"] if r["type"] == "function"]'
check "the listener got platform.runtimeDone (success) of the first invoke" jassert "assert any(r['type'] == 'platform.runtimeDone' and r['record']['requestId'] == '$ID1' and r['record']['status'] == 'success' for r in j['records'])"
check "the listener got platform.report of the first invoke, with its metrics" jassert "assert any(r['type'] == 'platform.report' and r['record']['requestId'] == '$ID1' and r['record']['metrics']['billedDurationMs'] >= 1 for r in j['records'])"
check "no extension records (not subscribed to them)" jassert 'assert not any(r["type"] == "extension" for r in j["records"])'

# Init Duration without and with an extension: the 0.6 s the bash
# extension sleeps before its first event/next is inside it.
inv plain
INIT0=$(grep -o "Init Duration: [0-9.]*" "$TMP/log" | awk '{print $3}')
check "Init Duration with the extension includes its registration and first next (>= its 600 ms of sleep)" \
	python3 -c "import sys; sys.exit(not float('$(grep -o "Init Duration: [0-9.]*" "$TMP/logs" | head -1 | awk '{print $3}')') >= 600)"
check "Init Duration without extensions: $INIT0 ms" test -n "$INIT0"
check "down $T (telext gets its SHUTDOWN)" V down "$T"
