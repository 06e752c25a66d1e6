#!/bin/bash
# When a process of the AWS zone dies (docs/AWS-SERVICES.md, "When a
# process dies"): the S3 and DynamoDB engines, killed by pid, are restarted
# by the front on their data (the AWS CLI reads back what it wrote before);
# one that keeps dying at start is given up and `status` says so with the
# fix; a killed resolver and a killed front are reported by `status`
# (text and --json) with the fix, and the front takes its engines with it.
# A failed `up` (an engine that cannot start, after the other started)
# leaves nothing: no engine process, mount, socket or file.
. "$(dirname "$0")/lib.sh"
plan 26
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/aws_engines.json" "$T"
AWS=/usr/bin/aws
cli() { V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" \
	"$AWS" --cli-connect-timeout 5 --cli-read-timeout 20 "$@" >"$TMP/out" 2>&1; }
# zone TOPO PY: a Python expression over status --json's aws_zone (z)
zone() { V status "$1" --json 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); z=j['aws_zone']; print($2)"; }
engine() { zone "$1" "[e['$3'] for e in z['engines'] if e['service'] == '$2'][0]"; } # TOPO SERVICE FIELD
# until SECONDS CMD...: CMD succeeds within SECONDS (polled every half second)
until_ok() {
	local n=$(($1 * 2))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.5
		n=$((n - 1))
	done
	return 1
}
restarted() { [ "$(engine "$T" "$1" state)" = running ] && [ "$(engine "$T" "$1" pid)" != "$2" ]; }
# The engines a topology runs come from VPCSIM_ENGINES_DIR: a copy (hard
# links where it can) that the test may break without touching the real one.
engines_copy() { cp -al "$ROOT/engines" "$1" 2>/dev/null || cp -r "$ROOT/engines" "$1"; }
break_engine() { # COPY SCRIPT: replace the file (not write through its link)
	rm -f "$1/$2"
	echo 'console.error("engine broken by the test"); process.exit(4);' >"$1/$2"
}
engines_copy "$TMP/engines"

check "up $T" env VPCSIM_ENGINES_DIR="$TMP/engines" "$VPCSIM" up "$F"
is "status --json: the front runs" running "$(zone "$T" "z['front']['state']")"
is "status --json: both engines run, never restarted" "s3 running 0 dynamodb running 0" \
	"$(zone "$T" "' '.join('%s %s %d' % (e['service'], e['state'], e['restarts']) for e in z['engines'])")"
V ca -t "$T" >"$TMP/ca.pem"
eval "$(V credentials -t "$T" | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
head -c 200000 /dev/urandom >"$TMP/obj"
cli s3api put-object --bucket kept --key before-kill --body "$TMP/obj"
cli dynamodb put-item --table-name items --item '{"id":{"S":"k1"},"v":{"S":"kept across a restart"}}'

# ---- the S3 engine, killed: restarted on its data -------------------------
S3PID=$(engine "$T" s3 pid)
check "kill -9 the S3 engine (pid from status --json)" kill -9 "$S3PID"
check "status shows the S3 engine running again under a new pid" until_ok 60 restarted s3 "$S3PID"
is "... restarted once" 1 "$(engine "$T" s3 restarts)"
cli s3api get-object --bucket kept --key before-kill "$TMP/got"
check "the AWS CLI reads back the object written before the kill" cmp "$TMP/obj" "$TMP/got"
check "the front's log says how it died and that it restarted" \
	grep -q "the S3 engine (pid $S3PID) killed by signal 9" "/run/vpcsim/$T/logs/aws.log"

# ---- the DynamoDB engine, killed: restarted on its data -------------------
DPID=$(engine "$T" dynamodb pid)
check "kill -9 the DynamoDB engine" kill -9 "$DPID"
check "status shows the DynamoDB engine running again" until_ok 60 restarted dynamodb "$DPID"
cli dynamodb get-item --table-name items --key '{"id":{"S":"k1"}}' --query Item.v.S --output text
is "the AWS CLI gets the item put before the kill" "kept across a restart" "$(cat "$TMP/out")"

# ---- an engine that cannot start again: given up, reported with the fix ---
S3PID=$(engine "$T" s3 pid)
break_engine "$TMP/engines" node_modules/s3rver/bin/s3rver.js
kill -9 "$S3PID"
s3_failed() { [ "$(engine "$T" s3 state)" = failed ]; }
check "an S3 engine that dies at every start is given up: state failed" until_ok 90 s3_failed
# Three quick deaths in a row give up; the kill above counts as one when
# the engine it killed had started less than 10 s before (a fast run), so
# the failed restarts are one or two: with the first restart, 2 or 3.
is "... its restarts counted (the first and the failed ones)" yes "$(zone "$T" "'yes' if [e['restarts'] for e in z['engines']][0] >= 2 else z")"
V status "$T" >"$TMP/out" 2>&1
has "status says it is down and what to do" "s3 failed: it died 3 times in a row within 10 s of its start and is not restarted"
cli s3api get-object --bucket kept --key before-kill "$TMP/got2"
has "the AWS CLI gets S3's 503 ServiceUnavailable" "(ServiceUnavailable).*The engine does not answer"
cli dynamodb get-item --table-name items --key '{"id":{"S":"k1"}}' --query Item.v.S --output text
is "DynamoDB still answers" "kept across a restart" "$(cat "$TMP/out")"

# ---- the resolver, killed: reported -------------------------------------
RPID=$(V status "$T" --json | python3 -c "import json,sys; print([r['pid'] for r in json.load(sys.stdin)['resolvers'] if r['view'] == 'inet'][0])")
check "kill -9 the internet's resolver (pid from status --json)" kill -9 "$RPID"
check_fails "dig from the internet host times out" \
	V exec -t "$T" client -- dig +short +time=1 +tries=1 s3.us-east-1.amazonaws.com
V status "$T" >"$TMP/out" 2>&1
has "status: the resolver exited, with the fix" "resolver inet exited: names do not resolve in its view"

# ---- the front, killed: reported, its engines gone with it --------------
FPID=$(zone "$T" "z['front']['pid']")
DPID=$(engine "$T" dynamodb pid)
check "kill -9 the front" kill -9 "$FPID"
gone() { ! alive "$1"; }
check "the DynamoDB engine goes with it" until_ok 20 gone "$DPID"
is "status --json: front exited, with a fix" "exited True" "$(zone "$T" "z['front']['state'], 'vpcsim down $T' in z['front']['fix']")"
V exec -t "$T" client -- curl -sS --max-time 5 --cacert "$TMP/ca.pem" --resolve "sts.us-east-1.amazonaws.com:443:198.18.0.13" \
	https://sts.us-east-1.amazonaws.com/ >"$TMP/out" 2>&1
has "a client's connection to the zone is refused" "Connection refused\|Couldn't connect"

# ---- a failed up: an engine cannot start after the other did ------------
T2=$(unique_name)
topo_copy "$ROOT/tests/integration/data/aws_engines.json" "$T2"
engines_copy "$TMP/engines2"
break_engine "$TMP/engines2" node_modules/dynalite/cli.js
env VPCSIM_ENGINES_DIR="$TMP/engines2" "$VPCSIM" up "$F" >"$TMP/out" 2>&1
is "up fails when the DynamoDB engine cannot start" 1 "$([ $? != 0 ] && echo 1)"
has "... and says which engine and how" "the DynamoDB engine exited with status 4 before it answered"
assert_gone "$T2"
