#!/bin/bash
# The connection storm (docs/RDS.md): N concurrent invokes of a VPC
# function, each opening one PostgreSQL connection to TARGET and holding it
# for S seconds, against a topology that is up. Run it once with the
# database as TARGET and once with its rds-proxy. Prints what the clients
# saw and the database's peak number of client connections (pg_stat_activity
# polled every 50 ms over the engine's unix socket, as its admin user):
#
#   bench/storm.sh [-t TOPO] [-f FN] [-n N] [-s S] [-d DB] [-m MODE] TARGET
#     -t TOPO  the topology (default: the only one up)
#     -f FN    the function (default: app)      -n N  invokes (default: 60)
#     -s S     seconds each holds its connection (default: 2)
#     -d DB    the database whose peak is measured (default: the first)
#     -m MODE  what each session does (default: hold):
#              hold  SELECT pg_sleep(S): a query S seconds long
#              idle  SELECT 1, then S seconds idle (the handler doing other
#                    work: an HTTP call...), then SELECT 1
#              set   SET search_path TO public first, then as idle: the
#                    SET pins the session to its database connection
#
# The function needs PGUSER, PGPASSWORD (and PGDATABASE) in its environment
# (examples/rds-proxy.json). The last line is for scripts:
#   RESULT target=T n=N ok=A refused=B timeout=C other=D peak=P samples=K
# and it exits 1 without it when the peak could not be measured.
set -u
cd "$(dirname "$0")/.."
VPCSIM=${VPCSIM:-build/vpcsim}
TOPO="" FN=app N=60 S=2 DB="" MODE=hold
while getopts "t:f:n:s:d:m:" o; do
	case $o in
	t) TOPO=$OPTARG ;;
	f) FN=$OPTARG ;;
	n) N=$OPTARG ;;
	s) S=$OPTARG ;;
	d) DB=$OPTARG ;;
	m) MODE=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: bench/storm.sh [-t TOPO] [-f FN] [-n N] [-s S] [-d DB] TARGET" >&2; exit 2; }
TARGET=$1
case $MODE in
hold) session=(-c "SELECT pg_sleep($S)") ;;
idle) session=(-c "SELECT 1" -c "\\! sleep $S" -c "SELECT 1") ;;
set) session=(-c "SET search_path TO public" -c "SELECT 1" -c "\\! sleep $S" -c "SELECT 1") ;;
*) echo "storm: -m hold, idle or set, not $MODE" >&2; exit 2 ;;
esac
# The server's own psql, not Debian's perl wrapper (it complains about
# the locale Lambda sets).
PSQL=${PSQL:-$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)}
[ -x "$PSQL" ] || { echo "storm: psql not found: install postgresql-client" >&2; exit 1; }
topt=()
[ -n "$TOPO" ] && topt=(-t "$TOPO")

status=$($VPCSIM status ${TOPO:+"$TOPO"} --json) || exit 1
read -r SOCK PORT ADMIN FROM < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
dbs = [x for x in d.get("databases", []) if not sys.argv[2] or x["name"] == sys.argv[2]]
if not dbs:
    sys.exit("storm: no database with an engine" + (" named " + sys.argv[2] if sys.argv[2] else ""))
px = [x["listening"].split(":")[0] for x in d.get("proxies", []) if x["name"] == sys.argv[3]]
print(dbs[0]["socket_dir"], dbs[0]["port"], dbs[0]["admin_user"], px[0] if px else "-")
' "$status" "$DB" "$TARGET") || exit 1

tmp=$(mktemp -d /tmp/vpcsim-storm.XXXXXX)
poller=""
# The poller is a pipeline in a background subshell: killing the subshell
# would leave the loop and psql running (and holding our stdout), so it
# polls while $tmp/polling exists and stops by itself when that goes.
stop_poller() {
	[ -n "$poller" ] || return 0
	rm -f "$tmp/polling"
	wait "$poller" 2>/dev/null
	poller=""
}
cleanup() {
	stop_poller
	rm -rf "$tmp"
}
trap cleanup EXIT

# One admin session polls the count; the engine reserves superuser slots,
# so it gets in however full the database is.
# Through a proxy, only that proxy's connections count (another proxy of
# the same database may keep idle ones from an earlier run).
q="SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename <> '$ADMIN'"
[ "$FROM" != - ] && q="$q AND client_addr = '$FROM'"
q="$q;"
: >"$tmp/polling"
(while [ -e "$tmp/polling" ]; do echo "$q"; sleep 0.05; done | "$PSQL" -h "$SOCK" -p "$PORT" -U "$ADMIN" -d postgres -At \
	>"$tmp/peak" 2>"$tmp/peak.err") &
poller=$!

t0=$(date +%s.%N)
pids=()
for i in $(seq 1 "$N"); do
	$VPCSIM invoke "${topt[@]}" "$FN" -- "$PSQL" -h "$TARGET" -At "${session[@]}" \
		>"$tmp/$i.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(date +%s.%N)
sleep 0.2
stop_poller

ok=0 refused=0 timeout=0 other=0
for i in $(seq 1 "$N"); do
	f=$tmp/$i.out
	if grep -qE "too many clients already|remaining connection slots are reserved" "$f"; then
		refused=$((refused + 1))
	elif grep -qE "timeout expired|Task timed out|query_wait_timeout|Timed-out waiting" "$f"; then
		timeout=$((timeout + 1))
	elif grep -q "^REPORT RequestId" "$f" && ! grep -qiE "error|fatal" "$f"; then
		ok=$((ok + 1))
	else
		other=$((other + 1))
		[ "$other" -le 3 ] && sed 's/^/    other: /' "$f" | head -3
	fi
done
# No sample means no measurement (the admin session failed): say so and
# fail rather than report a peak of 0 that every bound would accept.
samples=$(grep -c '^[0-9][0-9]*$' "$tmp/peak")
peak=$(grep '^[0-9][0-9]*$' "$tmp/peak" | sort -n | tail -1)
example=$(grep -hoE "FATAL: .*" "$tmp"/*.out | sort | uniq -c | sort -rn | head -2)

printf '%s: %d invokes (%s, %ss), %.1f s in all\n' "$TARGET" "$N" "$MODE" "$S" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
printf '  succeeded                                %3d\n' "$ok"
printf '  refused by the database (53300)          %3d\n' "$refused"
printf '  timed out                                %3d\n' "$timeout"
printf '  other errors                             %3d\n' "$other"
printf '  database peak client connections         %3s\n' "${peak:-?}"
[ -n "$example" ] && echo "$example" | sed 's/^ */  seen: /'
if [ "$samples" -eq 0 ]; then
	echo "storm: the database's connections were not measured (no answer from psql -h $SOCK -p $PORT -U $ADMIN): $(head -c 300 "$tmp/peak.err")" >&2
	exit 1
fi
echo "RESULT target=$TARGET mode=$MODE n=$N ok=$ok refused=$refused timeout=$timeout other=$other peak=$peak samples=$samples"
