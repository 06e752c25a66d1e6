#!/bin/bash
# Security groups on real packets (tests/integration/data/policy.json):
# group peers, CIDRs, port ranges, proto all, ICMP types, UDP, the union of
# several groups, "egress": [] and stateful replies, the default group, a
# group without ingress, a peered VPC's group, default vs VPC functions,
# public databases, the source/destination check, and no BPF object left
# after down.
. "$(dirname "$0")/lib.sh"
plan 91
. "$(dirname "$0")/dp.sh"
PROBE_MS=${PROBE_MS:-400}
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/policy.json" "$T"
PIN=/sys/fs/bpf/vpcsim/$T

check "up $T" "$VPCSIM" up "$F"

# Ids of the topology's BPF programs and maps, to find them after down.
bpf_ids() { # kind (prog|map)
	local f
	for f in $(find "$PIN" -type f 2>/dev/null); do
		bpftool "$1" show pinned "$f" 2>/dev/null | sed -n 's/^\([0-9][0-9]*\): .*/\1/p'
	done | sort -u
}
PROG_IDS=$(bpf_ids prog)
MAP_IDS=$(bpf_ids map)
check "the topology pins dp_from_eni and dp_to_eni per VPC (4 programs)" \
	test "$(echo "$PROG_IDS" | grep -c .)" -eq 4

# Group peer rules admit members only, not others of the same subnet.
expect_probe reader db 5432 open
expect_drop app SG_INGRESS intruder db 5432
expect_probe c1 db 5432 timeout
# Default function (Lambda service VPC) vs VPC function in the db's group.
expect_probe default-fn db 5432 timeout
expect_probe default-fn 10.0.1.10 5432 timeout

# Nothing can connect into a function (hyperplane ENI), even when its group
# admits everything; its own flows, tracked, get their replies.
expect_drop app FUNCTION_INBOUND c1 widefn 22
expect_probe c1 widefn "" timeout --proto icmp
expect_probe widefn allsrv 1234 open
expect_probe widefn allsrv 4321 refused --proto udp
expect_probe widefn allsrv "" open --proto icmp

# CIDR rules: a /32 admits only that address, a subnet CIDR the subnet.
expect_probe c1 cidrsrv 7000 open
expect_probe c2 cidrsrv 7000 timeout
expect_probe b1 cidrsrv 7000 timeout
expect_probe b1 cidrsrv 7001 open
expect_probe c1 cidrsrv 7001 timeout

# Port ranges: both ends admitted, the next port not.
expect_probe c1 rangesrv 5430 open
expect_probe c1 rangesrv 5439 open
expect_probe c1 rangesrv 5435 refused
expect_drop app SG_INGRESS c1 rangesrv 5440
expect_probe c1 rangesrv 5429 timeout

# proto all: any port and protocol from the CIDR, nothing from outside it.
expect_probe c1 allsrv 1234 open
expect_probe c1 allsrv 4321 refused
expect_probe c1 allsrv 1234 open --proto udp
expect_probe c1 allsrv 4321 refused --proto udp
expect_probe c1 allsrv "" open --proto icmp
expect_probe pc1 allsrv 1234 timeout

# ICMP with a type: echo request (8) admits ping, TCP not; a rule for echo
# reply (0) does not admit an echo request.
expect_probe c1 echosrv "" open --proto icmp
expect_probe c1 echosrv 1234 timeout
expect_probe c1 replysrv "" timeout --proto icmp

# UDP: allowed and listening -> open, allowed and closed -> refused,
# denied -> timeout.
expect_probe c1 udpsrv 5000 open --proto udp
expect_probe c1 udpsrv 5001 refused --proto udp
expect_probe c1 udpsrv 5002 timeout --proto udp
expect_probe c1 udpsrv 5000 timeout

# Union of five groups on one ENI.
expect_probe c1 unionsrv 8001 open
expect_probe c1 unionsrv 8002 open
expect_probe c1 unionsrv 8003 open
expect_probe c1 unionsrv 8004 open --proto udp
expect_probe c1 unionsrv 8005 timeout
expect_probe reader unionsrv 8005 open
expect_probe c1 unionsrv 8006 timeout
expect_probe reader unionsrv 8006 timeout

# "egress": [] opens nothing, but replies of allowed inbound flows go out.
expect_probe c1 mutesrv 9000 open
expect_probe c1 mutesrv 9001 open --proto udp
expect_probe c1 mutesrv 9002 refused --proto udp
expect_probe mutesrv c1 "" timeout --proto icmp
expect_drop app SG_EGRESS mutesrv allsrv 1234
expect_probe mutesrv allsrv 1234 timeout --proto udp
expect_probe db reader "" timeout --proto icmp
# Omitted egress = all: the "other" group (no egress key) opens anything.
expect_probe c1 allsrv 1234 open

# The default group: members reach each other on any port (closed ports
# refuse); non-members do not.
expect_probe d1 d2 6000 open
expect_probe d1 d2 6001 refused
expect_probe d2 d1 6000 open
expect_probe d1 d2 "" open --proto icmp
expect_probe c1 d2 6000 timeout
expect_probe reader d1 6000 timeout

# A group with no ingress admits nothing, not even from its own subnet.
expect_drop app SG_INGRESS c1 emptysrv 1234
expect_probe reader emptysrv 1234 timeout
expect_probe d1 emptysrv 1234 timeout

# A rule naming a peered VPC's group admits its members across the
# peering, and no other address of that VPC.
expect_probe pc1 peerdb 5432 open
expect_drop app SG_INGRESS po1 peerdb 5432
expect_probe c1 peerdb 5432 timeout

# Public database: through the Elastic IP from the internet; without a
# public address the name resolves to the private one, which times out; a
# public address in a private subnet is unreachable.
expect_probe inet pubdb 5432 open
expect_probe c1 pubdb 5432 open
expect_probe inet hiddendb 5432 timeout
expect_probe inet lostdb 5432 timeout
# Through the internet gateway groups see the internet host's own address:
# a /32 of one host admits it and not its neighbour, both ways.
expect_probe inet pinned 5432 open
expect_probe inet2 pinned 5432 timeout
expect_probe pinned inet 443 open
expect_drop app SG_EGRESS pinned inet2 443
expect_probe pubdb inet 443 open
expect_probe hiddendb inet 443 timeout
check "the internet resolves pubdb to a public address" \
	bash -c "'$VPCSIM' exec -t '$T' inet -- cat /etc/hosts | grep -Eq '^198\.51\.100\.[0-9]+\s+pubdb$'"
check "the internet resolves hiddendb to its private address" \
	bash -c "'$VPCSIM' exec -t '$T' inet -- cat /etc/hosts | grep -Eq '^10\.0\.0\.11\s+hiddendb$'"
check "the internet resolves lostdb to a public address" \
	bash -c "'$VPCSIM' exec -t '$T' inet -- cat /etc/hosts | grep -Eq '^198\.51\.100\.[0-9]+\s+lostdb$'"

# Source/destination check: a second address on c1's eth0; a TCP connect
# bound to it is dropped, the same bound to the real address connects.
connect_from() { # node source-ip dest-ip port
	"$VPCSIM" exec -t "$T" "$1" -- python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(float(sys.argv[4]) / 1000)
s.bind((sys.argv[1], 0))
s.connect((sys.argv[2], int(sys.argv[3])))
' "$2" "$3" "$4" "$PROBE_MS"
}
check "add a second address 10.0.1.99 inside c1" \
	"$VPCSIM" exec -t "$T" c1 -- ip addr add 10.0.1.99/32 dev eth0
SPOOF0=$(drop_count app SPOOFED_SOURCE)
check "connect from c1's real address 10.0.1.20 to allsrv:1234 works" connect_from c1 10.0.1.20 10.0.2.12 1234
check_fails "connect from c1's forged address 10.0.1.99 to allsrv:1234 is dropped" \
	connect_from c1 10.0.1.99 10.0.2.12 1234
check "the forged packets count as SPOOFED_SOURCE drops" \
	test "$(drop_count app SPOOFED_SOURCE)" -gt "$SPOOF0"

check "down $T" "$VPCSIM" down "$T"
check "no pin directory $PIN after down" test ! -e "$PIN"
prog_left() {
	local id
	for id in $PROG_IDS; do bpftool prog show id "$id" >/dev/null 2>&1 && echo "$id"; done
	return 0
}
map_left() {
	local id
	for id in $MAP_IDS; do bpftool map show id "$id" >/dev/null 2>&1 && echo "$id"; done
	return 0
}
# The kernel frees programs attached to a namespace's links when it has
# finished tearing the namespace down, in its own clean-up work after
# down returns (one queue for every namespace of the machine: behind
# another test's down on a loaded machine it takes seconds, as t_cni's
# eth0 did), and a map once the last program that uses it is freed:
# allow it 30 s.
gone_soon() { # function
	local _
	for _ in $(seq 300); do
		[ -z "$("$1")" ] && return 0
		sleep 0.1
	done
	echo "still there: $("$1")"
	return 1
}
check "no dp_from_eni/dp_to_eni program of $T is loaded after down" gone_soon prog_left
# Without ids (none found before down) there would be nothing to look for.
maps_gone() { [ -n "$MAP_IDS" ] && gone_soon map_left; }
check "no BPF map of $T remains after down ($(echo "$MAP_IDS" | grep -c .) maps before)" maps_gone
