#!/bin/bash
# The event service (docs/EVENTS.md): asynchronous invokes with Lambda's
# retries from the command line and from serve (the AWS CLI), the queue on
# disk surviving the service's crash, throttles queued and not lost,
# schedules by their own clock and by `events fire`, the topology keys'
# checks, and nothing left after down.
. "$(dirname "$0")/lib.sh"
plan 24
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/events" "$TMP/events"
topo_copy "$ROOT/tests/integration/data/events.json" "$T"
LOG=/run/vpcsim/$T/logs/events.log
svc() { # KEY: the event service's field in status --json
	V status "$T" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_service"][sys.argv[1]])' "$1"
}
wait_log() { # RE [SECONDS]: wait until events.log has a line matching RE
	for _ in $(seq $((${2:-120} * 5))); do grep -qE "$1" "$LOG" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}
poll() { # CMD...: true within 120 s
	for _ in $(seq 240); do "$@" && return 0; sleep 0.5; done
	return 1
}
rid() { sed -n 's/.*"RequestId": "\([^"]*\)".*/\1/p' "$1"; }

# -- the keys' checks --
bad() { # WHAT JSON-FUNCTION-EVENTS EXPECTED-TEXT
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["functions"][0]["events"]=json.loads(sys.argv[2]); json.dump(t, open(sys.argv[3], "w"))' \
		"$F" "$2" "$TMP/bad.json"
	V validate "$TMP/bad.json" >"$TMP/v.out" 2>&1
	check "validate refuses $1" grep -q "$3" "$TMP/v.out"
}
bad "rate(5 minute)" '[{"type":"schedule","expression":"rate(5 minute)"}]' "ValidationException: Parameter ScheduleExpression is not valid"
bad "a cron of five fields" '[{"type":"schedule","expression":"cron(0 12 * * ?)"}]' "six fields"
bad "a bucket not in aws.s3.buckets" '[{"type":"s3","bucket":"nope","events":["s3:ObjectCreated:*"]}]' "NoSuchBucket"
bad "an S3 event S3 does not notify" '[{"type":"s3","bucket":"nope","events":["s3:ObjectCreated:Get"]}]' "The event is not supported for notifications"

# -- up: the service runs --
check "up $T (retry minute: 1 s)" env VPCSIM_ASYNC_MINUTE_MS=1000 "$VPCSIM" up "$F"
check "status shows the event service running" test "$(svc state)" = running
check "status counts two schedules" test "$(svc schedules)" = 2

# -- an Event invoke from the command line --
V invoke -t "$T" work --invocation-type Event --payload '{"n":1}' >"$TMP/a.out"
check "invoke --invocation-type Event answers StatusCode 202" grep -q '"StatusCode": 202' "$TMP/a.out"
A=$(rid "$TMP/a.out")
check "the event is delivered to the function" wait_log "$A work delivered source=invoke attempt=1"

# -- a function error: one retry (maximum_retry_attempts 1), then the record --
V invoke -t "$T" work --invocation-type Event --payload '{"fail":1}' >"$TMP/b.out"
B=$(rid "$TMP/b.out")
check "a failing event is retried after the (shortened) minute" wait_log "$B work failed source=invoke attempt=2"
# The service logs that failure, then writes the record, then logs given-up.
wait_log "$B work given-up " 30
check "then given up: Lambda's invocation record, RetriesExhausted, 2 invokes" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["requestContext"]; assert c["condition"]=="RetriesExhausted" and c["approximateInvokeCount"]==2 and r["requestPayload"]=={"fail":1} and r["responsePayload"]["errorMessage"]=="asked to fail", r' \
	"/run/vpcsim/$T/events/failed/$B.json"

# -- the 1 MB limit --
head -c 1100000 /dev/zero | tr '\0' 'a' | sed 's/.*/"&"/' >"$TMP/big.json"
V invoke -t "$T" work --invocation-type Event --payload-file "$TMP/big.json" >/dev/null 2>"$TMP/big.err"
check "an event over 1 MB is refused with Lambda's message" grep -q "RequestEntityTooLargeException: 1100002 byte payload is too large for the Event invocation type (limit 1048576 bytes)" "$TMP/big.err"

# -- throttles are queued, not lost (reserved_concurrency 1, three slow events) --
for i in 1 2 3; do V invoke -t "$T" once --invocation-type Event --payload '{"sleep":2}' >"$TMP/t$i.out"; done
for i in 1 2 3; do wait_log "$(rid "$TMP/t$i.out") once delivered" 180 || break; done
check "three events of a function limited to one at a time are all delivered" \
	test "$(grep -c ' once delivered' "$LOG")" = 3
check "and the ones that found it busy were throttled and queued again" grep -q ' once throttled' "$LOG"

# -- the worker's crash: reported, restarted, and the queue kept --
W=$(svc pid)
WORKER=$(sed -n 's/^worker //p' "/run/vpcsim/$T/events/service")
kill -STOP "$WORKER"
V invoke -t "$T" work --invocation-type Event --payload '{"n":"after-crash"}' >"$TMP/c.out"
kill -KILL "$WORKER"
C=$(rid "$TMP/c.out")
check "an event queued while the worker died is delivered by the new worker" wait_log "$C work delivered"
check "status reports the restart and the crash" test "$(svc restarts)" = 1 -a "$(svc last_crash)" = "killed by signal 9 (Killed)"
check "the keeper is the same process" test "$(svc pid)" = "$W"

# -- serve: X-Amz-Invocation-Type Event through the AWS CLI --
check "serve -t $T is serving" serve_start
(eval "$(V credentials -t "$T")"; AWS_DEFAULT_REGION=us-east-1 aws lambda invoke --endpoint-url "http://127.0.0.1:$PORT" \
	--function-name work --invocation-type Event \
	--payload '{"via":"serve"}' "$TMP/serve.json") >"$TMP/cli.out" 2>&1
check "aws lambda invoke --invocation-type Event through serve: StatusCode 202" grep -q '"StatusCode": 202' "$TMP/cli.out"
[ -s "$TMP/cli.out" ] && sed 's/^/    /' "$TMP/cli.out" | grep -v StatusCode
got_serve() { V logs -t "$T" work 2>&1 | grep -q '"via": "serve"'; }
check "and the function gets it" poll got_serve
kill "$SERVE"; wait "$SERVE" 2>/dev/null

# -- schedules: events fire, and rate(1 minute) by its own clock --
V events fire -t "$T" tick --index 1 >"$TMP/f.out"
check "events fire tick --index 1 queues a scheduled event" wait_log "$(rid "$TMP/f.out") tick delivered source=schedule"
check "rate(1 minute) fires by itself within two minutes" wait_log 'tick scheduled rate\(1 minute\)' 150
V logs -t "$T" tick >"$TMP/tick.log" 2>&1
check "the function got EventBridge's scheduled event" grep -q '"detail-type": "Scheduled Event".*"source": "aws.events"' "$TMP/tick.log"

check "down $T" V down "$T"
