#!/bin/bash
# A hostile second reading of serve's concurrency (issue 22), each check a
# defect it found (docs/RUNTIME.md "Reviewed: what a second reading found"):
#  - unreserved concurrency: functions without reserved_concurrency share
#    the account's concurrency_limit less every reservation, as on Lambda
#    ("no other function can use that concurrency"); before, they could
#    take a reserved function's share and throttle it;
#  - the Invoke API's error bodies are JSON whatever the message holds
#    (ValidationException quotes AWS's pattern, with its backslashes, and
#    the name as sent); before, serve printed them unescaped;
#  - `detach` removes only environments no invoke holds, deciding under
#    each one's own lock: before, it trusted a listing made earlier, and an
#    environment an invoke took meanwhile (serve takes them without the
#    topology lock) was torn down under that invoke;
#  - every answer has x-amzn-RequestId (botocore's RequestId), an invoke's
#    its own RequestId; before, only an Event invoke's 202 had one;
#  - X-Amz-Invocation-Type and X-Amz-Log-Type outside their enums are 400,
#    as Lambda answers (and the AWS zone did); before, serve ran the
#    function as a RequestResponse;
#  - `down` asks every environment's supervisor for its shutdown phase;
#    before, the first 256 only.
# Requests are signed with `vpcsim credentials` (curl --aws-sigv4).
. "$(dirname "$0")/lib.sh"
plan 15
topo_data serve_review serve_conc

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start

# ---- unreserved concurrency: 4 in the account, 2 reserved by res ------------
PIDS=()
for i in 1 2; do serve_req free '{"s":20}' "$TMP/f$i" & PIDS+=($!); done
wait_busy free 2
serve_req free '{"s":0}' "$TMP/f3"
is "unreserved pool (concurrency_limit 4 less res's 2): a third concurrent free is 429" \
	429 "$(cat "$TMP/f3.code")"
check "... Reason ConcurrentInvocationLimitExceeded, AWS's body" bash -c \
	"grep -qi '^x-amzn-ErrorType: TooManyRequestsException' '$TMP/f3.h' && python3 -c \"import json,sys; j=json.load(open('$TMP/f3')); sys.exit(0 if j == {'Reason': 'ConcurrentInvocationLimitExceeded', 'Type': 'User', 'message': 'Rate Exceeded.'} else 1)\""
R=()
for i in 1 2; do serve_req res '{"s":0}' "$TMP/r$i" & R+=($!); done
wait "${R[@]}"
is "res's 2 reserved run beside them" "200 200" "$(cat "$TMP/r1.code") $(cat "$TMP/r2.code")"
wait "${PIDS[@]}"

# ---- x-amzn-RequestId, as every answer of Lambda's --------------------------
rid() { sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: *//p' "$1" | tr -d '\r'; }
report_id() { sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' "$1" | tr -d '\r' | base64 -d | sed -n 's/^REPORT RequestId: \([0-9a-f-]*\).*/\1/p'; }
check "a 200's x-amzn-RequestId is the invoke's own (its REPORT's RequestId)" \
	bash -c "[ -n \"\$1\" ] && [ \"\$1\" = \"\$2\" ]" _ "$(rid "$TMP/r1.h")" "$(report_id "$TMP/r1.h")"
check "a 429 has one too" grep -Eqi '^x-amzn-RequestId: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' "$TMP/f3.h"

# ---- error bodies are JSON --------------------------------------------------
# botocore reads the message out of the body; one it cannot parse it shows
# whole, as the message.
AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET /usr/bin/aws --endpoint-url "http://127.0.0.1:$PORT" \
	--region us-east-1 lambda invoke --function-name 'bad"name\!' "$TMP/cli.out" >"$TMP/cli.log" 2>&1
check "the AWS CLI parses a ValidationException (a name with a quote and a backslash): AWS's message" \
	grep -qF "(ValidationException) when calling the Invoke operation: 1 validation error detected: Value 'bad\"name\\!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?" "$TMP/cli.log"
# Unsigned: what the header says comes back in the message, as on AWS.
curl -s -o "$TMP/inc" -w '%{http_code}' -H 'Authorization: AWS4-HMAC-SHA256 Credential=a"b\c, SignedHeaders=host, Signature=x' \
	-d '{}' "$(serve_url free)" >"$TMP/inc.code"
cat >"$TMP/inc.py" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ok = open(sys.argv[2]).read() == "403" and j["__type"] == "IncompleteSignatureException"
sys.exit(0 if ok and "got 'a\"b\\c'" in j["message"] else 1)
PY
check "a Credential with a quote and a backslash: 403 IncompleteSignatureException, JSON with it in the message" \
	/usr/bin/python3 "$TMP/inc.py" "$TMP/inc" "$TMP/inc.code"

# ---- header values outside their enums are refused, as Lambda does ---------
serve_req res '{"s":0}' "$TMP/bogus" -H 'X-Amz-Invocation-Type: Bogus'
curl -s -o "$TMP/bogus-log" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" \
	-H 'X-Amz-Log-Type: Everything' -d '{"s":0}' "$(serve_url res)" >"$TMP/bogus-log.code" # (serve_req asks for Tail)
check "X-Amz-Invocation-Type Bogus, X-Amz-Log-Type Everything: 400 InvalidParameterValueException naming the enum" bash -c \
	"[ \"\$(cat '$TMP/bogus.code') \$(cat '$TMP/bogus-log.code')\" = '400 400' ] && grep -q 'enum value set: \[Event, RequestResponse, DryRun\]' '$TMP/bogus' && grep -q 'enum value set: \[None, Tail\]' '$TMP/bogus-log' && grep -qi '^x-amzn-ErrorType: InvalidParameterValueException' '$TMP/bogus.h'"

# ---- detach decides under each environment's lock ----------------------------
for _ in 1 2 3; do V attach -t "$T" att >/dev/null 2>&1; done
E=/run/vpcsim/$T/envs
check "3 environments of att attached" test -d "$E/att-3" -a -d "$E/att-1"
# A stand-in for att-3's supervisor: detach asks it to stop (its first
# removal); while it waits, an invoke takes att-1, which detach listed
# idle: here the stand-in itself takes att-1's lock (flock, as an invoke
# does) before it answers the stop, and holds it until killed. (A flock
# started by the test after the question came had the stand-in's 1.5 s
# to start in: a loaded machine can outlast any such pause.)
/usr/bin/python3 - "$E/att-3/supervisor.sock" "$TMP/asked" "$E/att-1/lock" <<'PY' &
import fcntl, os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(60)
c, _ = s.accept()
lock = os.open(sys.argv[3], os.O_RDWR)
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
c.close()
time.sleep(60)
PY
STANDIN=$!
for _ in $(seq 50); do [ -S "$E/att-3/supervisor.sock" ] && break; sleep 0.1; done
V detach -t "$T" --all att >"$TMP/detach" 2>&1
check "detach asked att-3's supervisor to stop while att-1 was idle" test -e "$TMP/asked"
check "att-1, taken after detach listed it, is left: its lock holder keeps it" \
	test -d "$E/att-1" -a -e "/run/netns/vpcsim-$T.env.att-1"
check "... and detach says so (1 busy left running; att-2 and att-3 detached)" bash -c \
	"grep -q '^1 busy environment of att left running' '$TMP/detach' && grep -q '^detached att-2' '$TMP/detach' && grep -q '^detached att-3' '$TMP/detach' && ! grep -q '^detached att-1' '$TMP/detach'"
kill "$STANDIN" 2>/dev/null
wait "$STANDIN" 2>/dev/null

kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null || true

# ---- down asks every environment's supervisor for its shutdown --------------
# 300 stand-ins (one process, a socket each where a supervisor listens):
# down's first step asked 256 of them, and the others' extensions never
# got SHUTDOWN.
cat >"$TMP/many.py" <<'PY'
import os, select, signal, socket, sys, time
envs, out = sys.argv[1], sys.argv[2]
asked = 0
def done(*_):
    open(out, "w").write(str(asked))
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
socks = []
for i in range(1, 301):
    d = f"{envs}/zz-{i}"
    os.mkdir(d, 0o700)
    s = socket.socket(socket.AF_UNIX)
    s.bind(f"{d}/supervisor.sock")
    s.listen(1)
    socks.append(s)
open(out + ".ready", "w").close()
until = time.time() + 120
while socks and time.time() < until:
    for s in select.select(socks, [], [], 1)[0]:
        c, _ = s.accept()
        c.settimeout(5)
        asked += c.recv(2) == b"S\n"
        c.close()
        socks.remove(s)
        s.close()
done()
PY
/usr/bin/python3 "$TMP/many.py" "/run/vpcsim/$T/envs" "$TMP/asked-many" &
MANY=$!
for _ in $(seq 100); do [ -e "$TMP/asked-many.ready" ] && break; sleep 0.1; done
V down "$T" >/dev/null 2>&1
kill "$MANY" 2>/dev/null # it ends by itself once each was asked; else it says how many were
wait "$MANY" 2>/dev/null
is "down with 300 environments: each one's supervisor was asked to stop" 300 "$(cat "$TMP/asked-many" 2>/dev/null)"
