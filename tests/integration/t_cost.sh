#!/bin/bash
# What invokes would cost: invoke --cost adds a COST line after REPORT, and
# status shows each function's requests, billed GB-seconds and price so
# far, all from the billed durations of real invokes.
. "$(dirname "$0")/lib.sh"
plan 14
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
check "up $T" "$VPCSIM" up "$F"

for i in 1 2 3; do
	"$VPCSIM" invoke -t "$T" default-fn --cost -- true >"$TMP/inv$i" 2>&1
	check "invoke $i of default-fn (128 MB) with --cost" test $? -eq 0
done
check "COST follows REPORT" bash -c "grep -A1 '^REPORT' '$TMP/inv1' | tail -1 | grep -q '^COST Requests: 1	Billed GB-s: '"
check "COST names the rates and the free tier" \
	grep -q 'on-demand x86: \$0.20 per 1M requests, \$0.0000166667 per GB-s; free tier: 1,000,000 requests and 400,000 GB-seconds a month' "$TMP/inv1"
# one reader invoke (256 MB) and one default-fn invoke that times out (3 s,
# billed as Lambda bills a timeout: the whole timeout)
"$VPCSIM" invoke -t "$T" reader -- true >"$TMP/r1" 2>&1
check "invoke reader (256 MB) without --cost prints no COST" bash -c "! grep -q '^COST' '$TMP/r1'"
"$VPCSIM" invoke -t "$T" default-fn -- sleep 5 >"$TMP/inv4" 2>&1
check "a timed-out invoke fails" test $? -eq 1

billed() { sed -n 's/.*Billed Duration: \([0-9]*\) ms.*/\1/p' "$@"; }
"$VPCSIM" status "$T" --json >"$TMP/status.json"
"$VPCSIM" status "$T" >"$TMP/status.txt"
check "each COST line's GB-s is its billed ms / 1000 x 0.125" /usr/bin/python3 - "$TMP" <<'PY'
import re, sys
for i in (1, 2, 3):
    t = open("%s/inv%d" % (sys.argv[1], i)).read()
    ms = int(re.search(r"Billed Duration: (\d+) ms", t).group(1))
    gbs = float(re.search(r"Billed GB-s: ([0-9.]+)", t).group(1))
    price = float(re.search(r"Price: \$([0-9.]+)", t).group(1))
    assert abs(gbs - ms / 1000 * 0.125) < 1e-9, (ms, gbs)
    assert abs(price - (0.2e-6 + gbs * 0.0000166667)) < 1e-10, (price, gbs)
PY
check "status --json: default-fn has 4 requests and the sum of their billed GB-s and price" \
	/usr/bin/python3 - "$TMP/status.json" $(billed "$TMP"/inv[1-4]) <<'PY'
import json, sys
fn = {f["name"]: f for f in json.load(open(sys.argv[1]))["functions"]}["default-fn"]
ms = [int(x) for x in sys.argv[2:]]
assert len(ms) == 4 and ms[3] == 3000, ms
gbs = sum(ms) / 1000 * 0.125
assert fn["requests"] == 4, fn
assert abs(fn["billed_gb_seconds"] - gbs) < 1e-9, (fn, gbs)
assert abs(fn["price_usd"] - (4 * 0.2e-6 + gbs * 0.0000166667)) < 1e-12, fn
PY
check "status --json: reader has 1 request at 256 MB" \
	/usr/bin/python3 - "$TMP/status.json" $(billed "$TMP/r1") <<'PY'
import json, sys
fn = {f["name"]: f for f in json.load(open(sys.argv[1]))["functions"]}
assert fn["reader"]["requests"] == 1 and abs(fn["reader"]["billed_gb_seconds"] - int(sys.argv[2]) / 1000 * 0.25) < 1e-9, fn
assert fn["edge"]["requests"] == 0 and fn["edge"]["price_usd"] == 0, fn
PY
check "status shows REQUESTS, BILLED GB-S and PRICE per function" \
	bash -c "grep -q 'REQUESTS  BILLED GB-S  PRICE' '$TMP/status.txt' && grep -Eq '^default-fn .* 4 +0\\.[0-9]{6} +\\\$0\\.[0-9]+$' '$TMP/status.txt'"
check "status names the rates and the free tier" grep -q '^PRICE at on-demand x86: .*free tier' "$TMP/status.txt"
check "down $T" "$VPCSIM" down "$T"
