#!/bin/bash
# `engine: mysql` (docs/RDS.md, "MySQL"): Debian's MariaDB server run by
# vpcsim in the database's ENI, jailed as its own uid, reached from VPC
# functions with Debian's clients, unmodified: the mariadb client and
# PyMySQL. Its max_connections by RDS for MySQL's formula for the
# instance class; MySQL's own errors for a wrong password (1045) and too
# many connections (1040); a security group that does not admit the
# function makes it time out; RDS Proxy in front of it is refused (no
# MySQL pooler in Debian); nothing of the server is left after down.
. "$(dirname "$0")/lib.sh"
plan 28
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/rds_mysql.json" "$T"
PW=Zq9-mysql-Xv7
PW2=Zq9-micro-Xv7
[ -x /usr/sbin/mariadbd ] && [ -x /usr/bin/mariadb ] && /usr/bin/python3 -c 'import pymysql' 2>/dev/null ||
	{ skip "rds mysql" "mariadb-server, mariadb-client or python3-pymysql is not installed (make deps)"; exit 0; }
# The mariadb client in a sandbox of FN: HOST USER PASSWORD SQL, the
# invoke's REPORT line left out.
my() { # FN HOST USER PASSWORD SQL
	V invoke -t "$T" "$1" -- /usr/bin/mariadb --connect-timeout=5 -h "$2" -u "$3" -p"$4" -BNe "$5" 2>&1 |
		grep -v '^REPORT'
}
# PyMySQL in a sandbox of FN: the script's output.
py() { # FN SCRIPT [ARGS]
	local fn=$1 script=$2
	shift 2
	V invoke -t "$T" "$fn" -- /usr/bin/python3 -c "$script" "$@" 2>&1 | grep --line-buffered -v '^REPORT'
}
# No mariadbd of the host runs in the root network namespace (the package's
# own server was never started: scripts/install-deps.sh).
# The test runs in the root namespace (/proc/1/ns is not readable here).
ROOT_NS=$(readlink /proc/self/ns/net)
none_in_root_ns() {
	local p root=$ROOT_NS
	[ -n "$root" ] || { echo "the root namespace is unknown"; return 1; }
	for p in $(pgrep -x mariadbd); do
		[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$root" ] || { echo "mariadbd $p in the root namespace"; return 1; }
	done
}
export -f V my py none_in_root_ns
export T TMP VPCSIM ROOT_NS

echo "# ---- validation: RDS Proxy in front of MySQL, MySQL's bounds ----"
cat >"$TMP/bad.json" <<EOF
{ "name": "mybad",
  "vpcs": [ { "name": "app", "cidr": "10.0.0.0/16", "subnets": [ { "name": "a", "cidr": "10.0.1.0/24" } ] } ],
  "resources": [
    { "name": "db", "kind": "rds", "engine": "mysql", "subnet": "a",
      "master_username": "admin", "master_password": "$PW" },
    { "name": "proxy", "kind": "rds-proxy", "subnet": "a", "target": "db" },
    { "name": "db2", "kind": "rds", "engine": "mysql", "subnet": "a", "max_connections": 5,
      "master_username": "root", "master_password": "$PW" },
    { "name": "db3", "kind": "rds", "engine": "mysql", "subnet": "a",
      "master_username": "a_user_name_of_17", "master_password": "0123456789012345678901234567890123456789xy" },
    { "name": "db4", "kind": "rds", "engine": "mariadb", "subnet": "a",
      "master_username": "admin", "master_password": "$PW" }
  ] }
EOF
validate_refuses "$TMP/bad.json" <<'MSG'
resources\[1\].target: InvalidParameterValue: The target 'db' runs engine mysql, and vpcsim's RDS Proxy speaks PostgreSQL's protocol only (no MySQL-protocol pooler is packaged in Debian
resources\[2\].max_connections: InvalidParameterValue
resources\[2\].master_username: InvalidParameterValue: The master user name 'root' cannot be used: it is reserved
resources\[3\].master_username: InvalidParameterValue: The master user name 'a_user_name_of_17' is invalid: use 1 to 16
resources\[3\].master_password: InvalidParameterValue: The master password is invalid (not shown): use 8 to 41
resources\[4\].engine: InvalidParameterValue: Invalid DB engine 'mariadb': vpcsim runs postgres and mysql
MSG

echo "# ---- up: two MariaDB servers, ready before up returns ----"
check "up $T" V up "$F"
DB=$(stat -c %u "/run/vpcsim/$T/engine-db")
MICRO=$(stat -c %u "/run/vpcsim/$T/engine-micro")
echo "# uids: db $DB, micro $MICRO"
check "mariadbd runs as the database's own uid, PID 1 of its PID namespace, in its ENI's namespace" bash -c "
	p=\$(pgrep -u $DB -x mariadbd) && [ \$(echo \"\$p\" | wc -l) = 1 ] && [ $DB -ge $((0x71000000)) ] &&
	grep -qE '^NSpid:\s+[0-9]+\s+1\$' /proc/\$p/status &&
	[ -n \"\$(readlink /proc/\$p/ns/net)\" ] && [ \"\$(readlink /proc/\$p/ns/net)\" != '$ROOT_NS' ] && [ $MICRO != $DB ]"
check "no mariadbd runs in the root network namespace" none_in_root_ns
check "status lists the MySQL databases: port 3306, max_connections given and from db.t3.micro (1 GiB / 12582880 = 85)" \
	bash -c "V status $T | grep -E '^db +mysql +10\.0\.1\.[0-9]+:3306 +admin +0 +0/0 +10 +-\$' &&
		 V status $T | grep -E '^micro +mysql +10\.0\.1\.[0-9]+:3306 +master +0 +0/0 +85 +db\.t3\.micro\$'"
check "status --json: where max_connections came from, the class's memory, the server" \
	bash -c "V status $T --json | python3 -c 'import json,sys; d={x[\"name\"]: x for x in json.load(sys.stdin)[\"databases\"]}; assert (d[\"micro\"][\"max_connections\"], d[\"micro\"][\"max_connections_from\"], d[\"micro\"][\"instance_class_memory_mib\"], d[\"db\"][\"max_connections_from\"], d[\"db\"][\"server\"], d[\"db\"][\"port\"]) == (85, \"instance_class\", 1024, \"max_connections\", \"mariadb\", 3306), d'"

echo "# ---- clients in VPC functions ----"
check "the mariadb client reaches db as the secret's user, over the VPC" \
	bash -c "my app db admin '$PW' 'SELECT CURRENT_USER(), @@max_connections, @@port' | grep -qxP 'admin@%\t10\t3306'"
EP=$(V status "$T" --json | grep -o '"micro\.[a-z0-9]*\.[a-z0-9-]*\.rds\.amazonaws\.com"' | head -1 | tr -d '"')
check "the RDS endpoint name ($EP) resolves to micro's server, max_connections 85" \
	bash -c "[ -n '$EP' ] && my app '$EP' master '$PW2' 'SELECT @@max_connections, VERSION()' | grep -qP '^85\t10\.11\..*MariaDB'"
check "a wrong password: MySQL's error 1045" \
	bash -c "my app db admin wrong-password 'SELECT 1' | grep -q \"ERROR 1045 (28000): Access denied for user 'admin'@'10\.0\.2\.[0-9]*' (using password: YES)\""
py app '
import pymysql, sys
try:
    pymysql.connect(host="db", user="admin", password="wrong-password", connect_timeout=10)
    print("connected")
except pymysql.err.OperationalError as e:
    print("error", e.args[0])' >"$TMP/pywrong"
check "a wrong password, PyMySQL: OperationalError 1045" grep -qx "error 1045" "$TMP/pywrong"
py denied '
import pymysql
try:
    pymysql.connect(host="db", user="admin", password="x", connect_timeout=3)
    print("connected")
except pymysql.err.OperationalError as e:
    print("error", e.args[0], e.args[1])' >"$TMP/denied"
check "a function whose group the database's does not admit times out" \
	grep -q "error 2003 Can't connect to MySQL server on 'db' (timed out)" "$TMP/denied"
PROBE_MS=800 expect_probe laptop db 3306 timeout
check "the master user has no FILE privilege (RDS gives none)" \
	bash -c "my app db admin '$PW' \"SELECT 1 INTO OUTFILE '/tmp/x'\" | grep -q 'ERROR 1227 (42000).*Access denied; you need (at least one of) the FILE privilege'"

echo "# ---- max_connections 10: the 11th client gets 1040 ----"
HOLD='
import pymysql, sys, time
held = []
for i in range(11):
    try:
        held.append(pymysql.connect(host="db", user="admin", password=sys.argv[1], connect_timeout=10))
        print("ok", flush=True)
    except pymysql.err.OperationalError as e:
        print("error", e.args[0], e.args[1], flush=True)
time.sleep(float(sys.argv[2]))'
py app "$HOLD" "$PW" 8 >"$TMP/hold" &
holder=$!
for _ in $(seq 200); do
	[ "$(grep -c . "$TMP/hold" 2>/dev/null)" -ge 11 ] && break
	sleep 0.1
done
V status "$T" >"$TMP/st-hold" 2>&1
wait $holder
sed 's/^/# /' "$TMP/hold"
check "10 connections succeed" test "$(grep -cx ok "$TMP/hold")" = 10
check "the 11th gets MySQL's error 1040, Too many connections" grep -qx "error 1040 Too many connections" "$TMP/hold"
check "status counted the 10 while they were held" grep -qE '^db +mysql .* admin +10 +0/10 +10 +-$' "$TMP/st-hold"

echo "# ---- the password appears nowhere ----"
check "no password in status, logs, journal or the server's my.cnf" secrets_hidden "$T" "$PW" "$PW2" -- \
	"/run/vpcsim/$T/engine-db/my.cnf" "/run/vpcsim/$T/engine-micro/my.cnf"

echo "# ---- the jail: root@localhost's FILE privilege reaches the jail's own /tmp only ----"
M=vpcsim-my-$T
admin() { /usr/bin/mariadb -S "/run/vpcsim/$T/engine-db/mysqld.sock" -u root -BNe "$1" 2>&1; }
export -f admin
export M
check "root@localhost (unix_socket) writes INTO OUTFILE to /tmp: the jail's, not the host's" \
	bash -c "admin \"SELECT 'x' INTO OUTFILE '/tmp/$M'\" && [ \"\$(admin \"SELECT LENGTH(LOAD_FILE('/tmp/$M'))\")\" = 2 ] && [ ! -e /tmp/$M ]"
check "nothing outside secure_file_priv: LOAD_FILE('/etc/passwd') is NULL" \
	bash -c "[ \"\$(admin \"SELECT LOAD_FILE('/etc/passwd') IS NULL\")\" = 1 ]"

echo "# ---- down: nothing of the servers left ----"
check "down $T" V down "$T"
check "no process, file or mount of the servers' uids, no state folder" \
	engines_gone "$T" "$DB" "$MICRO"
check "still no mariadbd in the root network namespace" none_in_root_ns
