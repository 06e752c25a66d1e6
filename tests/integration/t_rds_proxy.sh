#!/bin/bash
# vpcsim-rds-proxy as RDS Proxy (docs/RDS.md, "The proxy"): multiplexing
# between transactions without state leaking between clients; pinning on
# each condition AWS documents, counted by DatabaseConnectionsCurrentlySessionPinned
# and released at disconnect; InitQuery instead of SET; malformed and
# vanishing clients; a database that drops the proxy's connections; the
# storm with and without pinning. Real clients: psql and psycopg2 in
# function sandboxes.
. "$(dirname "$0")/lib.sh"
plan 27
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/rds_proxy.json" "$T"
V() { "$VPCSIM" "$@"; }
PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
PIN=$(cat "$ROOT/tests/integration/rds_pin.py")
py() { V invoke -t "$T" app -- /usr/bin/python3 -c "$PIN" "$@"; }
q() { V invoke -t "$T" app -- "$PSQL" -h "$1" -Atc "$2"; }
# metric PROXY NAME: RDS Proxy's figure from status --json
metric() {
	V status "$T" --json | python3 -c 'import json,sys
p=[x for x in json.load(sys.stdin)["proxies"] if x["name"] == sys.argv[1]][0]
print((p["metrics"] or {}).get(sys.argv[2], "none"))' "$1" "$2"
}
# wait_metric PROXY NAME VALUE: until it reads VALUE (20 s at most)
wait_metric() {
	local i
	for i in $(seq 100); do
		[ "$(metric "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	echo "# $1 $2 = $(metric "$1" "$2"), wanted $3"
	return 1
}
LOG=/run/vpcsim/$T/logs
export -f V q metric
export T PSQL VPCSIM

/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || { skip "rds proxy" "python3-psycopg2 is not installed (make deps)"; exit 0; }
check "up $T" V up "$F"
pid=$(pgrep -f -x vpcsim-rds-proxy -n -u "$(stat -c %u "/run/vpcsim/$T/engine-proxy")")

echo "# ---- no session state leaks between clients ----"
py proxy leak >"$TMP/leak" 2>&1
check "the client that ran SET sees its setting" grep -qx "A leaked" "$TMP/leak"
check "another client at the same time does not" grep -qx 'B "\$user", public' "$TMP/leak"
check "a client after it left does not (its connection was reset)" grep -qx 'C "\$user", public' "$TMP/leak"
check "the proxy logged the pin with RDS Proxy's words" \
	grep -q "The client session was pinned to the database connection .* Reason: SET command" "$LOG/proxy.log"

echo "# ---- pinning per condition, released at disconnect ----"
py proxy pin 6 >"$TMP/pin" 2>&1 &
holder=$!
check "10 sessions, one per condition, are pinned (DatabaseConnectionsCurrentlySessionPinned)" \
	wait_metric proxy DatabaseConnectionsCurrentlySessionPinned 10
check "12 clients connected (ClientConnections)" test "$(metric proxy ClientConnections)" = 12
wait $holder
check "the sessions ran" grep -q "^closed" "$TMP/pin"
for why in "SET command" "setting a parameter (set_config)" "temporary table, sequence or view" \
	"advisory lock" "LISTEN" "prepared statement" "DECLARE cursor" \
	"sequence function (nextval/setval)" "DISCARD" "statement larger than 16 KB"; do
	check "pinned for: $why" grep -q "Reason: $why\$" "$LOG/proxy.log"
done
check "pins are released at disconnect" wait_metric proxy DatabaseConnectionsCurrentlySessionPinned 0
V invoke -t "$T" app -- sh -c "echo 'SELECT 1 \\gdesc' | $PSQL -h proxy" >"$TMP/gdesc" 2>&1
check "pinned for the extended query protocol (psql's \\gdesc)" \
	grep -q "Reason: extended query protocol (Parse)" "$LOG/proxy.log"

echo "# ---- InitQuery instead of SET ----"
py iq show >"$TMP/iq" 2>&1
check "InitQuery's search_path is every client's" grep -qx "search_path app, public" "$TMP/iq"
check "and pins nothing" bash -c "! grep -q 'Reason' '$LOG/iq.log'"

echo "# ---- malformed and vanishing clients ----"
V invoke -t "$T" app -- /usr/bin/python3 -c '
import socket, struct, sys
def talk(data, close_early=False):
    s = socket.create_connection(("proxy", 5432), 5)
    s.sendall(data)
    if close_early:
        s.close(); return b""
    s.settimeout(5)
    try:
        out = s.recv(4096)
    except Exception as e:
        out = repr(e).encode()
    s.close()
    return out
print(talk(struct.pack("!I", 0xffffffff) + b"x" * 20))
print(talk(struct.pack("!II", 9, 131072) + b"\0"))
print(talk(struct.pack("!II", 20, 196608) + b"database\0x\0\0"))
print(talk(struct.pack("!II", 200, 196608) + b"user\0", True))
print(talk(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64))
' >"$TMP/bad" 2>&1
check "a length out of bounds: invalid length of startup packet" grep -q "invalid length of startup packet" "$TMP/bad"
check "protocol 2.0: RDS Proxy supports only version 3.0" \
	grep -q "Feature not supported: RDS Proxy supports only version 3.0 of the PostgreSQL messaging protocol." "$TMP/bad"
check "no user: A user name is missing from the connection startup packet" \
	grep -q "A user name is missing from the connection startup packet. Provide a user name for this connection." "$TMP/bad"
V invoke -t "$T" app -- /usr/bin/python3 -c '
import os, psycopg2
c = psycopg2.connect(host="proxy"); cur = c.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS vanish (x int)"); c.commit()
cur.execute("INSERT INTO vanish VALUES (1)")
os._exit(0)' >/dev/null 2>&1
check "the proxy survived them all (same process)" bash -c "kill -0 $pid"
check "a client that vanished mid-transaction left nothing committed" \
	bash -c "[ \"\$(q proxy 'SELECT count(*) FROM vanish' | head -1)\" = 0 ]"

echo "# ---- the database drops the proxy's connections ----"
q db "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'vpcsim-rds-proxy'" >"$TMP/term" 2>&1
check "every server connection of the proxies was terminated" grep -qE '^[1-9][0-9]*$' "$TMP/term"
check "the next client gets a fresh one (the proxy recovers)" bash -c "q proxy 'SELECT 42' | grep -qx 42"

echo "# ---- down ----"
check "down $T" V down "$T"
check "no proxy process left" bash -c "! kill -0 $pid 2>/dev/null"
