#!/bin/bash
# The differential test, small: random topologies from fixed seeds
# (tests/reach_fuzz.py), each brought up, and for every random query
# `reach` (the analysis) and `probe` (real packets) must agree. `make
# fuzz-reach` runs thousands of cases from fresh seeds.
. "$(dirname "$0")/lib.sh"
plan 1
SEED=${REACH_DIFF_SEED:-1}
N=${REACH_DIFF_TOPOLOGIES:-3}
NAME=$(unique_name)
for k in $(seq 0 $((N - 1))); do NAMES+=("$(printf '%s%x' "$NAME" "$k" | cut -c1-12)"); done
python3 "$ROOT/tests/reach_fuzz.py" --seed "$SEED" --topologies "$N" --queries 15 --name "$NAME" >"$TMP/fuzz" 2>&1
rc=$?
sed 's/^/    /' "$TMP/fuzz"
check "reach and probe agree on $(sed -n 's/^\([0-9]*\) cases.*/\1/p' "$TMP/fuzz") random queries (seeds $SEED..$((SEED + N - 1)))" test $rc -eq 0
