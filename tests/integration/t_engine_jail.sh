#!/bin/bash
# Database engines cannot reach the host (issue 18, defect 10;
# docs/SECURITY.md section 4, docs/RDS.md).
#
# First wall: the master user, with its password, from a function (as a
# function's code would), cannot get at the operating system: no grant of
# pg_execute_server_program / pg_read_server_files / pg_write_server_files,
# no COPY ... PROGRAM, no COPY from a server file, no pg_read_file, no
# server-side lo_import.
#
# Second wall: even the engine's true superuser (rdsadmin, over the unix
# socket as root), running shell commands with COPY ... PROGRAM, is jailed:
# it sees only its own processes, writes none of the host's /tmp, /var/tmp,
# /dev/shm (its own are private), sees no other state, has none of
# vpcsim's environment, and runs as a uid of its own, not another
# topology's (two topologies whose names share a prefix) nor the host's
# postgres. down and a failed up leave no engine process, file or mount.
. "$(dirname "$0")/lib.sh"
plan 52
T=$(unique_name)
T2=${T}-b
topo_copy "$ROOT/tests/integration/data/engine_jail.json" "$T2"
F2=$F
topo_copy "$ROOT/tests/integration/data/engine_jail.json" "$T"
PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
M=vpcsim-ej-$T                  # the name of files the engine tries to make
MARK=vpcsim-ej-secret-$$        # in vpcsim's environment, never the engine's
clean_marks() { rm -f "/tmp/$M" "/var/tmp/$M" "/dev/shm/$M" "/run/vpcsim/$M" "/etc/$M" "/$M"; }
trap 'clean_marks; finish' EXIT

# SQL as the master user from function app (the master password is in its
# environment, as the examples give it).
master() { V invoke -t "$T" app -- "$PSQL" -h db -Atc "$1" 2>&1 | grep -v '^REPORT'; }
# SQL as the engine's superuser over its unix socket, as root.
admin() { "$PSQL" -h "/run/vpcsim/$1/engine-db" -U rdsadmin -d postgres -qAtc "$2" 2>&1; }
# A shell command run by the database engine of topology $1 (COPY FROM
# PROGRAM, as its superuser): its output.
in_engine() { admin "$1" "CREATE TEMP TABLE o(l text); COPY o FROM PROGRAM '$2'; SELECT l FROM o"; }
export -f V master admin in_engine
export T T2 PSQL M MARK TMP VPCSIM

check "up $T2" V up "$F2"
# vpcsim's own environment carries a marker the engines must not inherit.
check "up $T" env VPCSIM_TEST_MARK=$MARK "$VPCSIM" up "$F"
DB=$(stat -c %u "/run/vpcsim/$T/engine-db")
PX=$(stat -c %u "/run/vpcsim/$T/engine-proxy")
DB2=$(stat -c %u "/run/vpcsim/$T2/engine-db")
PG=$(id -u postgres 2>/dev/null || echo none)
echo "# uids: $T db $DB proxy $PX, $T2 db $DB2, host postgres $PG"

echo "# ---- first wall: the master user cannot reach the operating system ----"
for role in pg_execute_server_program pg_read_server_files pg_write_server_files; do
	master "GRANT $role TO master" >"$TMP/grant" 2>&1
	check "the master user cannot grant itself $role" \
		bash -c "grep -q 'ERROR: .*must have admin option on role \"$role\"' '$TMP/grant' || { cat '$TMP/grant'; false; }"
	check "the master user is no member of $role" \
		bash -c "[ \"\$(\"$PSQL\" -h /run/vpcsim/$T/engine-db -U rdsadmin -d postgres -Atc \"SELECT pg_has_role('master', '$role', 'USAGE')\")\" = f ]"
done
expect_refused() { # description SQL error-regexp
	master "$2" >"$TMP/refused" 2>&1
	check "the master user: $1 is refused" \
		bash -c "grep -qE '$3' '$TMP/refused' || { cat '$TMP/refused'; false; }"
}
expect_refused "COPY ... TO PROGRAM" "COPY (SELECT 1) TO PROGRAM 'touch /tmp/$M'" \
	"ERROR: +must be superuser or have privileges of the pg_execute_server_program role"
expect_refused "COPY ... FROM PROGRAM" "CREATE TEMP TABLE o(l text); COPY o FROM PROGRAM 'id'" \
	"ERROR: +must be superuser or have privileges of the pg_execute_server_program role"
expect_refused "COPY ... FROM '/etc/passwd'" "CREATE TEMP TABLE o(l text); COPY o FROM '/etc/passwd'" \
	"ERROR: +must be superuser or have privileges of the pg_read_server_files role"
expect_refused "COPY ... TO a server file" "COPY (SELECT 1) TO '/tmp/$M'" \
	"ERROR: +must be superuser or have privileges of the pg_write_server_files role"
expect_refused "pg_read_file('/etc/passwd')" "SELECT pg_read_file('/etc/passwd')" \
	"ERROR: +permission denied for function pg_read_file"
expect_refused "lo_import('/etc/passwd')" "SELECT lo_import('/etc/passwd')" \
	"ERROR: +permission denied for function lo_import"
expect_refused "ALTER ROLE master SUPERUSER" "ALTER ROLE master SUPERUSER" "ERROR: +(permission denied|must be superuser)"
expect_refused "CREATE ROLE (no CREATEROLE, a departure: docs/RDS.md)" "CREATE ROLE x" \
	"ERROR: +permission denied to create role"
check "no file was made on the host by the master user" test ! -e "/tmp/$M"
check "the master user still logs in and owns database postgres" \
	bash -c "master 'SELECT current_user, pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()' | grep -qx 'master|master'"

echo "# ---- second wall: the engine's own superuser is jailed ----"
check "the superuser's COPY FROM PROGRAM runs (the probe below is meaningful)" \
	bash -c "in_engine $T 'echo hello' | grep -qx hello"
check "the engine runs as its own uid (>= 0x71000000), not root, not postgres" \
	bash -c "[ \"\$(in_engine $T 'id -u')\" = $DB ] && [ $DB -ge $((0x71000000)) ] && [ $DB != $PG ]"
check "another topology's engine (name sharing the prefix) has another uid" \
	bash -c "[ \"\$(in_engine $T2 'id -u')\" = $DB2 ] && [ $DB2 != $DB ]"
check "the proxy has a uid of its own too" bash -c "[ $PX != $DB ] && [ $PX -ge $((0x71000000)) ]"
in_engine "$T" 'ps -eo pid=,comm=' >"$TMP/ps"
check "ps in the engine lists only the engine's processes (postgres, sh, ps)" \
	bash -c "[ -s '$TMP/ps' ] && ! awk '{print \$2}' '$TMP/ps' | grep -vxE 'postgres|sh|ps' || { cat '$TMP/ps'; false; }"
check "the engine is PID 1 of its own PID namespace" \
	bash -c "awk '\$1 == 1 {print \$2}' '$TMP/ps' | grep -qx postgres"
own_pidns() { # UID...: every process of the uids is outside the host's PID namespace
	local u p n=0
	for u in "$@"; do
		for p in $(pgrep -u "$u"); do
			n=$((n + 1))
			[ "$(readlink /proc/$p/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] ||
				{ echo "$p ($(cat /proc/$p/comm)) is in the host's PID namespace"; return 1; }
		done
	done
	[ "$n" -ge 2 ] || { echo "only $n processes"; return 1; }
}
check "the database's and the proxy's processes are in PID namespaces of their own" own_pidns "$DB" "$PX"
admin "$T" "COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; for d in /tmp /var/tmp /dev/shm /run/vpcsim /etc /; do echo x >\$d/$M; done 2>/dev/null; true'" >"$TMP/write" 2>&1
check "the superuser's COPY TO PROGRAM ran" bash -c "! grep -q ERROR '$TMP/write' || { cat '$TMP/write'; false; }"
for d in /tmp /var/tmp /dev/shm /run/vpcsim /etc /; do
	check "the engine cannot write the host's $d" test ! -e "${d%/}/$M"
done
check "the engine's own /tmp and /dev/shm are private and writable" \
	bash -c "[ \"\$(in_engine $T 'cat /tmp/$M /dev/shm/$M' | tr -d '\n')\" = xx ]"
check "the engine sees no other state, no /var, /home, /root, bpffs" \
	bash -c "[ \"\$(in_engine $T 'ls /run/vpcsim; ls /run/vpcsim/*; ls -d /var /home /root /sys/fs/bpf/vpcsim 2>/dev/null; true' | tr '\n' ' ')\" = '$T engine-db ' ]"
check "the engine has none of vpcsim's environment" \
	bash -c "in_engine $T env >'$TMP/env' && grep -q '^PATH=' '$TMP/env' && ! grep -q '$MARK' '$TMP/env'"
check "/etc/passwd in the jail names the engine's uid, the host's is untouched" \
	bash -c "in_engine $T 'cat /etc/passwd' | grep -q '^rdsdb:x:$DB:' && ! grep -q ':$DB:' /etc/passwd"
# Something the superuser leaves running must not survive down.
admin "$T" "COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; sleep 600 >/dev/null 2>&1 &'" >/dev/null
# (its sh ends once it forked sleep, so COPY may answer before the child's
# exec: looked for again for up to 10 s)
check "a process the superuser started runs (as the engine's uid)" \
	bash -c "for _ in \$(seq 100); do pgrep -u $DB -x sleep && exit 0; sleep 0.1; done; exit 1"

echo "# ---- the engines still serve: functions, proxy, status ----"
check "a function reaches the database through the proxy" \
	bash -c "V invoke -t $T app -- $PSQL -h proxy -Atc 'SELECT 42' | grep -qx 42"
check "status reads the proxy's figures" \
	bash -c "V status $T | grep -E '^proxy +db .* [0-9]+/[0-9]+ +[0-9]+/[0-9]+/[0-9]+ '"

check "instance_class db.t3.micro gives the server max_connections 112 (1 GiB / 9531392)" \
	bash -c "[ \"\$(master 'SHOW max_connections')\" = 112 ]"
check "status shows the class's max_connections and the class" \
	bash -c "V status $T | grep -E '^db +postgres .* 112 +db\.t3\.micro\$'"

echo "# ---- root's own sessions with the engine do not follow what it puts in its folder ----"
# A listener of the host that root's status must never reach, and the
# engine's superuser putting a symlink to it where its socket was.
python3 - "$TMP/trap.sock" >"$TMP/trap.out" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    print("connected", flush=True)
    c.close()
PY
trap_pid=$!
for _ in $(seq 50); do grep -q listening "$TMP/trap.out" 2>/dev/null && break; sleep 0.1; done
admin "$T" "COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; cd /run/vpcsim/$T/engine-db && mv .s.PGSQL.5432 .s.moved && ln -s $TMP/trap.sock .s.PGSQL.5432'" >"$TMP/swap" 2>&1
check "the engine's superuser replaced its socket by a symlink to a host socket" \
	bash -c "[ -L /run/vpcsim/$T/engine-db/.s.PGSQL.5432 ] || { cat '$TMP/swap'; false; }"
V status "$T" >"$TMP/st-trap" 2>&1
V status "$T" --json >>"$TMP/st-trap" 2>&1
kill "$trap_pid" 2>/dev/null
wait "$trap_pid" 2>/dev/null
check "status (root) did not follow the symlink to the host's socket" \
	bash -c "! grep -q connected '$TMP/trap.out' || { cat '$TMP/trap.out'; false; }"
check "status says the database is unreachable instead" grep -qE '^db +postgres .* unreachable ' "$TMP/st-trap"

echo "# ---- down and a failed up leave nothing ----"
check "down $T" V down "$T"
check "after down: no process, file or mount of $T's engines" nothing_of "$T" "$DB" "$PX"
check "$T2 (same prefix) still runs its engine" bash -c "[ \"\$(in_engine $T2 'id -u')\" = $DB2 ]"
VPCSIM_RDS_PROXY=/bin/false V up "$F" >"$TMP/fail.out" 2>&1
check "up fails when the proxy does not start" test $? = 1
check "after the failed up: no process, file or mount of $T's engines" nothing_of "$T" "$DB" "$PX"
assert_gone "$T"
check "down $T2" V down "$T2"
check "after down: no process, file or mount of $T2's engines" nothing_of "$T2" "$DB2"
