#!/bin/bash
# Warm invokes through serve (issue 22), checked for what they do, never
# for how long they take:
#   - serve answers when the runtime posts its response, as Lambda does,
#     while the invoke goes on until the runtime asks for its next event
#     (a custom runtime that works after its response until the test
#     creates /opt/go: before this change the answer waited for that);
#     REPORT follows the post-response work;
#   - the Python and Node.js runtime clients keep one connection to the
#     Runtime API over many invokes (the same source port in the
#     environment's namespace after each; before, one per request);
#   - invokes one after another on one kept-alive connection to serve
#     reuse one environment: the next request, sent as soon as the answer
#     came, does not start a cold environment beside the answered one;
#   - a caller that asks for the log's tail still gets END and REPORT;
#   - the supervisor thaws the environment after the event is in the
#     runtime's socket (before, it thawed first and the runtime woke twice:
#     to the thaw, then to the event), and sends serve START with the
#     answer and END, REPORT with the end, two writes (before, one a line);
#   - the Runtime API's thread that reads the runtime's response sends
#     serve the answer itself (before, it woke the supervisor's loop to
#     send it: one hop more on the way to the caller), and the thread
#     that reads its next `next` ends the invoke (freeze, END, REPORT,
#     'S'), so the environment is free a hop sooner for the next request;
#   - a warm invoke opens no file in the supervisor: the cgroup's control
#     files (freeze, frozen state, OOM count, peak) stay open from its
#     start (before, six opens and closes an invoke);
#   - the supervisor waits for the freeze before 'S' on cgroup.events
#     (poll: cgroup2 tells of the change), not by sleeping 0.5 ms until it
#     reads "frozen 1" (one warm invoke in three slept at least once);
#   - serve counts the invoke's usage without truncating the counters'
#     file to 0 first (ext4 writes back and discards a file truncated to
#     0 when it is closed: 20% of serve's CPU an invoke before);
#   - serve's warm acquire opens neither envs/.alloc nor envs/.gen: its
#     registry keeps them open (before, four opens and closes an invoke);
#   - the function's cgroups (its CPU share) hold its runtime, not the
#     supervisor nor its threads;
#   - serve sets its read timeout on the supervisor's socket once a warm
#     invoke (before, once a frame: seven setsockopt an invoke), and
#     counts the usage without a mkdir of its folder nor a cut of its file
#     (before, both on every invoke).
. "$(dirname "$0")/lib.sh"
plan 24
topo_data serve_warm serve_warm
GO="$TMP/serve_warm/layer_go/go"
invoke() { # FN OUT [curl options...]: one Invoke API request
	local fn=$1 out=$2
	shift 2
	curl -s -m 100 -D "$out.h" -o "$out" --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" "$@" -d '{}' "http://127.0.0.1:$PORT/2015-03-31/functions/$fn/invocations"
}
# The local port of the runtime's connection to the Runtime API in
# environment ENV, one line per connection.
rapi_ports() {
	ip netns exec "vpcsim-$T.env.$1" ss -tnH state established '( dport = :9001 )' |
		awk '{ n = split($3, a, ":"); print a[n] }'
}

check "up $T" V up "$F"
check "serve" serve_start

invoke post "$TMP/post" &
CURL=$!
check "serve answers when the runtime posts its response (its post-response work goes on)" \
	wait_for "$TMP/post" '"answered"'
ID=$(python3 -c "import json; print(json.load(open('$TMP/post'))['answered'])" 2>/dev/null)
check "... and the invoke is not over: its START logged, no REPORT yet" bash -c "
	'$VPCSIM' logs -t '$T' post >'$TMP/post.log' && grep -q 'START RequestId: $ID' '$TMP/post.log' &&
	! grep -q 'REPORT RequestId: $ID' '$TMP/post.log'"
touch "$GO"
wait "$CURL"
check "the invoke ends when the runtime asks for its next event: REPORT after the post-response work" \
	report_after post "$ID" 'post-response work done'
rm -f "$GO"

for fn in py node; do
	: >"$TMP/ports.$fn"
	for i in 1 2 3 4 5; do
		invoke "$fn" "$TMP/$fn.$i"
		rapi_ports "$fn-1" >>"$TMP/ports.$fn"
	done
	check "$fn: 5 invokes answered" test "$(cat "$TMP"/$fn.[1-5] | grep -o "\"n\"" | wc -l)" = 5
	check "$fn: its runtime client kept one connection to the Runtime API over the 5 (same port each time)" \
		bash -c "test \$(wc -l <'$TMP/ports.$fn') = 5 && test \$(sort -u '$TMP/ports.$fn' | wc -l) = 1"
done

# One warm invoke of py traced in its supervisor, a file per thread: the
# event goes into the runtime's socket before the environment is thawed
# (the thaw by the thread that sent it, after the send: the runtime wakes
# once, to the event), and serve gets START with the answer ('R') in one
# write, END and REPORT with 'S' in another.
SUP=$(pgrep -f "^vpcsim supervisor $T py-1\$")
# The function's CPU share (its cgroup's quota) is its runtime's alone:
# the supervisor and its threads (the Runtime API's) run outside the
# function's cgroups, the runtime inside (docs/RUNTIME.md, "Warm invokes").
RT=$(pgrep -P "$SUP" | head -1)
check "the supervisor's threads run outside the function's cgroups, its runtime inside" bash -c "
	! cat /proc/$SUP/task/*/cgroup | grep -q '/$T/py-1\$' &&
	grep -q '/$T/py-1\$' /proc/$RT/cgroup"
strace -f -ff -qq -y -s 400 -e trace=sendmsg,openat,write,recvfrom -p "$SUP" -o "$TMP/sup" &
STRACE=$!
strace -f -qq -y -e trace=openat,ftruncate,pwrite64,setsockopt,mkdir -p "$SERVE" -o "$TMP/serve.tr" &
STRACE2=$!
for _ in $(seq 60); do
	invoke py "$TMP/traced"
	ls "$TMP"/sup.* >/dev/null 2>&1 && grep -qa 'END RequestId' "$TMP"/sup.* &&
		grep -qa "usage/py>" "$TMP/serve.tr" && break
	sleep 0.5
done
kill "$STRACE" "$STRACE2" 2>/dev/null
wait "$STRACE" "$STRACE2" 2>/dev/null
check "the environment is thawed after the event is in the runtime's socket, by the thread that sent it" python3 -c "
import glob, re, sys
for f in glob.glob('$TMP/sup.*'):
    t = open(f, errors='replace').read()
    sent = t.find('HTTP/1.1 200 OK')
    thaw = re.search(r'write\\(\\d+</[^>]*/(cgroup\\.freeze|freezer\\.state)>, \"(0|THAWED)\"', t[sent:]) if sent >= 0 else None
    if thaw:
        sys.exit(0)
sys.exit('no thaw after an event was sent: ' + ' '.join(glob.glob('$TMP/sup.*')))"
check "the answer ('R') goes to serve from the thread that read the runtime's response, not the supervisor's loop" python3 -c "
import glob, sys
for f in glob.glob('$TMP/sup.*'):
    lines = open(f, errors='replace').read().splitlines()
    posts = [i for i, l in enumerate(lines) if l.startswith('recvfrom(') and '/response HTTP/1.1' in l]
    if posts and any(l.startswith('sendmsg(') and 'iov_base=\"R' in l for l in lines[posts[0]:]):
        sys.exit(0)
sys.exit('R not sent by the thread that read the response')"
check "... and the invoke ends ('S') on the thread that read the runtime's next \`next\`" python3 -c "
import glob, sys
for f in glob.glob('$TMP/sup.*'):
    lines = open(f, errors='replace').read().splitlines()
    nexts = [i for i, l in enumerate(lines) if l.startswith('recvfrom(') and 'invocation/next HTTP/1.1' in l]
    if any(l.startswith('sendmsg(') and 'iov_base=\"S' in l for i in nexts[:1] for l in lines[i:]):
        sys.exit(0)
sys.exit('S not sent by the thread that read next')"
check "a warm invoke opens no file in its supervisor (the cgroup's control files are kept open)" python3 -c "
import glob, sys
t = ''.join(open(f, errors='replace').read() for f in glob.glob('$TMP/sup.*'))
opens = [l for l in t.splitlines() if l.startswith('openat(')]
sys.exit('opened during a warm invoke: %r' % opens if opens or 'END RequestId' not in t else 0)"
# trace_none DESC RE: no line of serve's trace matches RE (Python's re),
# and the trace holds an invoke (serve's use of usage/py).
trace_none() {
	check "$1" python3 -c "
import re, sys
t = open('$TMP/serve.tr', errors='replace').read().splitlines()
hits = [l for l in t if re.search(sys.argv[1], l)]
sys.exit('%r' % hits if hits or not any('usage/py>' in l for l in t) else 0)" "$2"
}
trace_none "serve counts the usage without truncating its file to 0 first" \
	'ftruncate\(\d+</run/vpcsim/[^>]*/usage/py>, 0\)'
trace_none "... nor makes its folder again, nor cuts the file (its text only grows)" \
	'mkdir\(.*/usage"|ftruncate\(.*usage/py>'
trace_none "serve's warm acquire opens neither envs/.alloc nor envs/.gen (kept open by its registry)" \
	'openat\(.*/envs/\.(alloc|gen)"'
check "... and sets its read timeout on the supervisor's socket once an invoke, not once a frame" python3 -c "
import sys
t = open('$TMP/serve.tr', errors='replace').read().splitlines()
n = sum(1 for l in t if 'openat(' in l and '/usage/py\"' in l)
sets = [l for l in t if 'SO_RCVTIMEO' in l]
sys.exit(0 if n and len(sets) <= 2 * n else '%d invokes, SO_RCVTIMEO set %d times' % (n, len(sets)))"
check "... serve gets START with the answer in one write, END and REPORT with the end in another" python3 -c "
import glob, sys
t = ''.join(open(f, errors='replace').read() for f in glob.glob('$TMP/sup.*'))
sends = [l for l in t.splitlines() if l.startswith('sendmsg(') and 'RequestId' in l]
ok1 = any('START RequestId' in l and 'iov_base=\"R' in l for l in sends)
ok2 = any('END RequestId' in l and 'REPORT RequestId' in l and 'iov_base=\"S' in l for l in sends)
sys.exit(0 if ok1 and ok2 else 'frames not together: %r' % sends)"

URLS=()
for _ in $(seq 30); do URLS+=("http://127.0.0.1:$PORT/2015-03-31/functions/py/invocations"); done
# 20 warm invokes with the supervisor's sleeps traced: on cgroup2 it waits
# for the freeze on cgroup.events (poll), never by sleeping.
strace -f -qq -y -e trace=clock_nanosleep,nanosleep -p "$SUP" -o "$TMP/sleeps" &
STRACE=$!
sleep 0.5
curl -s -m 200 --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" -d '{}' "${URLS[@]:0:20}" >"$TMP/slept"
kill "$STRACE" 2>/dev/null
wait "$STRACE" 2>/dev/null
if grep -qa 'cgroup.freeze>' "$TMP"/sup.*; then
	check "20 warm invokes: the supervisor waits for each freeze on cgroup.events, never sleeping 0.5 ms at a time" \
		bash -c "test \$(grep -o '\"n\"' '$TMP/slept' | wc -l) = 20 && ! grep -a nanosleep '$TMP/sleeps'"
else
	skip "20 warm invokes: the supervisor waits for each freeze on cgroup.events" "the v1 freezer has no notification"
fi
curl -s -m 200 --aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" -d '{}' "${URLS[@]}" >"$TMP/many"
check "30 invokes one after another on one kept-alive connection: 30 answers" \
	test "$(grep -o '"n"' "$TMP/many" | wc -l)" = 30
check "... from one environment: no cold start beside the one that had just answered" \
	test "$(ls "/run/vpcsim/$T/envs" | grep -c '^py-')" = 1

invoke py "$TMP/tail" -H 'X-Amz-Log-Type: Tail'
check "a caller that asks for the log's tail gets END and REPORT in it" python3 -c "
import base64, re, sys
h = open('$TMP/tail.h').read()
log = base64.b64decode(re.search(r'(?im)^X-Amz-Log-Result: *(\S+)', h).group(1)).decode()
sys.exit(not ('END RequestId' in log and 'REPORT RequestId' in log))"
kill "$SERVE"
wait "$SERVE" 2>/dev/null
check "down $T" V down "$T"
