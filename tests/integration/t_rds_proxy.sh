#!/bin/bash
# vpcsim-rds-proxy as RDS Proxy (docs/RDS.md, "The proxy"): multiplexing
# between transactions without state leaking between clients; pinning on
# each condition AWS documents, counted by DatabaseConnectionsCurrentlySessionPinned
# and released at disconnect; InitQuery instead of SET; malformed and
# vanishing clients; a database that drops the proxy's connections;
# credentials from Secrets Manager and their rotation (PutSecretValue);
# IAM authentication with tokens of `aws rds generate-db-auth-token`.
# Real clients: psql and psycopg2 in function sandboxes, the AWS CLI and
# boto3 for secrets and tokens.
. "$(dirname "$0")/lib.sh"
plan 44
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/rds_proxy.json" "$T"
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
py proxy pin 10 >"$TMP/pin" 2>&1 &
holder=$!
# The client prints "held" once all 12 sessions have connected and run their
# statement; the two unpinned ones connect after the tenth pin, so reading
# ClientConnections as soon as 10 are pinned could see 10 or 11.
for i in $(seq 100); do grep -q '^held' "$TMP/pin" && break; sleep 0.2; done
check "10 sessions, one per condition, are pinned (DatabaseConnectionsCurrentlySessionPinned)" \
	wait_metric proxy DatabaseConnectionsCurrentlySessionPinned 10
check "12 clients connected (ClientConnections)" wait_metric proxy ClientConnections 12
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

echo "# ---- IAM authentication: iam_auth REQUIRED ----"
eval "$(V credentials -t "$T")"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
TOK=$(/usr/bin/aws rds generate-db-auth-token --hostname iam --port 5432 --username master --region us-east-1)
iam() { # PASSWORD SSLMODE: psql through the iam proxy
	V invoke -t "$T" app -- env PGPASSWORD="$1" PGSSLMODE="$2" "$PSQL" -h iam -Atc "SELECT current_user"
}
export -f iam
check "the token is a SigV4 presigned URL for rds-db, 900 s" \
	bash -c "[[ '$TOK' == iam:5432/\?Action=connect\&DBUser=master\&* ]] && [[ '$TOK' == *X-Amz-Expires=900* ]] && [[ '$TOK' == *%2Frds-db%2Faws4_request* ]]"
check "a valid token over TLS logs in" bash -c "iam '$TOK' require | grep -qx master"
iam "$TOK" disable >"$TMP/iam-notls" 2>&1
check "without TLS: IAM authentication is allowed only with SSL connections." \
	grep -q "FATAL: *IAM authentication is allowed only with SSL connections." "$TMP/iam-notls"
bad=${TOK%?}$([ "${TOK: -1}" = 0 ] && echo 1 || echo 0)
iam "$bad" require >"$TMP/iam-bad" 2>&1
check "a token with a wrong signature is refused in RDS Proxy's words" \
	grep -q "FATAL: *IAM authentication failed for user master. Check the IAM token for this user and try again." "$TMP/iam-bad"
iam Pn4-secret-Wq8 require >"$TMP/iam-pw" 2>&1
check "the password instead of a token is refused" grep -q "IAM authentication failed for user master" "$TMP/iam-pw"
# boto3's own signer, with its clock 16 minutes back: a token made then
OLD=$(/usr/bin/python3 -c '
import datetime, types, boto3, botocore.auth as a
class Then(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() - datetime.timedelta(minutes=16)
M = types.ModuleType("datetime")
M.__dict__.update(datetime.__dict__)
M.datetime = Then
a.datetime = M
try:  # botocore signs with awscrt when it is installed
    import botocore.crt.auth as c
    c.datetime = M
except ImportError:
    pass
print(boto3.client("rds", region_name="us-east-1").generate_db_auth_token("iam", 5432, "master"))')
iam "$OLD" require >"$TMP/iam-old" 2>&1
check "a token made 16 minutes ago (15 min lifetime) is refused" \
	grep -q "IAM authentication failed for user master" "$TMP/iam-old"
check "the proxy's log says it expired" grep -q "IAM token of master refused: expired" "$LOG/iam.log"

echo "# ---- credentials from Secrets Manager, rotated with PutSecretValue ----"
V ca -t "$T" >"$TMP/ca.pem"
NEW=Rt7-rotated-Kp2
V invoke -t "$T" app -- "$PSQL" -h db -Atc "ALTER ROLE master PASSWORD '$NEW'" >/dev/null 2>&1
newpw() { V invoke -t "$T" app -- env PGPASSWORD="$NEW" "$PSQL" -h proxy -Atc "SELECT 7"; }
export -f newpw
export NEW
newpw >"$TMP/rot-before" 2>&1
check "before PutSecretValue the proxy knows only the old password" \
	grep -q "The password that was provided for the role master is wrong." "$TMP/rot-before"
V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	/usr/bin/aws secretsmanager put-secret-value --secret-id db-creds \
	--secret-string "{\"username\": \"master\", \"password\": \"$NEW\"}" >"$TMP/put" 2>&1
check "aws secretsmanager put-secret-value" grep -q VersionId "$TMP/put"
check "after it, a new connection logs in with the new password" bash -c "newpw | grep -qx 7"
q proxy "SELECT 1" >"$TMP/rot-old" 2>&1
check "and the old one is refused" grep -q "The password that was provided for the role master is wrong." "$TMP/rot-old"
check "IAM logins still work (the proxy reaches the database with the rotated secret)" \
	bash -c "V invoke -t $T app -- env PGSSLMODE=require PGPASSWORD='$(/usr/bin/aws rds generate-db-auth-token --hostname iam --port 5432 --username master --region us-east-1)' $PSQL -h iam -Atc 'SELECT current_user' | grep -qx master"
check "the proxy logged the rotation" grep -q "secret db-creds: a new value (rotated) is used from now on" "$LOG/proxy.log"

echo "# ---- down ----"
check "down $T" V down "$T"
check_fails "no proxy process left (a zombie awaiting the host's init is dead)" alive "$pid"
