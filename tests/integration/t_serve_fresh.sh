#!/bin/bash
# An environment's supervisor starts fresh (issue 22, lambda/supervisor.c
# supervisor_start): serve has threads (its worker pool), and a child only
# forked from it that takes a lock another thread held at the fork
# (malloc's, a stdio stream's, the loader's) waits forever: a storm of cold
# starts through serve once left a supervisor alive 13 minutes with an empty
# log and an invoke that never answered. The supervisor is now fork, then
# execve of vpcsim: a new program image, not a copy of serve's memory. The
# proof is the kernel's own: a process's auxiliary vector (/proc/PID/auxv)
# is written at exec, so a forked copy has its parent's, byte for byte,
# and an exec'd one its own; its command line is the 4 arguments of that
# exec, not serve's rewritten in place. Private memory of the supervisors
# against serve's is printed as a figure (not a bound: the machine is
# shared). A supervisor run by hand is refused in words.
. "$(dirname "$0")/lib.sh"
plan 9
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_registry.json" "$T"
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/par/invocations"; }
req() { # PAYLOAD OUT: the HTTP status in OUT.code
	curl -s -o "$2" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -d "$1" "$(url)" >"$2.code"
}
sups() { awk '{print $1}' /run/vpcsim/"$T"/envs/par-*/supervisor.pid 2>/dev/null; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' /proc/"$1"/smaps_rollup; } # PID FIELD

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
pids=()
for i in 1 2 3; do req '{"s":2}' "$TMP/a$i" & pids+=($!); done
wait "${pids[@]}"
is "3 concurrent cold starts through serve: 3 answers" "200 200 200" \
	"$(for i in 1 2 3; do cat "$TMP/a$i.code"; echo; done | tr '\n' ' ' | sed 's/ $//')"
is "... 3 supervisors" 3 "$(sups | wc -l)"
same=0 args=0
for s in $(sups); do
	cmp -s /proc/"$s"/auxv /proc/"$SERVE"/auxv && same=$((same + 1))
	env=$(basename "$(dirname "$(grep -l "^$s " /run/vpcsim/"$T"/envs/par-*/supervisor.pid)")")
	[ "$(tr '\0' '\n' </proc/"$s"/cmdline)" = "$(printf 'vpcsim\nsupervisor\n%s\n%s' "$T" "$env")" ] &&
		args=$((args + 1))
	echo "# supervisor $s: Private_Dirty $(kib "$s" Private_Dirty) kB, Pss $(kib "$s" Pss) kB" \
		"(serve: Private_Dirty $(kib "$SERVE" Private_Dirty) kB)"
done
is "no supervisor has serve's auxiliary vector (each is an exec, not a fork of serve)" 0 "$same"
is "each one's command line is its exec's 4 arguments: vpcsim supervisor TOPO ENV" 3 "$args"
is "each one runs vpcsim's own program" 3 \
	"$(for s in $(sups); do [ "$(readlink /proc/"$s"/exe)" = "$(readlink -f "$VPCSIM")" ] && echo; done | wc -l)"
V supervisor "$T" par-1 >"$TMP/hand" 2>&1
is "a supervisor run by hand: exit 2" 2 "$?"
check "... and it says what starts one and what to run instead" \
	grep -q "is started by vpcsim itself at a cold start.*use 'vpcsim invoke'" "$TMP/hand"

V down "$T" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
