#!/bin/bash
# RDS and RDS Proxy with real engines (docs/RDS.md): a PostgreSQL server in
# the database's ENI and vpcsim-rds-proxy in the proxy's, reached with psql from
# function sandboxes through the VPC's data plane; the borrow timeout;
# validation; nothing of the engines left after down or a failed up.
. "$(dirname "$0")/lib.sh"
plan 47
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/rds.json" "$T"
PW=Zq9-secret-Xv7
PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
# psql in a sandbox of FN against HOST; extra args follow.
q() { # FN HOST SQL
	V invoke -t "$T" "$1" -- "$PSQL" -h "$2" -Atc "$3"
}
# The uid the engine of resource NAME of topology TOPO runs as:
# 0x71000000 + 24 bits of FNV-1a("TOPO/NAME") (model/engine_conf.h).
engine_uid() { # TOPO NAME
	local s="$1/$2" h=2166136261 c i
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$((((h ^ c) * 16777619) & 0xffffffff))
	done
	echo $((0x71000000 + (h & 0xffffff)))
}
# Live processes of the engines of topology NAME: those of their uids.
# A zombie is dead: an engine is PID 1 of its PID namespace, and once
# killed it waits for the host's init to reap it after `down` returns.
engine_procs() { # NAME
	local r n=0
	for r in db db2 proxy slow tls; do
		n=$((n + $({ ps -u "$(engine_uid "$1" "$r")" -o stat= || true; } | grep -vc '^Z')))
	done
	echo "$n"
}
nothing_of_engines() { # NAME
	engines_gone "$1" $(for r in db db2 proxy slow tls; do engine_uid "$1" "$r"; done)
}
export -f engine_uid engine_procs nothing_of_engines q V
export T PSQL VPCSIM

# ---- validation: paths, codes, and never the password ----
cat >"$TMP/bad.json" <<EOF
{ "name": "rdsbad",
  "secrets": [ { "name": "creds", "value": { "username": "rdsadmin", "password": "bad pass word" } } ],
  "vpcs": [ { "name": "app", "cidr": "10.0.0.0/16", "subnets": [ { "name": "a", "cidr": "10.0.1.0/24" } ] },
            { "name": "b", "cidr": "10.1.0.0/16", "subnets": [ { "name": "o", "cidr": "10.1.1.0/24" } ] } ],
  "resources": [
    { "name": "db", "kind": "rds", "engine": "sqlserver-ex", "subnet": "a" },
    { "name": "db2", "kind": "rds", "engine": "postgres", "subnet": "a", "secret": "creds" },
    { "name": "db3", "kind": "rds", "engine": "postgres", "subnet": "a", "master_username": "m" },
    { "name": "db4", "kind": "rds", "engine": "postgres", "subnet": "a", "max_connections": 5,
      "master_username": "m", "master_password": "$PW", "secret": "creds" },
    { "name": "plain", "kind": "rds", "subnet": "a" },
    { "name": "p1", "kind": "rds-proxy", "subnet": "a", "target": "plain" },
    { "name": "p2", "kind": "rds-proxy", "subnet": "o", "target": "db3", "max_connections_percent": 101 },
    { "name": "p3", "kind": "rds-proxy", "subnet": "a", "target": "db3", "max_connections_percent": 20,
      "max_idle_connections_percent": 30, "public_ip": "auto" },
    { "name": "p4", "kind": "rds-proxy", "subnet": "a", "connection_borrow_timeout_s": 5 },
    { "name": "db5", "kind": "rds", "engine": "postgres", "subnet": "a", "instance_class": "db.t3.mega",
      "master_username": "m", "master_password": "$PW" }
  ] }
EOF
validate_refuses "$TMP/bad.json" <<'MSG'
resources\[0\].engine: InvalidParameterValue: Invalid DB engine 'sqlserver-ex'
resources\[1\].secret: InvalidParameterValue: The master user name 'rdsadmin' cannot be used
resources\[1\].secret: InvalidParameterValue: The master password is invalid (not shown)
resources\[2\].master_password: MissingParameter
resources\[3\].max_connections: InvalidParameterValue
resources\[3\].secret: InvalidParameterValue: Give either master_username and master_password, or secret
resources\[5\].target: InvalidParameterValue: The target 'plain' runs no engine
resources\[6\].max_connections_percent: InvalidParameterValue
resources\[6\].target: InvalidParameterValue: The target 'db3' is in VPC app and the proxy in VPC b
resources\[7\].max_idle_connections_percent: InvalidParameterValue: MaxIdleConnectionsPercent (30) must be less than or equal to MaxConnectionsPercent (20)
resources\[7\].public_ip: InvalidParameterValue: An rds-proxy is never publicly accessible
resources\[8\].connection_borrow_timeout_s: InvalidParameterValue: The key 'connection_borrow_timeout_s' applies to an rds-proxy with a target only
resources\[9\].instance_class: InvalidParameterValue: Invalid DB instance class 'db.t3.mega': vpcsim knows db.t3 and db.t4g
MSG
check "no password in validation errors" bash -c "! grep -qE 'bad pass word|$PW' '$TMP/bad.out'"

echo "# ${SECONDS}s"
# ---- engines missing: up fails before creating anything ----
VPCSIM_PG_BINDIR=/nonexistent V up "$F" >"$TMP/nobin.out" 2>&1
check "up without PostgreSQL fails" test $? = 1
check "the error names the Debian package" grep -q "install the Debian package postgresql" "$TMP/nobin.out"
assert_gone "$T" # namespaces, hosts folders, pins, state: nothing was created

echo "# ${SECONDS}s"
# ---- a failed up after the database started leaves nothing ----
VPCSIM_RDS_PROXY=/bin/false V up "$F" >"$TMP/fail.out" 2>&1
check "up fails when the proxy does not start" test $? = 1
check "the error names the step and the proxy" grep -q "start vpcsim-rds-proxy of proxy.*vpcsim-rds-proxy in .* exited" "$TMP/fail.out"
check "nothing of the engines is left after the failed up" nothing_of_engines "$T"
assert_gone "$T"

echo "# ${SECONDS}s"
# ---- up: PostgreSQL and the proxies running, ready before up returns ----
t0=$(date +%s%N)
check "up $T" V up "$F"
echo "# up with two databases and three proxies: $((($(date +%s%N) - t0) / 1000000)) ms"
check "postgres and the proxies run as their engines' own uids" bash -c "[ \"\$(engine_procs $T)\" -ge 6 ]"
check "data folder owned by the database's uid, mode 0700" \
	bash -c "[ \"\$(stat -c %u:%a /run/vpcsim/$T/engine-db)\" = \$(engine_uid $T db):700 ]"
check "topology.json with the password is root-only" \
	bash -c "[ \"\$(stat -c %a /run/vpcsim/$T/topology.json)\" = 600 ]"
check "status lists the database" bash -c "V status $T | grep -E '^db +postgres +10\.0\.1\.[0-9]+:5432 +master +0 '"
check "status shows max_connections and the instance class (an explicit max_connections wins)" \
	bash -c "V status $T | grep -E '^db2 +postgres .* 10 +db\.t3\.small\$' && V status $T | grep -E '^db +postgres .* 20 +-\$'"
check "status --json gives the class, its memory and where max_connections came from" \
	bash -c "V status $T --json | python3 -c 'import json,sys; d={x[\"name\"]: x for x in json.load(sys.stdin)[\"databases\"]}; assert (d[\"db2\"][\"instance_class\"], d[\"db2\"][\"instance_class_memory_mib\"], d[\"db2\"][\"max_connections_from\"]) == (\"db.t3.small\", 2048, \"max_connections\"), d; assert d[\"db\"][\"instance_class\"] is None'"
check "status lists the proxies, their pools and RDS Proxy's figures" \
	bash -c "V status $T | grep -E '^proxy +db +10\.0\.2\.[0-9]+:5432 +17 \(8\) +0/0 +0/0/0 ' && V status $T | grep -E '^slow +db2 .* 1 \(0\)' && V status $T | grep -E '^tls +db2 .* 3 \(0\)'"

echo "# ${SECONDS}s"
# ---- reachability ----
check "psql from a VPC function reaches the database" \
	bash -c "q app db 'SELECT current_user, inet_server_addr()' | grep -qE '^master\|10\.0\.1\.'"
check "psql from a VPC function reaches the proxy, which reaches the database" \
	bash -c "q app proxy 'SELECT inet_client_addr()' | grep -qE '^10\.0\.2\.'"
q outside db "SELECT 1" >"$TMP/outside" 2>&1
check "a function without VPC config times out (no path to private addresses)" \
	grep -q "timeout expired" "$TMP/outside"
PROBE_MS=800 expect_probe laptop db 5432 timeout
PROBE_MS=800 expect_probe laptop proxy 5432 timeout
check "a proxy with require_tls admits a TLS client" \
	bash -c "V invoke -t $T app -- env PGSSLMODE=require $PSQL -h tls -c '\\conninfo' | grep -q 'SSL connection (protocol: TLS'"
V invoke -t "$T" app -- env PGSSLMODE=disable "$PSQL" -h tls -Atc "SELECT 1" >"$TMP/notls" 2>&1
check "a proxy with require_tls refuses a client without TLS, in RDS Proxy's words" \
	grep -q "FATAL: *This RDS Proxy requires TLS connections." "$TMP/notls"
check "a wrong password is refused by the proxy" \
	bash -c "V invoke -t $T app -- env PGPASSWORD=wrong-password $PSQL -h proxy -Atc 'SELECT 1' 2>&1 | grep -q 'FATAL: *The password that was provided for the role master is wrong.'"

echo "# ${SECONDS}s"
# ---- the storm: tests/integration/t_storm.sh (through serve, with the
# example's function that reads the password from Secrets Manager) ----

# ---- the borrow timeout: pool of 1 (on db2), timeout 1 s, held 6 s ----
SOCK2=$(V status "$T" --json | python3 -c 'import json,sys; print([d for d in json.load(sys.stdin)["databases"] if d["name"] == "db2"][0]["socket_dir"])')
# A second environment of app, made now: the holder takes one, the
# borrower the other, warm (a cold start, seconds at 128 MB on a loaded
# machine, would come out of the holder's 6 s).
V attach -t "$T" app >/dev/null
q app slow "SELECT pg_sleep(6)" >"$TMP/holder" 2>&1 &
holder=$!
# The holder's query runs on db2 (seen as rdsadmin over the unix socket):
# it has the pool's one connection. A cold start under load is slow.
until=$((SECONDS + 60))
while [ $SECONDS -lt $until ]; do
	[ "$("$PSQL" -h "$SOCK2" -U rdsadmin -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)' AND state = 'active'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
[ $SECONDS -lt $until ] || echo "# the holder never got its connection"
# The borrower's psql is timed in its sandbox (the invoke around it is
# no part of the borrow); whether it waited for the holder is asked of
# the database: the holder's query still runs once the borrower has its
# answer.
V invoke -t "$T" app -- sh -c 't0=$(date +%s%N); "$0" -h slow -Atc "SELECT 1"
	echo "psql took $((($(date +%s%N) - t0) / 1000000)) ms"' "$PSQL" >"$TMP/borrow" 2>&1
held=$("$PSQL" -h "$SOCK2" -U rdsadmin -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)' AND state = 'active'" 2>&1)
ms=$(sed -n 's/^psql took \([0-9]*\) ms$/\1/p' "$TMP/borrow")
wait $holder
check "a client waiting past the borrow timeout gets RDS Proxy's error" \
	bash -c "grep -q 'FATAL: *Timed-out waiting to acquire database connection.' '$TMP/borrow' || { cat '$TMP/borrow'; false; }"
check "after the borrow timeout (1 s: psql took $ms ms), not the holder's 6 s (its query still ran: $held)" \
	test "${ms:-0}" -ge 900 -a "$held" = 1
check "the client holding the pool succeeded" grep -q "^REPORT" "$TMP/holder"

echo "# ${SECONDS}s"
# ---- the database's group admits only the proxy's ----
check "revoke the functions' rule on the database's group" \
	V sg revoke -t "$T" app/db --ingress '{"proto": "tcp", "ports": "5432", "sg": "lambda"}'
check "the proxy still reaches the database for a VPC function" \
	bash -c "q app proxy 'SELECT 42' | grep -qx 42"
V invoke -t "$T" app -- env PGCONNECT_TIMEOUT=2 "$PSQL" -h db -Atc "SELECT 1" >"$TMP/direct" 2>&1
check "the function straight to the database now times out" grep -q "timeout expired" "$TMP/direct"

echo "# ${SECONDS}s"
# ---- the password appears nowhere ----
check "no password in status, logs, journal or engine configuration" secrets_hidden "$T" "$PW" -- \
	"/run/vpcsim/$T/engine-proxy" "/run/vpcsim/$T/engine-db/postgresql.conf"

echo "# ${SECONDS}s"
# ---- down: nothing of the engines left ----
check "down $T" V down "$T"
check "no postgres or proxy of the topology, no data folder, no socket" nothing_of_engines "$T"
