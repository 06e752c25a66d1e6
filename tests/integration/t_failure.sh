#!/bin/bash
# All or nothing: make step k of `up` fail for every k and check that
# nothing of the topology remains each time.
. "$(dirname "$0")/lib.sh"
plan 4
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"

n=$("$VPCSIM" up --dry-run "$F" | tail -n1 | awk '{print $1}')
check "the plan has steps ($n)" test "${n:-0}" -gt 10
bad=0
for k in $(seq 1 "$n"); do
	if VPCSIM_FAIL_STEP=$k "$VPCSIM" up "$F" >"$TMP/up.$k" 2>&1; then
		echo "    step $k: up succeeded despite the injected failure"
		bad=$((bad + 1))
		"$VPCSIM" down "$T" >/dev/null 2>&1
		continue
	fi
	grep -q "injected failure" "$TMP/up.$k" || { echo "    step $k: no message"; bad=$((bad + 1)); }
	left=$(leftovers "$T")
	if [ -n "$left" ]; then
		echo "    step $k: left $left"
		bad=$((bad + 1))
	fi
done
check "every one of $n injected failures left nothing behind" test $bad -eq 0
check "up after the failures still works" "$VPCSIM" up "$F"
check "down" "$VPCSIM" down "$T"
