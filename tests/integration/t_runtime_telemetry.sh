#!/bin/bash
# The Telemetry API's delivery, as Lambda and AWS's emulator make it: a
# TCP destination ({"protocol":"TCP","port":N}) gets the records as NDJSON;
# a listener that fails a POST gets the batch again (TCP and HTTP: up to 3
# tries); a batch it keeps refusing is dropped and a platform.logsDropped
# record says how many records and bytes were lost; buffering outside
# Lambda's bounds and unknown protocols are refused with 400
# ValidationError. The listeners are the extension's own (Python), the
# handler reads what they received.
. "$(dirname "$0")/lib.sh"
plan 12
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_tel" "$TMP/runtime_tel"
topo_copy "$ROOT/tests/integration/data/runtime_tel.json" "$T"

check "up $T" V up "$F"
inv tcp --payload '{"op": "read", "want": "platform.initStart"}'
ID1=$(last_request_id)
# wait for the first invoke's runtimeDone (its requestId, then status)
inv tcp --payload "{\"op\": \"read\", \"want\": \"$ID1\\\", \\\"status\"}"
check "TCP: the listener got the init's records as NDJSON lines" jassert '
assert any(r["type"] == "platform.initStart" for r in j["records"]), j["records"]'
check "TCP: and the first invoke's platform.runtimeDone" jassert "
assert any(r['type'] == 'platform.runtimeDone' and r['record']['requestId'] == '$ID1' for r in j['records']), j['records']"
is "TCP: subscribe with a port answers 200 \"OK\"" '[200, "\"OK\""]' "$(field 'json.dumps(j["api"]["subscribe"])')"
check "buffering.maxItems 10: 400 ValidationError (1,000-10,000)" jassert '
st, body = j["api"]["few_items"]
assert st == 400 and json.loads(body)["errorType"] == "ValidationError" and "maxItems" in body, (st, body)'
check "buffering.timeoutMs 30001: 400 ValidationError (25-30,000)" jassert '
st, body = j["api"]["big_timeout"]
assert st == 400 and "timeoutMs" in body, (st, body)'
check "protocol UDP: 400; TCP on port 9001 (the Runtime API's): 400" jassert '
assert j["api"]["udp"][0] == 400 and "HTTP or TCP" in j["api"]["udp"][1], j["api"]["udp"]
assert j["api"]["tcp_port_9001"][0] == 400, j["api"]["tcp_port_9001"]'

inv flaky --payload '{"op": "read", "want": "platform.initStart"}'
check "HTTP: the first POST refused, the batch sent again and taken (the init's records)" jassert '
assert j["refused"] >= 1, j["refused"]
assert any(r["type"] == "platform.initStart" for r in j["records"]), j["records"]'
inv flaky --payload '{"op": "refuse"}'
inv flaky --payload '{"op": "accept"}'
inv flaky --payload '{"op": "read", "want": "platform.logsDropped"}'
check "a batch refused 3 times is dropped: platform.logsDropped with its records and bytes" jassert '
d = [r["record"] for r in j["records"] if r["type"] == "platform.logsDropped"]
assert d and d[0]["droppedRecords"] >= 1 and d[0]["droppedBytes"] > 0, d
assert "could not send events" in d[0]["reason"], d'
check "the refused line never reached the listener" jassert '
assert not any(r["type"] == "function" and "the listener refuses" in r["record"] for r in j["records"]), j["records"]'
check "the lines after it did" jassert '
assert any(r["type"] == "function" and "takes lines again" in r["record"] for r in j["records"]), j["records"]'
check "down $T" V down "$T"
