#!/bin/bash
# Nothing can open a connection into an execution environment (issue 9.1):
# not another environment of the same function, nor one of another function
# behind the same hyperplane ENI, nor a default function's environment
# (Lambda service VPC), nor a resource, even when the function's group
# admits everything. Each attempt times out (dropped silently), never
# refused. Replies to the function's own connections pass.
. "$(dirname "$0")/lib.sh"
plan 20
. "$(dirname "$0")/dp.sh"
PROBE_MS=${PROBE_MS:-800}
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/inbound.json" "$T"
FH=$F
T2=$(unique_name)
topo_copy "$ROOT/tests/integration/data/inbound-ps.json" "$T2"
FP=$F

env_ip() { # TOPO ENV-ID
	"$VPCSIM" status "$1" --json | python3 -c 'import json,sys; print([e["private_ip"] for e in json.load(sys.stdin)["environments"] if e["id"] == sys.argv[1]][0])' "$2"
}

check "up $T (hyperplane mode)" "$VPCSIM" up "$FH"
for fn in d1 d1 h1 h1 h2; do "$VPCSIM" attach -t "$T" $fn >/dev/null; done
D1_2=$(env_ip "$T" d1-2)
H1_2=$(env_ip "$T" h1-2)
H2_1=$(env_ip "$T" h2-1)
check "environments have addresses ($D1_2 $H1_2 $H2_1)" test -n "$D1_2" -a -n "$H1_2" -a -n "$H2_1"

# Default functions: two environments in the Lambda service VPC.
expect_probe d1 "$D1_2" 9 timeout
expect_probe d1 "$D1_2" 9 timeout --proto udp
expect_probe d1 "$D1_2" "" timeout --proto icmp
# Behind one hyperplane: another environment of the same function, and one
# of another function sharing the ENI.
expect_probe h1 "$H1_2" 9 timeout
expect_probe h1 "$H2_1" 9 timeout
expect_probe h2 "$H1_2" "" timeout --proto icmp
# Replies to the functions' own connections pass.
expect_probe d1 api 443 open
expect_probe h1 srv 7000 open
expect_probe h1 client 9 refused

"$VPCSIM" down "$T" >/dev/null 2>&1

check "up $T2 (per-sandbox mode)" "$VPCSIM" up "$FP"
for fn in h1 h2; do "$VPCSIM" attach -t "$T2" $fn >/dev/null; done
P1=$(env_ip "$T2" h1-1)
P2=$(env_ip "$T2" h2-1)
# A resource into a per-sandbox ENI whose group admits all: dropped as
# FUNCTION_INBOUND; between two functions' ENIs likewise.
T=$T2 expect_drop app FUNCTION_INBOUND client "$P1" 22
T=$T2 expect_drop app FUNCTION_INBOUND h2 "$P1" 22
T=$T2 expect_probe client "$P2" "" timeout --proto icmp
T=$T2 expect_probe h1 srv 7000 open
T=$T2 expect_probe h1 client 9 refused
T=$T2 expect_probe h1 api 443 timeout
