#!/bin/bash
# The AWS zone's Invoke API (lambda.REGION.amazonaws.com) serves with
# serve's machinery (issue 22, lambda/invoke_pool.h): the invoker is one
# process (no process per request) whose workers run invokes at once, each
# in an environment of its own, warm ones reused; 429
# TooManyRequestsException with AWS's Reason past the account's
# concurrency_limit or the function's reserved_concurrency; an Event
# invoke queued for the event service and retried by Lambda's async rules
# (a function error: retried after a "minute", then Lambda's invocation
# record); nothing left after down. Requests come from an internet host
# over HTTPS, signed by curl (--aws-sigv4) with the topology's admin key.
# No wall-clock bound: overlap is shown by the handler's start/end marks
# and by environments busy at once, never by how long anything took.
. "$(dirname "$0")/lib.sh"
plan 19
topo_data aws_lambda_conc serve_conc events
LOG=/run/vpcsim/$T/logs/events.log
envs_of() { ls -d /run/vpcsim/"$T"/envs/"$1"-* 2>/dev/null | wc -l; }
wait_log() { for _ in $(seq 600); do grep -qE "$1" "$LOG" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
# The zone's processes of this topology: the front and its invoker (a
# process per request would show here too).
zone_procs() { ps -eo stat=,comm=,args= | awk -v f="$F" '$1 !~ /^Z/ && $2 == "vpcsim-aws" && index($0, f)' | wc -l; }
# codes PREFIX: the 4 answers' statuses; the bodies of those not 200 in
# $TMP/log (shown by `is` on a mismatch)
codes() {
	for i in 1 2 3 4; do grep -qx 200 "$TMP/$1$i.code" || cat "$TMP/$1$i"; done >"$TMP/log" 2>&1
	for i in 1 2 3 4; do cat "$TMP/$1$i.code"; echo; done | tr '\n' ' ' | sed 's/ $//'
}
# req FN PAYLOAD OUT [curl args]: from the internet host; the HTTP status
# in OUT.code, the headers in OUT.h
req() {
	local fn=$1 payload=$2 out=$3
	shift 3
	V exec -t "$T" client -- curl -s --max-time 120 --cacert "$TMP/ca.pem" -o "$out" -D "$out.h" \
		-w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" \
		-d "$payload" "$@" "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/$fn/invocations" \
		>"$out.code" 2>/dev/null
}

check "up $T (retry minute: 1 s)" env VPCSIM_ASYNC_MINUTE_MS=1000 "$VPCSIM" up "$F"
V ca -t "$T" >"$TMP/ca.pem"
V credentials -t "$T" >"$TMP/cred" 2>&1
KEY=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$TMP/cred")
SECRET=$(sed -n 's/^export AWS_SECRET_ACCESS_KEY=//p' "$TMP/cred")

# ---- 4 concurrent requests: 4 environments at once, overlapping -------------
PIDS=()
for i in 1 2 3 4; do req par '{"s":15}' "$TMP/a$i" & PIDS+=($!); done
wait_busy par 4
check "4 concurrent requests through the zone: 4 environments of par busy at once" [ "$(busy_of par)" = 4 ]
is "... run by the invoker's workers: the zone has its 2 processes (front, invoker), none per request" \
	2 "$(zone_procs)"
check "... with serve's registry and a pool bounded at the account's limit (logs/aws.log)" \
	grep -q "Lambda invoker of $T: 0 environments found (0 busy in another process); at most 5 invokes at once (concurrency_limit 5)" \
	"/run/vpcsim/$T/logs/aws.log"
# The account's concurrency_limit (5), and what the 4 did (lib.sh).
account_limit_checks

# ---- warm reuse: 4 more concurrent requests, no new environment ------------
# The invokes answered above end at their runtimes' next `next`, after the
# answers (at 128 MB out of CPU share, in the next 100 ms period): sent at
# once, the 4 could find their environments still busy (new ones, or 429
# beside one's). idle: until par's and one's environments are, up to 30 s.
idle() { for _ in $(seq 300); do [ "$(busy_of par)" = 0 ] && [ "$(busy_of one)" = 0 ] && return; sleep 0.1; done; }
idle
PIDS=()
for i in 1 2 3 4; do req par '{"s":2}' "$TMP/b$i" & PIDS+=($!); done
wait "${PIDS[@]}"
is "4 more: all 200" "200 200 200 200" "$(codes b)"
is "still 4 environments of par" 4 "$(envs_of par)"
check "the 4 were warm: the same environments, each's count > 1" python3 -c "
import json; a={json.load(open('$TMP/a%d' % i))['env'] for i in range(1,5)}; b=[json.load(open('$TMP/b%d' % i)) for i in range(1,5)]
assert {x['env'] for x in b} <= a and all(x['count'] > 1 for x in b), b"

# The zone answers when the runtime posts its response; the invoke's REPORT
# comes at the runtime's next `next` (at 128 MB, out of its CPU share, in
# the next 100 ms period): looked for again for up to 10 s.
ID=$(sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: *//p' "$TMP/b1.h" | tr -d '\r')
check "an answer's x-amzn-RequestId is its invoke's RequestId (the callee's START and REPORT)" \
	bash -c "test -n '$ID' && for _ in \$(seq 50); do '$VPCSIM' logs -t '$T' par | grep -q 'REPORT RequestId: $ID' && exit 0; sleep 0.2; done; exit 1"

# ---- reserved_concurrency 1: a second concurrent request is throttled ------
# (par's 4 just answered may still be busy: with one's they would fill the
# invoker's 5 workers, and the throttle be the account's instead)
idle
reserved_limit_checks "$TMP/thr2"

# ---- Event: the event service's queue, Lambda's async retries --------------
req work '{"fail":1}' "$TMP/ev" -H 'X-Amz-Invocation-Type: Event'
ID=$(sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: *//p' "$TMP/ev.h" | tr -d '\r')
is "Event: 202, its request id the queued event's" "202 yes" \
	"$(cat "$TMP/ev.code") $(grep -qs "^[^ ]* $ID work accepted source=invoke" "$LOG" && echo yes)"
check "a function error is retried after the (shortened) minute: attempt 2" \
	wait_log "$ID work failed source=invoke attempt=2"
for _ in $(seq 100); do [ -s "/run/vpcsim/$T/events/failed/$ID.json" ] && break; sleep 0.2; done
check "then given up: Lambda's invocation record, RetriesExhausted, 2 invokes" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["requestContext"]; assert c["condition"]=="RetriesExhausted" and c["approximateInvokeCount"]==2 and r["requestPayload"]=={"fail":1}, r' \
	"/run/vpcsim/$T/events/failed/$ID.json"

check "down $T" V down "$T"
