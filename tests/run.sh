#!/bin/bash
# Runs every test: the cmocka binaries of tests/unit (no privilege, never
# touch the kernel), those of tests/kernel (BPF, namespaces, nftables,
# cgroups: each test skips itself without root), then, as root, every
# integration script. An integration script prints "ok - NAME" or
# "not ok - NAME" per check (TAP style; "ok - NAME # SKIP WHY" counts as
# skipped) and the plan line "1..N", which must match its count (see
# run_script); cmocka binaries are counted from their summary lines. Ends with the line "N passed, N failed, N skipped"
# and exits non-zero on any failure. A skipped integration script (no
# root) counts as one skipped test: its checks are not known unrun.
#
#   tests/run.sh                 everything
#   tests/run.sh --unit-only     the cmocka tests only (unit and kernel)
#   tests/run.sh NAME            only the tests whose file name contains
#                                NAME (cmocka or integration), e.g.
#                                t_lambda, test_nat, sandbox; "fuzz":
#                                the fuzzing smoke run only
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
skipped=0
failures=()
# What each failure printed, repeated at the end: a CI log is often read
# from its tail only.
details=$(mktemp)
# Seconds each integration script took, for the slowest at the end (CI
# must stay under 20 minutes: docs/TESTING.md).
durations=$(mktemp)
trap 'rm -f "$details" "$durations"' EXIT
detail() { # name output-file: the failing lines and what follows each
	local re='^not ok |^\[ *(FAILED|  ERROR) *\]|ERROR|runtime error'
	{
		echo "FAILED: $1"
		if grep -Eq "$re" "$2"; then
			grep -E -A8 "$re" "$2" | head -n 80
		else
			tail -n 15 "$2"
		fi | sed 's/^/    /'
	} >>"$details"
}
unit_only=0
filter=""
case "${1:-}" in
--unit-only) unit_only=1 ;;
"") ;;
*) filter=$1 ;;
esac

# Sum of the N of cmocka summary lines "[  WORD  ] N test(s)".
cmocka_sum() { # WORD file
	sed -n "s/^\[ *$1 *\] \([0-9]*\) test.*/\1/p" "$2" | awk '{s += $1} END {print s + 0}'
}

count_cmocka() { # name output-file rc
	local p f s
	p=$(cmocka_sum PASSED "$2")
	f=$(cmocka_sum FAILED "$2")
	s=$(cmocka_sum SKIPPED "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before its summary
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failures+=("$1")
}

run_cmocka() { # binary
	local out rc
	out=$(mktemp)
	echo "# ${1#"$BUILD"/tests/}: $1"
	"$1" >"$out" 2>&1
	rc=$?
	grep -E '^\[ *(FAILED|  ERROR|SKIPPED) *\]|^\[  PASSED  \]' "$out" | sed 's/^/#   /'
	[ $rc -eq 0 ] || tail -n 30 "$out" | sed 's/^/#   | /'
	count_cmocka "$1" "$out" $rc
	[ "${#failures[@]}" -eq 0 ] || [ "${failures[-1]}" != "$1" ] || detail "$1" "$out"
	rm -f "$out"
}

# An integration script's TAP output: "ok - ..." passes, "ok - ... # SKIP
# why" is skipped (a check that did not run is no pass), "not ok - ..."
# fails; the plan line "1..N" (tests/integration/lib.sh prints it at exit
# from the script's `plan N`) must be there once and match the count, so a
# script that stops early or loses a check fails.
# Runs in a job of its own (see the pool below): its log goes to stdout,
# its counts "P F S" to RESULT, what a failure printed to RESULT.detail.
run_script() { # script result-file
	local out rc p f s n planned t0=$SECONDS
	echo "# integration: $1"
	out=$(mktemp)
	timeout 600 bash "$1" >"$out" 2>&1
	rc=$?
	sed 's/^/#   /' "$out"
	echo "#   ($((SECONDS - t0)) s)"
	echo "$((SECONDS - t0)) $1" >>"$durations"
	s=$(grep -Eci '^ok .*# *skip' "$out")
	p=$(($(grep -c '^ok ' "$out") - s))
	f=$(grep -c '^not ok ' "$out")
	n=$((p + s + f))
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "#   (script exited $rc)"
	fi
	if [ -z "$planned" ]; then
		echo "#   (no plan: the script printed no '1..N' line; declare 'plan N' after sourcing lib.sh)"
		f=$((f + 1))
	elif [ "$(echo "$planned" | wc -l)" -ne 1 ]; then
		echo "#   (more than one plan line)"
		f=$((f + 1))
	elif [ "$planned" -ne "$n" ]; then
		echo "#   (planned $planned checks, ran $n)"
		f=$((f + 1))
	fi
	if [ "$f" -ne 0 ]; then
		details=$2.detail detail "$1" "$out"
	fi
	rm -f "$out"
	echo "$p $f $s" >"$2.tmp" && mv "$2.tmp" "$2" # last: the job is done
}

# The counts and details of a finished job into the totals.
collect() { # result-file script
	local p f s
	cat "$1.log"
	read -r p f s <"$1" || { p=0 f=1 s=0; echo "#   (no result: the job of $2 died)"; }
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		failures+=("$2")
		[ -f "$1.detail" ] && cat "$1.detail" >>"$details"
	fi
}

wanted() { case "$1" in *"$filter"*) return 0 ;; esac; return 1; }

# Each phase's wall time, printed at the end beside the slowest scripts.
phases=""
phase_end() { phases+="${phases:+, }$1 $((SECONDS - phase_t0)) s"; phase_t0=$SECONDS; }
phase_t0=$SECONDS
for bin in "$BUILD"/tests/unit/test_* "$BUILD"/tests/kernel/test_*; do
	[ -x "$bin" ] && wanted "$(basename "$bin")" || continue
	run_cmocka "$bin"
done

phase_end cmocka

# The libFuzzer targets, a few seconds each, and their regression files
# (tests/fuzz/Makefile); each target is one passed or failed line.
if [ $unit_only -eq 0 ] && { [ -z "$filter" ] || [ "$filter" = fuzz ]; }; then
	echo "# fuzz smoke run"
	out=$(mktemp)
	if make --no-print-directory fuzz-build >"$out" 2>&1; then
		make --no-print-directory -s -C tests/fuzz smoke BUILD="$BUILD" >"$out" 2>&1
	fi
	sed 's/^/#   /' "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	[ $((p + f)) -gt 0 ] || f=1 # the targets did not build
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || { failures+=("tests/fuzz"); detail tests/fuzz "$out"; }
	rm -f "$out"
fi

phase_end fuzz

# Integration scripts run JOBS at a time (default 2: most of a script's
# time is waiting on timeouts, sleeps and the kernel, and every script's
# names are its own). A script with the line "# run alone" (it needs no
# other topology up, or times the machine) runs after the others, by
# itself. Logs print whole, as each script ends.
JOBS=${JOBS:-2}
results=$(mktemp -d)
trap 'rm -rf "$details" "$durations" "$results"' EXIT
pool_wait() { # until fewer than $1 jobs run; collects the finished
	local r
	while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n 2>/dev/null || true; done
	for r in "$results"/*.pending; do
		[ -e "$r" ] || continue
		r=${r%.pending}
		if [ -e "$r" ] || ! kill -0 "$(cat "$r.pid")" 2>/dev/null; then
			collect "$r" "$(cat "$r.pending")"
			rm -f "$r.pending"
		fi
	done
}
run_job() { # n script
	local r=$results/$1
	echo "$2" >"$r.pending"
	run_script "$2" "$r" >"$r.log" 2>&1 &
	echo $! >"$r.pid"
}
if [ $unit_only -eq 0 ] && [ "$filter" != fuzz ]; then
	n=0
	alone=()
	for t in tests/integration/t_*.sh; do
		wanted "$(basename "$t")" || continue
		if [ "$(id -u)" != 0 ]; then
			echo "# integration: $t: SKIPPED (needs root; run: sudo make check)"
			skipped=$((skipped + 1))
			continue
		fi
		if grep -q '^# run alone' "$t"; then
			alone+=("$t")
			continue
		fi
		pool_wait "$JOBS"
		run_job $((n += 1)) "$t"
	done
	for t in "${alone[@]}"; do
		pool_wait 1
		run_job $((n += 1)) "$t"
	done
	pool_wait 1
fi
phase_end integration

echo "# phases (wall): $phases"
if [ -s "$durations" ]; then
	echo "# slowest integration scripts (s): $(sort -rn "$durations" | head -n 8 | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')"
fi
cat "$details"
if [ $((passed + failed + skipped)) -eq 0 ]; then
	echo "# no test matched '${filter}'"
	failed=1
fi
[ "$skipped" -eq 0 ] || echo "# NOT A FULL RUN: $skipped skipped (the lines above marked SKIPPED or '# SKIP' say why)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
