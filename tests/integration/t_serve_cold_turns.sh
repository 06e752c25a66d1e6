#!/bin/bash
# A burst of cold starts through `vpcsim serve` runs a bounded number of
# inits at once (issue 22, docs/RUNTIME.md "Cold starts in one process are
# bounded"): a cold start holds its turn (VPCSIM_COLD_STARTS) from its
# supervisor's start to the end of its runtime's init, so the machine runs
# at most that many inits side by side and each finishes in its own time,
# within Lambda's 10 s init limit. Before, the turn ended when the runtime
# was started, and every init of a burst ran at once (a storm's 100 boto3
# inits each passed the limit on 2 cores). Throttles stay immediate: a
# request past reserved_concurrency is answered 429 while cold starts
# wait their turn. No wall-clock bound: the inits' own marks (start and
# end of each init, on the host's clock) are compared, never timed.
. "$(dirname "$0")/lib.sh"
plan 9
topo_data cold_turns cold_turns
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/$1/invocations"; }
# req FN OUT: the HTTP status in OUT.code, and in OUT.at when the answer
# came (compared with the others', not timed)
req() {
	curl -s -o "$2" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -d '{}' "$(url "$1")" >"$2.code"
	date +%s.%N >"$2.at"
}

check "up $T" V up "$F"
export VPCSIM_COLD_STARTS=2 # (serve's: two inits at a time)
check "serve -t $T is serving (VPCSIM_COLD_STARTS=2)" serve_start
unset VPCSIM_COLD_STARTS

# 6 cold starts of slow at once, then 3 requests of one (reserved 1).
PIDS=()
for i in 1 2 3 4 5 6; do req slow "$TMP/s$i" & PIDS+=($!); done
sleep 0.5
for i in 1 2 3; do req one "$TMP/o$i" & PIDS+=($!); done
wait "${PIDS[@]}"
codes() { for f in "$TMP"/$1*.code; do cat "$f"; echo; done | sort | tr '\n' ' ' | sed 's/ $//'; }
is "6 concurrent cold starts of slow: all 200" "200 200 200 200 200 200" "$(codes s)"
python3 - "$TMP" >"$TMP/marks" 2>&1 <<'PY'
import json, sys
r = [json.load(open("%s/s%d" % (sys.argv[1], i))) for i in range(1, 7)]
iv = [(x["init_start"], x["init_end"]) for x in r]
# the most inits under way at one instant (an init's start is such an instant)
most = max(sum(1 for a, b in iv if a <= t < b) for t, _ in iv)
print(len({x["env"] for x in r}), most)
for a, b in sorted(iv):
    print("# init %.3f -> %.3f" % (a, b))
PY
cat "$TMP/marks" | sed -n 's/^# /# /p'
is "6 distinct environments" 6 "$(head -1 "$TMP/marks" | cut -d' ' -f1)"
check "at most 2 inits ran at once (the most at one instant: $(head -1 "$TMP/marks" | cut -d' ' -f2))" \
	test "$(head -1 "$TMP/marks" | cut -d' ' -f2)" -le 2
check "no init passed Lambda's 10 s limit (no INIT_REPORT with Status: timeout)" \
	bash -c "! cat /run/vpcsim/'$T'/logs/lambda/slow/*.log | grep -q 'INIT_REPORT.*Status: timeout'"
is "one (reserved_concurrency 1): one 200 and two 429 among 3" "200 429 429" "$(codes o)"
# The 429s came back while the admitted one waited its turn behind slow's
# cold starts: each 429's answer is older than the 200's.
check "the 429s were answered before the admitted invoke of one, not queued" python3 -c '
import sys
r = [(open("%s/o%d.code" % (sys.argv[1], i)).read(), float(open("%s/o%d.at" % (sys.argv[1], i)).read()))
     for i in (1, 2, 3)]
ok = [t for c, t in r if c == "200"]
sys.exit(not (len(ok) == 1 and all(t < ok[0] for c, t in r if c == "429")))' "$TMP"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
