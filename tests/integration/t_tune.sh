#!/bin/bash
# vpcsim tune: a CPU-bound function (examples/power-tuning.json) invoked at
# three memory sizes. The shape, not the timing: the 128 MB duration is
# the longest (its cgroup gets 72/1000 of a CPU, the kernel's cap), the
# cheapest and fastest lines name the sizes the table's own columns make
# cheapest and fastest, the chart is an SVG or a PNG of those sizes, and
# the function keeps its own memory size afterwards.
. "$(dirname "$0")/lib.sh"
plan 10
T=$(unique_name)
cp -r "$ROOT/examples/power-tuning" "$TMP/power-tuning"
topo_copy "$ROOT/examples/power-tuning.json" "$T"
check "up $T" V up "$F"
V tune -t "$T" spin --memory 128,512,1769 --runs 3 >"$TMP/table" 2>"$TMP/log"
is "tune: exit 0, a row per size" "0 3" "$? $(grep -c '^ *[0-9]* MB ' "$TMP/table")"
# the table's rows: MB p50 p95 billed cost
awk '$2 == "MB" && NF == 7 {print $1, $3, $4, $5, $6}' "$TMP/table" | tr -d '$' >"$TMP/rows"
check "the 128 MB row is the slowest (CPU comes with memory)" python3 -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
p50 = {int(r[0]): float(r[1]) for r in rows}
sys.exit(not (p50[128] > p50[512] and p50[128] > p50[1769]))' "$TMP/rows"
check "p95 >= p50 and the cost is the billed GB-s plus the request, per row" python3 -c '
import sys
for mb, p50, p95, billed, usd in (l.split() for l in open(sys.argv[1])):
    want = 0.2e-6 + int(billed) / 1000 * int(mb) / 1024 * 0.0000166667
    if float(p95) < float(p50) or abs(float(usd) - want) > want * 0.01:
        sys.exit(1)' "$TMP/rows"
is "cheapest: the lowest cost of the table" \
	"$(sort -k5 -g "$TMP/rows" | head -1 | awk '{print $1}')" "$(awk '/^cheapest:/ {print $2}' "$TMP/table")"
is "fastest: the lowest p50 of the table" \
	"$(sort -k2 -g "$TMP/rows" | head -1 | awk '{print $1}')" "$(awk '/^fastest:/ {print $2}' "$TMP/table")"
V tune -t "$T" spin --memory 128,1769 --runs 1 --format svg -o "$TMP/tune.svg" >/dev/null 2>"$TMP/log"
check "--format svg: an SVG with both sizes on its axis" bash -c \
	"grep -q '<svg' '$TMP/tune.svg' && grep -q '>128 MB<' '$TMP/tune.svg' && grep -q '>1769 MB<' '$TMP/tune.svg'"
V tune -t "$T" spin --memory 128,1769 --runs 1 --format png -o "$TMP/tune.png" >/dev/null 2>"$TMP/log"
check "--format png: a PNG" bash -c "head -c 8 '$TMP/tune.png' | od -An -c | grep -q 'P   N   G'"
V invoke -t "$T" spin --payload '{"turns": 10}' >"$TMP/out.json" 2>"$TMP/log"
is "afterwards the function runs at its own 128 MB again" 128 "$(field 'j["memory_mb"]')"
check "down $T" V down "$T"
