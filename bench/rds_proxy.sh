#!/bin/bash
# RDS Proxy figures (docs/RDS.md, docs/BENCHMARKS.md): what vpcsim-rds-proxy
# costs and what pinning does, on a topology of its own
# (tests/integration/data/rds_proxy.json: max_connections 40, pool 18):
#   1. per-query latency, SELECT 1 over one open connection, straight to
#      the database and through the proxy (p50/p99, N queries, psycopg2
#      in a function);
#   2. connections per second: connect, SELECT 1, close, in a loop;
#   3. the storm (bench/storm.sh, through `vpcsim serve`, on
#      examples/rds-proxy.json) of N sessions that query, idle 3 s and
#      query again, through the proxy without and with a SET, and through
#      the proxy iq whose InitQuery is the SET: the database's peak client
#      connections.
#   bench/rds_proxy.sh [QUERIES] [CONNECTS] [STORM_N]   (default 2000 200 30)
set -u
cd "$(dirname "$0")/.."
VPCSIM=${VPCSIM:-build/vpcsim}
Q=${1:-2000} C=${2:-200} N=${3:-30}
T=bp$$
tmp=$(mktemp -d /tmp/vpcsim-rdsbench.XXXXXX)
trap '$VPCSIM down "$T" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
sed "s/\"name\": \"rdsproxy\"/\"name\": \"$T\"/" tests/integration/data/rds_proxy.json >"$tmp/t.json"
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || { echo "rds_proxy: python3-psycopg2 missing (make deps)" >&2; exit 1; }
$VPCSIM up "$tmp/t.json" >/dev/null || exit 1
CLIENT='
import sys, time, psycopg2
host, what, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if what == "query":
    c = psycopg2.connect(host=host); c.autocommit = True; cur = c.cursor()
    for _ in range(50):
        cur.execute("SELECT 1"); cur.fetchone()
    lat = []
    for _ in range(n):
        t = time.perf_counter(); cur.execute("SELECT 1"); cur.fetchone(); lat.append(time.perf_counter() - t)
    lat.sort()
    print("RESULT p50=%.0f p99=%.0f" % (lat[n // 2] * 1e6, lat[int(n * 0.99)] * 1e6))
else:
    t = time.perf_counter()
    for _ in range(n):
        c = psycopg2.connect(host=host); cur = c.cursor(); cur.execute("SELECT 1"); c.close()
    print("RESULT rate=%.1f" % (n / (time.perf_counter() - t)))
'
run() { $VPCSIM invoke -t "$T" app -- /usr/bin/python3 -c "$CLIENT" "$@" 2>&1 | sed -n 's/^RESULT //p'; }
echo "rds proxy: psycopg2 in a VPC function, $Q queries / $C connections each way"
printf '  %-34s %s\n' "SELECT 1 straight to the database" "$(run db query "$Q") us"
printf '  %-34s %s\n' "SELECT 1 through the proxy" "$(run proxy query "$Q") us"
printf '  %-34s %s\n' "connections/s to the database" "$(run db connect "$C")"
printf '  %-34s %s\n' "connections/s through the proxy" "$(run proxy connect "$C")"
# The storm runs on examples/rds-proxy.json (its function app reads the
# password from Secrets Manager; this topology's app is an ad-hoc harness
# whose tests hand it wrong and rotated passwords): pool 17, iq's 10.
$VPCSIM down "$T" >/dev/null 2>&1
T2=bs$$
trap '$VPCSIM down "$T" >/dev/null 2>&1; $VPCSIM down "$T2" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cp -r examples/rds-proxy "$tmp/"
sed '0,/"name": *"[^"]*"/s//"name": "'"$T2"'"/' examples/rds-proxy.json >"$tmp/storm.json"
$VPCSIM up "$tmp/storm.json" >/dev/null || exit 1
for mode in idle set; do
	r=$(bench/storm.sh -t "$T2" -d db -n "$N" -s 3 -m "$mode" proxy 2>&1 | grep '^RESULT')
	printf '  %-34s %s\n' "storm $N x (query, 3 s idle) $mode" "${r#RESULT }"
done
printf '  %-34s %s\n' "storm $N x idle via InitQuery (iq)" \
	"$(bench/storm.sh -t "$T2" -d db -n "$N" -s 3 -m idle iq 2>&1 | grep '^RESULT' | sed 's/^RESULT //')"
