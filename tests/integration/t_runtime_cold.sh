#!/bin/bash
# A cold start's supervisor does not keep the runtime waiting (issue 22,
# the custom runtime's cold start; docs/RUNTIME.md "Cold starts of a custom
# runtime"). Traced on real processes with strace, a cold `vpcsim invoke`
# of AWS's tutorial runtime (bash and curl):
# - the runtime is forked before the supervisor loads libmicrohttpd (and
#   the TLS libraries it links): the Runtime API's socket listens before
#   the fork, so the runtime's first connection waits in its backlog, and
#   the loading overlaps the runtime's start instead of preceding it;
# - the supervisor moves the runtime into the environment's cgroups (it
#   writes the runtime's pid into each cgroup.procs) while the runtime
#   builds its mount namespace, instead of the runtime moving itself
#   ("0") first: on cgroup v1 that move waits for an RCU grace period;
# - the bootstrap is exec'd only after those moves, and runs in the
#   environment's memory group; the invoke answers;
# - at the init's end the waiting event is handed at once: the runtime is
#   not frozen and thawed in between (it was: a wake-up of its processes
#   each way, at a 128 MB function's CPU share from there).
. "$(dirname "$0")/lib.sh"
plan 9
topo_data runtime_cold runtime

check "up $T" V up "$F"
# strace follows the invoke into the supervisor and the runtime; it ends
# when they do (detach below): a tracer told to stop would wait for ever
# on a frozen runtime to stop for it.
strace -f -qq -y -s 64 -e trace=execve,openat,write,clone,clone3,fork -o "$TMP/st" \
	"$VPCSIM" invoke -t "$T" curlfn --payload '{"cold":1}' >"$TMP/body" 2>"$TMP/log" &
ST=$!
for _ in $(seq 600); do grep -q '^REPORT' "$TMP/log" && break; sleep 0.1; done
has "the cold invoke answers through the curl runtime" "Echoing request: '{\"cold\":1}'" "$TMP/body"
R=$(grep -m1 'execve("/var/task/bootstrap"' "$TMP/st" | awk '{print $1}')
check "the runtime runs in the environment's memory group" \
	grep -q "memory:/vpcsim/$T/curlfn-1\$" "/proc/${R:-x}/cgroup"
V detach -t "$T" curlfn >/dev/null 2>&1
for _ in $(seq 300); do kill -0 "$ST" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$ST" 2>/dev/null
wait "$ST" 2>/dev/null
S=$(grep -m1 'execve("/proc/self/exe", \["vpcsim", "supervisor"' "$TMP/st" | awk '{print $1}')
line() { grep -n "$1" "$TMP/st" | head -1 | cut -d: -f1; } # first line matching RE
fork_at=$(line "^${S:-x} .*clone.*= ${R:-x}$")
mhd_at=$(line "^${S:-x} .*openat(.*libmicrohttpd")
echo "# supervisor $S, runtime $R; fork at line ${fork_at:-none}, libmicrohttpd at ${mhd_at:-none}"
check "the supervisor forks the runtime before it loads libmicrohttpd" \
	test -n "$fork_at" -a -n "$mhd_at" -a "${fork_at:-0}" -lt "${mhd_at:-0}"
moves=$(grep -cE "^${S:-x} +write\([0-9]+</sys/fs/cgroup/[^>]*/$T/[^>]*/cgroup.procs>, \"${R:-x}\"" "$TMP/st")
check "the supervisor writes the runtime's pid into the environment's cgroup.procs" \
	test "$moves" -ge 1
is "... and the runtime does not move itself (no \"0\" written by it)" 0 \
	"$(grep -cE "^${R:-x} +write\([0-9]+</sys/fs/cgroup/[^>]*cgroup.procs>" "$TMP/st")"
last_move=$(grep -nE "^${S:-x} +write\([0-9]+</sys/fs/cgroup/[^>]*cgroup.procs>" "$TMP/st" | tail -1 | cut -d: -f1)
exec_at=$(line "^${R:-x} .*execve(\"/var/task/bootstrap\"")
check "the bootstrap is exec'd after the last move" \
	test -n "$last_move" -a -n "$exec_at" -a "${last_move:-0}" -lt "${exec_at:-0}"
freeze_at=$(line "write([0-9]*</sys/fs/cgroup/[^>]*\(cgroup.freeze>, \"1\"\|freezer.state>, \"FROZEN\"\)")
post_at=$(line "execve(\"/usr/bin/curl\", \[.*\"-d\"")
echo "# first freeze at line ${freeze_at:-none}, the response's curl at ${post_at:-none}"
check "the runtime is not frozen between its init and the waiting event (first freeze after the response)" \
	test -n "$post_at" -a "${freeze_at:-999999}" -gt "${post_at:-0}"
check "down $T" V down "$T"
