#!/bin/bash
# `vpcsim serve` at scale (issue 22), with small numbers:
# - cold starts do not wait for the topology lock: 6 concurrent requests
#   (3 without VPC, 3 in a VPC through its hyperplane ENI) all answer while
#   another process holds /run/vpcsim/.lock, and their cold starts
#   overlap: each environment's interval [its build's mark (the mtime of
#   the /etc/hosts vpcsim writes while making it), the end of its init]
#   is compared, by the function's own clocks, with the others';
# - the topology is read once per serve: warm requests open no
#   topology.json (strace);
# - warm environments are reused;
# - a flood far beyond the limits (240 requests at once, clients that give
#   up mid-invoke) gets 200s and 429s only, leaves serve answering and no
#   environment busy; nothing is left after down.
# No wall-clock bound: only the order of marks and the lock holder's word.
. "$(dirname "$0")/lib.sh"
plan 15
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_scale" "$TMP/serve_scale"
topo_copy "$ROOT/tests/integration/data/serve_scale.json" "$T"
codes() { for f in "$@"; do printf '%s ' "$(cat "$f")"; done | sed 's/ $//'; } # FILE...
busy() { V status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["busy"]))'; }
envs_of() { ls -d /run/vpcsim/"$T"/envs/"$1"-* 2>/dev/null | wc -l; }

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/$1/invocations"; }
req() { # FN PAYLOAD OUT [curl args]: the status in OUT.code
	local fn=$1 payload=$2 out=$3
	shift 3
	curl -s -o "$out" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -d "$payload" "$@" "$(url "$fn")" >"$out.code"
}

# ---- 6 cold starts while another process holds the topology lock --------
# The holder lets go when the requests are answered ("done") or after 60 s
# ("timeout"): with cold starts serialised on the lock, none could answer
# before it let go.
rm -f "$TMP/held" "$TMP/done"
flock -x /run/vpcsim/.lock sh -c 'echo held >"$1/held"; for i in $(seq 600); do
	[ -e "$1/done" ] && { echo done >"$1/holder"; exit 0; }; sleep 0.1; done; echo timeout >"$1/holder"' sh "$TMP" &
HOLDER=$!
for _ in $(seq 1200); do [ -e "$TMP/held" ] && break; sleep 0.1; done
PIDS=()
for i in 1 2 3; do
	req plain '{}' "$TMP/p$i" & PIDS+=($!)
	req invpc '{}' "$TMP/v$i" & PIDS+=($!)
done
wait "${PIDS[@]}"
touch "$TMP/done"
wait "$HOLDER"
is "6 concurrent cold starts answered while another process held the topology lock" done "$(cat "$TMP/holder" 2>/dev/null)"
is "... all 200" "200 200 200 200 200 200" "$(codes "$TMP"/p?.code "$TMP"/v?.code)"
python3 - "$TMP" >"$TMP/overlap" 2>&1 <<'PY'
import json, sys
r = [json.load(open(f"{sys.argv[1]}/{k}{i}")) for k in "pv" for i in (1, 2, 3)]
iv = [x["cold"] for x in r]
# The most intervals that hold one instant (an interval's start is such an instant).
most = max(sum(1 for a, b in iv if a <= s < b) for s, _ in iv)
print(len({x["env"] for x in r}), most)
PY
is "6 distinct environments" 6 "$(cut -d' ' -f1 "$TMP/overlap")"
is "the 6 cold starts overlapped: one instant inside all 6 [build, end of init] intervals" 6 "$(cut -d' ' -f2 "$TMP/overlap")"

# ---- warm: reused, and no reload of the topology per request -------------
strace -f -qq -e trace=openat,open -p "$SERVE" -o "$TMP/strace" &
STRACE=$!
# Attached once a request shows in its output (a warm one: the same path).
for _ in $(seq 60); do req plain '{}' "$TMP/w0"; [ -s "$TMP/strace" ] && break; sleep 0.5; done
PIDS=()
for i in 1 2 3; do req plain '{}' "$TMP/w$i" & PIDS+=($!); done
wait "${PIDS[@]}"
kill "$STRACE" 2>/dev/null
wait "$STRACE" 2>/dev/null
is "3 warm requests: 200" "200 200 200" "$(codes "$TMP"/w[123].code)"
check "... warm: the same 3 environments, each run more than once" python3 -c "
import json; a = {json.load(open('$TMP/p%d' % i))['env'] for i in (1, 2, 3)}
b = [json.load(open('$TMP/w%d' % i)) for i in (1, 2, 3)]
assert {x['env'] for x in b} <= a and all(x['count'] > 1 for x in b), b"
is "... still 3 environments of plain" 3 "$(envs_of plain)"
check "... serve opened no topology.json for them (read once per serve)" bash -c \
	"grep -a 'topology.json' '$TMP/strace'; grep -aqE 'envs/plain-[0-9]+/lock' '$TMP/strace' || { echo 'no invoke traced:'; head -5 '$TMP/strace'; exit 1; }; ! grep -aq 'topology.json' '$TMP/strace'"

# ---- a flood beyond every limit ------------------------------------------
# 240 requests at once on 240 connections (one curl, --parallel: with
# --parallel-immediate, or curl waits for the first to end to see whether
# it could multiplex the others on it); each
# client gives up after 3 s, while the function sleeps 4 s (its timeout 5 s).
for i in $(seq 240); do echo "url = \"$(url slow)\""; echo 'output = "/dev/null"'; done >"$TMP/flood.cfg"
curl -s -Z --parallel-immediate --parallel-max 240 --max-time 3 -K "$TMP/flood.cfg" --aws-sigv4 aws:amz:us-east-1:lambda \
	--user "$KEY:$SECRET" -d '{"s": 4}' -w '%{http_code}\n' >"$TMP/flood" 2>/dev/null
sort "$TMP/flood" | uniq -c | sed 's/^/# /'
check "flood: 240 answers or client timeouts, each 429 or a client that gave up (000)" python3 -c "
import collections; c = collections.Counter(open('$TMP/flood').read().split())
assert sum(c.values()) == 240 and set(c) <= {'429', '000'} and c['429'] >= 200, c"
check "... serve is still running" kill -0 "$SERVE"
for _ in $(seq 300); do [ "$(busy)" = 0 ] && break; sleep 0.2; done
is "... the invokes whose clients left ended: no environment busy" 0 "$(busy)"
req plain '{}' "$TMP/after"
is "... and the next request is answered" 200 "$(cat "$TMP/after.code")"

V down "$T" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
