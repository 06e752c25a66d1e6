#!/bin/bash
# Idle reclaim under memory pressure (issue 22, lambda/env_reclaim.h): a
# cold start that finds the environments' memory over the budget
# (VPCSIM_ENV_MEMORY_MB, the small limit the test sets; the machine's
# MemAvailable reserve works the same way) destroys the least recently
# used idle environment first, says so in serve's log, and is answered;
# with every environment busy it is throttled (429, AWS's body) instead of
# failing, and serve goes on. The budget is set from what the first two
# environments hold, read from their memory cgroups: reclaiming one is
# enough, reclaiming none is not.
. "$(dirname "$0")/lib.sh"
plan 13
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_reclaim.json" "$T"
envs_of() { ls -d /run/vpcsim/"$T"/envs/"$1"-* 2>/dev/null | wc -l; }
usage_of() { # ENV: bytes its memory cgroup holds (v1 or v2)
	local d
	for d in /sys/fs/cgroup/memory/vpcsim/"$T"/"$1" /sys/fs/cgroup/vpcsim/"$T"/"$1" /sys/fs/cgroup/unified/vpcsim/"$T"/"$1"; do
		[ -f "$d/memory.usage_in_bytes" ] && { cat "$d/memory.usage_in_bytes"; return; }
		[ -f "$d/memory.current" ] && { cat "$d/memory.current"; return; }
	done
	echo 0
}
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/$1/invocations"; }
req() { # FN PAYLOAD OUT: the status in OUT.code, headers in OUT.h
	curl -s -o "$3" -D "$3.h" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -d "$2" "$(url "$1")" >"$3.code"
}
busy() { V status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["busy"]))'; }

check "up $T" V up "$F"
check "a and b get an environment each (vpcsim invoke)" bash -c "'$VPCSIM' invoke -t $T a && '$VPCSIM' invoke -t $T b"
UA=$(usage_of a-1) UB=$(usage_of b-1)
check "their memory cgroups hold memory ($UA and $UB bytes)" [ "$UA" -gt 1048576 -a "$UB" -gt 1048576 ]
# Both over the budget; either one alone under it.
MIN=$((UA < UB ? UA : UB))
BUDGET_MB=$(((UA + UB - MIN / 2) / 1048576))
export VPCSIM_ENV_MEMORY_MB=$BUDGET_MB
check "serve with VPCSIM_ENV_MEMORY_MB=$BUDGET_MB" serve_start
unset VPCSIM_ENV_MEMORY_MB

req a '{}' "$TMP/wa"   # a used last: b is the least recently used
req c '{}' "$TMP/c1"   # cold: over the budget, so b's environment goes
is "a warm request, then c's cold start over the budget: both 200" "200 200" "$(cat "$TMP/wa.code") $(cat "$TMP/c1.code")"
is "... the least recently used idle environment (b-1) was reclaimed" "0" "$(envs_of b)"
is "... a's, used later, stayed" "1" "$(envs_of a)"
check "... serve's log says so, with the figures" grep -E "memory pressure \(the environments hold [0-9]+ MiB, the budget VPCSIM_ENV_MEMORY_MB is $BUDGET_MB MiB\): reclaiming idle environment b-1 of b \((frozen|not frozen), idle [0-9]+ s, [0-9.]+ MiB\) for a cold start of c" "$TMP/serve.out"
is "... one environment reclaimed, no more" 1 "$(grep -c 'reclaiming idle environment' "$TMP/serve.out")"

# Every environment busy and the budget spent: throttled, not failed.
req a '{"s":20}' "$TMP/ha" &
HA=$!
req c '{"s":20}' "$TMP/hc" &
HC=$!
for _ in $(seq 300); do [ "$(busy)" -ge 2 ] && break; sleep 0.1; done
req b '{}' "$TMP/b2"
is "with a and c busy and nothing idle to reclaim, b's cold start is 429" 429 "$(cat "$TMP/b2.code")"
check "... TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded" bash -c \
	"grep -qi '^x-amzn-ErrorType: TooManyRequestsException' '$TMP/b2.h' && python3 -c \"import json,sys; j=json.load(open('$TMP/b2')); sys.exit(0 if j.get('Reason') == 'ConcurrentInvocationLimitExceeded' else 1)\""
wait $HA $HC
is "... the two held answered 200, b left nothing behind" "200 200 0" "$(cat "$TMP/ha.code") $(cat "$TMP/hc.code") $(envs_of b)"

V down "$T" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
