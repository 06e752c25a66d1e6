#!/bin/bash
# The connection storm (docs/RDS.md): N concurrent Lambda Invoke calls of a
# VPC function through `vpcsim serve` (the Invoke API), made by boto3 from
# the host (one client, N threads and keep-alive connections: as the SDK
# meets Lambda), each invoke opening one PostgreSQL connection to TARGET
# and holding it for S seconds; serve gives each concurrent invoke an
# execution environment of its own, so the environments rise with the
# load. Run it once with the database as TARGET and once with its
# rds-proxy. Prints what the clients saw, the function's environments
# (counted every second with `vpcsim status --json`), the invokes'
# latency and the database's peak number of client connections
# (pg_stat_activity polled every 50 ms over the engine's unix socket, as
# its admin user):
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
# FN is a handler taking {"target", "mode", "seconds"} that reads the
# database password from Secrets Manager (examples/rds-proxy/storm.py,
# the function app of examples/rds-proxy.json). storm.sh starts its own
# `vpcsim serve` on a free loopback port and stops it at the end; the
# environments stay (warm) for the next run. The last line is for scripts:
#   RESULT target=T mode=M n=N ok=A refused=B timeout=C throttled=D other=E
#          peak=P samples=K envs_before=E0 envs_warm=EW warmup_s=WS
#          inits=I init_p50_s=IP init_max_s=IM init_late=IL (the warm-up's
#          cold starts: their Init Duration, and those past the 10 s limit)
#          envs_peak=EP busy_peak=BP p50_ms=L50 p99_ms=L99 send_s=SS wall_s=W
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
[ $# -eq 1 ] || { echo "usage: bench/storm.sh [-t TOPO] [-f FN] [-n N] [-s S] [-d DB] [-m MODE] TARGET" >&2; exit 2; }
TARGET=$1
case $MODE in
hold | idle | set) ;;
*) echo "storm: -m hold, idle or set, not $MODE" >&2; exit 2 ;;
esac
[[ $N =~ ^[1-9][0-9]{0,3}$ ]] || { echo "storm: -n takes 1 to 9999 invokes, not $N" >&2; exit 2; }
[[ $S =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "storm: -s takes seconds (2, 0.5), not $S" >&2; exit 2; }
# The server's own psql, not Debian's perl wrapper (it complains about
# the locale Lambda sets).
PSQL=${PSQL:-$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)}
[ -x "$PSQL" ] || { echo "storm: psql not found: install postgresql-client" >&2; exit 1; }
PY=/usr/bin/python3
$PY -c 'import boto3' 2>/dev/null || { echo "storm: python3-boto3 missing (make deps)" >&2; exit 1; }

status=$($VPCSIM status ${TOPO:+"$TOPO"} --json) || exit 1
read -r TOPO SOCK PORT ADMIN FROM < <($PY -c '
import json, sys
d = json.loads(sys.argv[1])
dbs = [x for x in d.get("databases", []) if not sys.argv[2] or x["name"] == sys.argv[2]]
if not dbs:
    sys.exit("storm: no database with an engine" + (" named " + sys.argv[2] if sys.argv[2] else ""))
px = [x["listening"].split(":")[0] for x in d.get("proxies", []) if x["name"] == sys.argv[3]]
print(d["name"], dbs[0]["socket_dir"], dbs[0]["port"], dbs[0]["admin_user"], px[0] if px else "-")
' "$status" "$DB" "$TARGET") || exit 1

tmp=$(mktemp -d /tmp/vpcsim-storm.XXXXXX)
poller="" serve=""
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
	if [ -n "$serve" ]; then
		kill "$serve" 2>/dev/null
		wait "$serve" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The Invoke API: serve on a free loopback port, signed with the
# topology's admin key (docs/RUNTIME.md).
LPORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$VPCSIM serve -t "$TOPO" --listen "127.0.0.1:$LPORT" >"$tmp/serve.out" 2>&1 &
serve=$!
$VPCSIM credentials -t "$TOPO" >"$tmp/cred" || exit 1
for _ in $(seq 100); do
	grep -q serving "$tmp/serve.out" && break
	kill -0 "$serve" 2>/dev/null || break
	sleep 0.1
done
grep -q serving "$tmp/serve.out" || { echo "storm: vpcsim serve did not start: $(head -c 300 "$tmp/serve.out")" >&2; exit 1; }

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

event=$(printf '{"target": "%s", "mode": "%s", "seconds": %s}' "$TARGET" "$MODE" "$S")
(. "$tmp/cred" && VPCSIM=$VPCSIM $PY bench/storm_client.py "http://127.0.0.1:$LPORT" "$TOPO" "$FN" "$N" "$event") \
	>"$tmp/client" 2>"$tmp/client.err"
sleep 0.2
stop_poller
client=$(sed -n 's/^CLIENT //p' "$tmp/client")
if [ -z "$client" ]; then
	echo "storm: the client failed: $(tail -c 600 "$tmp/client.err")" >&2
	exit 1
fi
# No sample means no measurement (the admin session failed): say so and
# fail rather than report a peak of 0 that every bound would accept.
samples=$(grep -c '^[0-9][0-9]*$' "$tmp/peak")
peak=$(grep '^[0-9][0-9]*$' "$tmp/peak" | sort -n | tail -1)
wall=$(echo "$client" | tr ' ' '\n' | sed -n 's/^wall=//p')

printf '%s: %d invokes (%s, %ss) through vpcsim serve, %s s in all\n' "$TARGET" "$N" "$MODE" "$S" "$wall"
grep '^  ' "$tmp/client" | sed '/^  environments of/i\
  database peak client connections         '"$(printf '%3s' "${peak:-?}")"
sed -n 's/^SEEN \([0-9]*\) /  seen: \1 /p' "$tmp/client"
if [ "$samples" -eq 0 ]; then
	echo "storm: the database's connections were not measured (no answer from psql -h $SOCK -p $PORT -U $ADMIN): $(head -c 300 "$tmp/peak.err")" >&2
	exit 1
fi
echo "RESULT target=$TARGET mode=$MODE n=$N $(echo "$client" | sed 's/wall=[^ ]* //') peak=$peak samples=$samples wall_s=$wall"
