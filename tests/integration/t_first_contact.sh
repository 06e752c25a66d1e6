#!/bin/bash
# What a new user meets first (issue 25): a command run without root says
# exit 3 and the whole command to run with sudo, never a false reason; one
# rule for naming a topology (-t NAME or NAME, the same name both ways is
# fine, two names are an error); a misspelt function or node gets a "did
# you mean"; a probe timeout that no ENI explains names the component as
# `reach` does; `check FILE | head -1` still takes its topology down.
. "$(dirname "$0")/lib.sh"
plan 24
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
FT=$F
T2=$(unique_name)
topo_copy "$ROOT/examples/peering.json" "$T2"
F2=$F
# nobody CMD...: as an unprivileged user; stderr to $TMP/err, exit in $RC
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VPCSIM" "$@" >/dev/null 2>"$TMP/err"
	RC=$?
}
# said RC TEXT: the last command exited RC and its stderr has TEXT
# exits N CMD...: vpcsim CMD exits N
exits() { local want=$1; shift; V "$@" >/dev/null 2>&1; [ $? = "$want" ]; }
said() { [ "$RC" = "$1" ] && grep -qF -- "$2" "$TMP/err" || { echo "exit $RC: $(cat "$TMP/err")"; false; }; }

check "up $T" V up "$FT"

# ---- without root: exit 3 and the whole command ----
nobody reach edge api 443
check "reach without root: exit 3, the state is root's, run: sudo + the whole command" \
	said 3 "readable by root only; run: sudo vpcsim reach edge api 443"
nobody reach --matrix "$T"
check "reach --matrix without root: exit 3 and run: sudo vpcsim reach --matrix $T" \
	said 3 "run: sudo vpcsim reach --matrix $T"
nobody probe -t "$T" reader db 5432 --timeout-ms 500
check "probe without root: the hint keeps the whole command" \
	said 3 "run: sudo vpcsim probe -t $T reader db 5432 --timeout-ms 500"
nobody invoke -t "$T" reader --payload '{"id": 7}'
check "invoke without root: the payload quoted as a shell reads it back" \
	said 3 "run: sudo vpcsim invoke -t $T reader --payload '{\"id\": 7}'"
nobody exec -t "$T" db -- cat /etc/hosts
check "exec without root: the command after -- too" said 3 "run: sudo vpcsim exec -t $T db -- cat /etc/hosts"
nobody status "$T"
check "status NAME without root: exit 3, not 'no topology named'" said 3 "run: sudo vpcsim status $T"

# ---- one rule: -t NAME or NAME, equal is fine, different is an error ----
check "status -t $T $T (the same name twice) works" V status -t "$T" "$T"
check "flows -t $T $T works" V flows -t "$T" "$T"
check "graph -t $T $T works" V graph -t "$T" "$T" --format dot
check "reach --matrix -t $T works" V reach --matrix -t "$T"
check "reach --matrix $T $T is one name too many" exits 2 reach --matrix "$T" "$T"
for verb in status flows down graph; do
	V $verb -t "$T" "other-$T" >/dev/null 2>"$TMP/err"
	RC=$?
	check "$verb -t $T other-$T: exit 2 naming both" said 2 "-t $T and other-$T name two topologies"
done

# ---- did you mean ----
V invoke -t "$T" raeder -- true >/dev/null 2>"$TMP/err"
RC=$?
check "invoke of a misspelt function: exit 2, did you mean 'reader'" said 2 "no function 'raeder' in topology $T; did you mean 'reader'?"
V probe -t "$T" reader dbb 5432 >/dev/null 2>"$TMP/err"
RC=$?
check "probe to a misspelt node: did you mean 'db'" said 2 "did you mean 'db'?"
V reach -t "$T" edeg api 443 >/dev/null 2>"$TMP/err"
RC=$?
check "reach from a misspelt node: did you mean 'edge'" said 2 "did you mean 'edge'?"

# ---- a timeout no ENI explains: reach names the component ----
V probe -t "$T" edge api 443 --timeout-ms 500 >"$TMP/probe.out" 2>&1
why_names_igw() { grep -qF "why: no ENI dropped it; reach: blocked at internet gateway of VPC app: IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" "$TMP/probe.out" || { cat "$TMP/probe.out"; false; }; }
check "probe edge -> api times out and why: names the internet gateway and the code, as reach does" why_names_igw
check "down $T" V down "$T"

# ---- check FILE | head -1: the reader goes, the topology goes down ----
V check "$F2" --timeout-ms 500 2>"$TMP/check.err" | head -1 >"$TMP/first"
check "check FILE | head -1 prints the plan line" grep -qx '1\.\.[0-9]*' "$TMP/first"
check "and took $T2 down (not up any more)" exits 2 status "$T2"
left=$(leftovers "$T2")
check "and nothing of $T2 is left" test -z "$left"
