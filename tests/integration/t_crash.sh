#!/bin/bash
# Crash recovery (issue 7): `vpcsim up` SIGKILLed right after kernel step k
# (VPCSIM_KILL_STEP, at many points of the plan) and `invoke` SIGKILLed
# mid-run. Each time `down NAME` must leave nothing, and a new `up` of the
# same topology must work.
. "$(dirname "$0")/lib.sh"
plan 12
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/lambda.json" "$T"
# svc's command below must outlive the search for it: its default 3 s
# timeout ended it before one scan of /proc did, with thousands of
# processes on the machine (a fresh clone's run beside benchmarks)
sed -i 's/{ "name": "svc", /{ "name": "svc", "timeout_s": 120, /' "$F"
grep -q '"name": "svc", "timeout_s": 120' "$F" || echo "t_crash: svc's timeout not set in $F" >&2

n=$("$VPCSIM" up --dry-run "$F" | tail -n1 | awk '{print $1}')
check "the plan has steps ($n)" test "${n:-0}" -gt 10
# About 16 points spread over the plan, the first and the last included.
step=$(((n + 15) / 16))
points=$(seq 1 "$step" "$n")
[ "$(echo "$points" | tail -n1)" = "$n" ] || points="$points $n"
bad=0 tried=0
for k in $points; do
	tried=$((tried + 1))
	VPCSIM_KILL_STEP=$k "$VPCSIM" up "$F" >"$TMP/up.$k" 2>&1
	rc=$?
	if [ $rc -ne 137 ]; then
		echo "    step $k: up was not killed (exit $rc)"
		bad=$((bad + 1))
	fi
	# A second up is refused, and says what to run.
	if "$VPCSIM" up "$F" >"$TMP/again.$k" 2>&1; then
		echo "    step $k: up over the remains succeeded"
		bad=$((bad + 1))
		"$VPCSIM" down "$T" >/dev/null 2>&1
	elif ! grep -q "vpcsim down $T" "$TMP/again.$k"; then
		echo "    step $k: the refusal does not say to run down: $(cat "$TMP/again.$k")"
		bad=$((bad + 1))
	fi
	"$VPCSIM" down "$T" >"$TMP/down.$k" 2>&1 || { echo "    step $k: down failed: $(cat "$TMP/down.$k")"; bad=$((bad + 1)); }
	left=$(leftovers "$T")
	if [ -n "$left" ]; then
		echo "    step $k: down left: $left"
		bad=$((bad + 1))
	fi
done
check "up killed after each of $tried steps: a second up refused, down $T left nothing each time" test $bad -eq 0
check "a new up of $T works" "$VPCSIM" up "$F"
check "and its data plane works" "$VPCSIM" probe -t "$T" f1 db 5432 --expect open --timeout-ms 2000

# invoke killed mid-run: the function's process goes with the environment.
mark="9$$.$RANDOM"
"$VPCSIM" invoke -t "$T" svc -- sleep "$mark" >"$TMP/inv" 2>&1 &
inv=$!
# Pids whose command line is exactly `sleep $mark` (not this script's).
fn_pids() { proc_pids "^sleep ${mark//./\\.}\$"; }
running() { [ -n "$(fn_pids)" ]; }
# (a cold start on a loaded machine can take many seconds: wait up to 60)
for _ in $(seq 600); do running && break; kill -0 "$inv" 2>/dev/null || break; sleep 0.1; done
if running; then ok "the function is running"; else
	not_ok "the function is running (invoke's output:)"
	sed 's/^/    /' "$TMP/inv"
fi
kill -KILL "$inv"
wait "$inv" 2>/dev/null
check "a new invoke works after the killed one" "$VPCSIM" invoke -t "$T" svc -- true
check "down $T" "$VPCSIM" down "$T"
for _ in $(seq 50); do running || break; sleep 0.1; done
gone() { ! running || { echo "left: $(fn_pids)"; false; }; }
check "the killed invoke's function process is gone" gone
assert_gone "$T"
check "up $T once more" "$VPCSIM" up "$F"
check "invoke in the new $T" "$VPCSIM" invoke -t "$T" svc -- true
check "down $T at the end" "$VPCSIM" down "$T"
