#!/bin/bash
# Runs every test: the unit binaries (cmocka), then, as root, every
# integration script. Each integration script prints "ok - NAME" or
# "not ok - NAME" per check (TAP style); unit binaries are counted from
# cmocka's summary. Ends with the line "N passed, N failed" and exits
# non-zero on any failure.
#
#   tests/run.sh                 everything
#   tests/run.sh --unit-only     unit tests only
#   tests/run.sh FILTER          only integration scripts whose name has FILTER
set -u
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
failures=()
unit_only=0
filter=""
case "${1:-}" in
--unit-only) unit_only=1 ;;
"") ;;
*) filter=$1 ;;
esac

count_cmocka() { # name output-file rc
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{s += $1} END {print s + 0}')
	p=${p:-0}
	f=${f:-0}
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before its summary
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("$1")
}

if [ -z "$filter" ]; then
	for bin in build/tests/test_*; do
		[ -x "$bin" ] || continue
		out=$(mktemp)
		echo "# unit: $bin"
		"$bin" >"$out" 2>&1
		rc=$?
		grep -E '^\[ *(FAILED|  ERROR|SKIPPED) *\]|^\[  PASSED  \]' "$out" | sed 's/^/#   /'
		[ $rc -eq 0 ] || tail -n 30 "$out" | sed 's/^/#   | /'
		count_cmocka "$bin" "$out" $rc
		rm -f "$out"
	done
fi

if [ $unit_only -eq 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "# integration tests need root; skipped (run: sudo make check)"
	else
		for t in tests/integration/t_*.sh; do
			case "$t" in *"$filter"*) ;; *) continue ;; esac
			echo "# integration: $t"
			out=$(mktemp)
			timeout 600 bash "$t" >"$out" 2>&1
			rc=$?
			sed 's/^/#   /' "$out"
			p=$(grep -c '^ok ' "$out")
			f=$(grep -c '^not ok ' "$out")
			if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
				f=1
				echo "#   (script exited $rc)"
			fi
			passed=$((passed + p))
			failed=$((failed + f))
			[ "$f" -eq 0 ] || failures+=("$t")
			rm -f "$out"
		done
	fi
fi

for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
