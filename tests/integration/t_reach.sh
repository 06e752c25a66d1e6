#!/bin/bash
# vpcsim reach, reach --matrix, check and probe's reason: every explanation
# code from a topology built to show it (tests/integration/data/reach.json),
# asserted on the text and on --json, and each verdict confirmed by a real
# probe; a live `sg authorize` changes the answer; check prints valid TAP,
# writes JUnit XML, fails on a wrong expectation, and brings a file up and
# down by itself.
. "$(dirname "$0")/lib.sh"
plan 105
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/reach.json" "$T"
CODES_FILE=$F
PROBE_MS=600

check "up $T" "$VPCSIM" up "$F"

# json FIELD: a field of the JSON document on stdin ("" when absent)
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], ""))' "$1"; }

# code FROM TO PORT RESULT CODE [CODE2]: reach says RESULT with CODE, in
# text and in JSON, and a real probe sees RESULT.
code() {
	local from=$1 to=$2 port=$3 want=$4 c=$5 c2=${6:-}
	"$VPCSIM" reach -t "$T" "$from" "$to" "$port" >"$TMP/text" 2>&1
	"$VPCSIM" reach -t "$T" "$from" "$to" "$port" --json >"$TMP/json" 2>&1
	check "reach $from -> $to:$port text: $want, code $c" \
		grep -q -e "^$from -> $to (.*: $want\$" "$TMP/text"
	check "reach $from -> $to:$port text names $c and a fix" \
		bash -c "grep -q '^  code: *$c' '$TMP/text' && grep -q '^  fix: ' '$TMP/text'"
	check "reach $from -> $to:$port --json: result $want" test "$(json result <"$TMP/json")" = "$want"
	check "reach $from -> $to:$port --json: code $c" test "$(json code <"$TMP/json")" = "$c"
	[ -n "$c2" ] && check "reach $from -> $to:$port --json: code2 $c2" test "$(json code2 <"$TMP/json")" = "$c2"
	expect_probe "$from" "$to" "$port" "$want"
}

code app db 5432 timeout ENI_SG_RULES_MISMATCH
code closed web 80 timeout SG_HAS_NO_RULES
code app db 22 timeout SUBNET_ACL_RESTRICTION
code app nrweb 80 timeout SUBNET_ACL_RESTRICTION
check "reach app -> nrweb: blocked on the reply" \
	bash -c "'$VPCSIM' reach -t '$T' app nrweb 80 --json | grep -q '\"blocked_on\":\"reply\"'"
code isores api 443 timeout NO_ROUTE_TO_DESTINATION
code bhres api 443 timeout BAD_STATE_ROUTE MORE_SPECIFIC_ROUTE
code app api 443 timeout IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS
code isores dsrv 22 timeout DISCONNECTED_VPCS
code fn csrv 22 timeout PEERING_NOT_TRANSITIVE
code app 10.20.0.99 80 timeout NO_PATH
code db fn 80 timeout LAMBDA_NO_INBOUND
code deffn db 5432 timeout LAMBDA_NO_VPC_CONFIG
code api web 81 refused NO_LISTENER
# fn2 shares fn's hyperplane ENI, so fn's address is its own: the
# hyperplane's namespace answers (nothing listens there)
code fn2 fn 80 refused NO_LISTENER

# reachable: hops in order, request then reply, agreeing with packets
for q in "fn db 5432" "api web 80" "fn bsrv 22" "fn api 443"; do
	set -- $q
	"$VPCSIM" reach -t "$T" "$@" --json >"$TMP/json"
	check "reach $1 -> $2:$3 is open" test "$(json result <"$TMP/json")" = open
	expect_probe "$1" "$2" "$3" open
done
"$VPCSIM" reach -t "$T" fn api 443 --json >"$TMP/json"
check "fn -> api: hops show the group rule, route table, NAT gateway, igw and the reply" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
comps = [h["component"] for h in d["hops"] if h["direction"] == "request"]
text = " ".join(h["component"] + " " + h["detail"] for h in d["hops"])
assert "outbound rule" in d["hops"][0]["detail"], d["hops"][0]
assert any("route table a/priv" in c for c in comps), comps
assert any(c.startswith("NAT gateway nat-a") for c in comps), comps
assert any(c.startswith("internet gateway") for c in comps), comps
assert any(h["direction"] == "reply" for h in d["hops"])
assert "ephemeral" in text' "$TMP/json"
check "reach --proto icmp fn -> db (db admits only tcp 5432)" \
	bash -c "'$VPCSIM' reach -t '$T' fn db --proto icmp --json | grep -q '\"code\":\"ENI_SG_RULES_MISMATCH\"'"
check_fails "reach of an unknown node fails" "$VPCSIM" reach -t "$T" nosuch db 5432

# probe says why: the data plane's own drop record
"$VPCSIM" probe -t "$T" app db 5432 --json --timeout-ms 500 --expect timeout >"$TMP/probe"
check "probe app -> db --json: why: SG_INGRESS at db's ENI, ingress" python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["why"]
assert w["dropped_by_data_plane"] and w["reason"] == "SG_INGRESS" and w["direction"] == "ingress", w
assert w["eni_of"] == "db" and w["eni"].startswith("eni-"), w' "$TMP/probe"
check "probe app -> nrweb text: dropped at nrweb egress: NACL_OUTBOUND" \
	bash -c "'$VPCSIM' probe -t '$T' app nrweb 80 --timeout-ms 500 --expect timeout | grep -q 'why: dropped at eni-.* (nrweb) egress: NACL_OUTBOUND'"

# the matrix
"$VPCSIM" reach -t "$T" --matrix >"$TMP/matrix" 2>&1
check "reach --matrix: a row per function and resource, a column per listening port" \
	bash -c "head -1 '$TMP/matrix' | grep -q 'db:5432' && grep -q '^fn ' '$TMP/matrix' && grep -q '^deffn .*LAMBDA_NO_VPC_CONFIG' '$TMP/matrix'"
"$VPCSIM" reach --matrix "$T" --json >"$TMP/matrix.json"
check "reach --matrix --json: cells agree with single reach answers" python3 -c '
import json, subprocess, sys
cells = json.load(open(sys.argv[1]))["cells"]
assert len(cells) > 20
c = [x for x in cells if x["from"] == "fn" and x["to"] == "db"][0]
assert c["result"] == "open", c
c = [x for x in cells if x["from"] == "deffn" and x["to"] == "db"][0]
assert c["code"] == "LAMBDA_NO_VPC_CONFIG", c' "$TMP/matrix.json"

# check on the topology that is up (by name): valid TAP, JUnit
tap_ok() { # file: TAP with a plan 1..N and N numbered results
	python3 -c '
import re, sys
lines = open(sys.argv[1]).read().splitlines()
m = re.fullmatch(r"1\.\.(\d+)", lines[0]); assert m, lines[0]
n, k = int(m.group(1)), 0
for l in lines[1:]:
    if l.startswith("#"): continue
    r = re.fullmatch(r"(not )?ok (\d+) - .+", l); assert r, l
    k += 1; assert int(r.group(2)) == k, l
assert k == n, (k, n)' "$1"
}
"$VPCSIM" check "$T" --junit "$TMP/junit.xml" >"$TMP/tap"
check "check $T exits 0 (every expectation holds by reach and by probe)" test $? -eq 0
check "check output is valid TAP with 8 results" bash -c "$(declare -f tap_ok); tap_ok '$TMP/tap' && head -1 '$TMP/tap' | grep -qx '1..8'"
check "check prints 'ok 1 - fn -> db:5432 open'" grep -qx 'ok 1 - fn -> db:5432 open' "$TMP/tap"
check "JUnit: one testsuite, tests=8 failures=0, one testcase each" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = root.find("testsuite") if root.tag == "testsuites" else root
assert s.get("tests") == "8" and s.get("failures") == "0", s.attrib
assert len(s.findall("testcase")) == 8 and not s.findall("testcase/failure")' "$TMP/junit.xml"

# a wrong expectation: not ok with the explanation, JUnit failure message
python3 - "$CODES_FILE" "$TMP/wrong.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["expect"] = [{"from": "app", "to": "db", "port": 22, "result": "open"},
               {"from": "fn", "to": "db", "port": 5432, "result": "open"}]
json.dump(t, open(sys.argv[2], "w"))
EOF
"$VPCSIM" check "$TMP/wrong.json" --junit "$TMP/wrong.xml" >"$TMP/tap2"
check "check with a wrong expectation exits 1" test $? -eq 1
check "its TAP is valid: not ok 1 with the reach explanation, ok 2" bash -c "$(declare -f tap_ok); tap_ok '$TMP/tap2' &&
	grep -qx 'not ok 1 - app -> db:22 open' '$TMP/tap2' && grep -q '^# reach: timeout: SUBNET_ACL_RESTRICTION' '$TMP/tap2' &&
	grep -qx 'ok 2 - fn -> db:5432 open' '$TMP/tap2'"
check "JUnit: failures=1, the failure message names the result and the code" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = root.find("testsuite") if root.tag == "testsuites" else root
assert s.get("tests") == "2" and s.get("failures") == "1", s.attrib
f = s.findall("testcase")[0].find("failure")
assert "expected open" in f.get("message") and "SUBNET_ACL_RESTRICTION" in f.text, (f.attrib, f.text)' "$TMP/wrong.xml"

# check FILE that is not up: up, check, down
T2=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T2"
check "check examples/demo.json (not up) passes" "$VPCSIM" check "$F"
check "check took $T2 down again" test ! -e "/run/vpcsim/$T2"

# UDP: a closed port answers ICMP port unreachable, which NACLs judge as
# ICMP (strict lets no ICMP into priv): timeout, both ways of knowing
check "reach --proto udp fn -> api 53: timeout, SUBNET_ACL_RESTRICTION on the reply" \
	bash -c "'$VPCSIM' reach -t '$T' fn api 53 --proto udp --json | grep -q '\"result\":\"timeout\",.*\"code\":\"SUBNET_ACL_RESTRICTION\".*\"blocked_on\":\"reply\"'"
expect_probe fn api 53 timeout --proto udp

# check interrupted: the current expectation ends, TAP bails out, the
# topology it brought up goes down again
T3=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T3"
"$VPCSIM" check "$F" >"$TMP/tap3" 2>/dev/null &
CHECK_PID=$!
for _ in $(seq 300); do grep -q '^ok 1 ' "$TMP/tap3" 2>/dev/null && break; sleep 0.1; done
kill -INT "$CHECK_PID"
wait "$CHECK_PID"
rc=$?
check "check interrupted by SIGINT exits 1 (was $rc)" test $rc -eq 1
check "its TAP ends with Bail out!" grep -q '^Bail out! interrupted by signal 2' "$TMP/tap3"
check "the interrupted check took $T3 down" test ! -e "/run/vpcsim/$T3"

# live sg changes count (last: the expectations above assume the file's rules)
check "sg authorize db: tcp 5432 from group app" \
	"$VPCSIM" sg authorize -t "$T" a/db --ingress '{"proto":"tcp","ports":"5432","sg":"app"}'
check "after authorize, reach app -> db:5432 is open" \
	bash -c "'$VPCSIM' reach -t '$T' app db 5432 | grep -q ': open\$'"
expect_probe app db 5432 open

