#!/bin/bash
# The connection storm through the Invoke API (docs/RDS.md, issue 22):
# bench/storm.sh on examples/rds-proxy.json with small numbers. boto3 on
# the host calls `vpcsim serve`; the function app reads the database
# password from Secrets Manager at init and holds one connection per
# invoke. The warm-up makes one environment per invoke (5 more at each
# step); the storm's 20 invokes are in flight at once, each in an
# environment of its own: straight at the database (max_connections 20)
# some are refused, through the proxy all succeed and the database sees
# at most the pool.
. "$(dirname "$0")/lib.sh"
plan 13
STORM=${STORM:-$ROOT/bench/storm.sh} # (another storm.sh: to run this test against it)
N=20
export STORM_STEP=5 # (4 steps: the test stays short on a loaded machine)
T=$(unique_name)
topo_copy "$ROOT/examples/rds-proxy.json" "$T"
cp -r "$ROOT/examples/rds-proxy" "$TMP/rds-proxy" # app's code (storm.py)
res() { grep '^RESULT' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

check "no function of the example carries a database password" python3 -c "
import json, sys
fns = json.load(open('$F'))['functions']
bad = [f['name'] for f in fns if 'PGPASSWORD' in json.dumps(f.get('environment', {}))]
sys.exit('carry PGPASSWORD: %s' % bad if bad else 0)"
check "up $T" V up "$F"

echo "# ${SECONDS}s"
VPCSIM=$VPCSIM "$STORM" -t "$T" -n $N -s 3 db >"$TMP/db" 2>&1
VPCSIM=$VPCSIM "$STORM" -t "$T" -n $N -s 3 proxy >"$TMP/proxy" 2>&1
sed 's/^/# /' "$TMP/db" "$TMP/proxy"
echo "# ${SECONDS}s"

# Concurrency through serve: the warm-up made an environment per invoke,
# and the storm had them busy at once (serve one invoke at a time would
# show 1 environment, 1 busy, and a database peak of 1).
check "the warm-up raised app to $N environments (got $(res "$TMP/db" envs_warm))" \
	test "$(res "$TMP/db" envs_warm)" -ge $N
check "the storm had many environments busy at once (busy peak $(res "$TMP/db" busy_peak))" \
	bash -c '[ "${1:-0}" -gt 1 ]' _ "$(res "$TMP/db" busy_peak)"
check "direct: the database held connections of many invokes at once (peak $(res "$TMP/db" peak))" \
	bash -c '[ "${1:-0}" -gt 1 ] && [ "$1" -le 20 ]' _ "$(res "$TMP/db" peak)"
check "direct: the database refused some (SQLSTATE 53300) ($(res "$TMP/db" refused) of $N)" \
	test "$(res "$TMP/db" refused)" -gt 0
check "direct: PostgreSQL's error reached boto3 as the function's error" \
	grep -qE "seen: [0-9]+ .*FATAL: +(sorry, too many clients already|remaining connection slots are reserved)" "$TMP/db"
check "direct: every other invoke succeeded" \
	test "$(($(res "$TMP/db" ok) + $(res "$TMP/db" refused)))" = $N
check "proxy: all $N succeed" test "$(res "$TMP/proxy" ok)" = $N
check "proxy: the database never saw more than the pool of 17 (peak $(res "$TMP/proxy" peak))" \
	bash -c '[ "${1:-0}" -ge 1 ] && [ "$1" -le 17 ]' _ "$(res "$TMP/proxy" peak)"
check "proxy: the storm ran in the warm environments (no new one: $(res "$TMP/proxy" envs_before) -> peak $(res "$TMP/proxy" envs_peak))" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$(res "$TMP/proxy" envs_peak)" "$(res "$TMP/proxy" envs_before)"
check "storm.sh stopped its serve" bash -c "! pgrep -f 'vpcsim [s]erve -t $T( |\$)' >/dev/null"
check "down $T" V down "$T"
