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
#                                ("fuzz": only the fuzzing smoke run)
# BUILD=build-san runs the suite on the sanitizer build (make check SANITIZE=1).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
export VPCSIM=${VPCSIM:-$PWD/$BUILD/vpcsim}
# Sanitizer builds: stop at the first error, and say where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

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
	for bin in "$BUILD"/tests/test_*; do
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

# The libFuzzer targets, a few seconds each, and their regression files
# (tests/fuzz/Makefile); each target is one passed or failed line.
if [ $unit_only -eq 0 ] && { [ -z "$filter" ] || [ "$filter" = fuzz ]; }; then
	echo "# fuzz smoke run"
	out=$(mktemp)
	if make --no-print-directory fuzz-build >"$out" 2>&1; then
		make --no-print-directory -s -C tests/fuzz smoke >"$out" 2>&1
	fi
	sed 's/^/#   /' "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	[ $((p + f)) -gt 0 ] || f=1 # the targets did not build
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("tests/fuzz")
	rm -f "$out"
fi

if [ $unit_only -eq 0 ] && [ "$filter" != fuzz ]; then
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
