#!/bin/bash
# Network ACLs on real packets (tests/integration/data/nacl.json):
# stateless (replies need the outbound rule for ephemeral ports even when
# the group tracks the flow), rule order (lowest number first, first match
# wins), implicit deny of an empty NACL but nothing within a subnet, the
# default NACL, and NACLs at the internet gateway in both directions.
. "$(dirname "$0")/lib.sh"
plan 44
. "$(dirname "$0")/dp.sh"
PROBE_MS=${PROBE_MS:-400}
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/nacl.json" "$T"

check "up $T" "$VPCSIM" up "$F"
check "clients use the Linux ephemeral ports 32768-60999" \
	bash -c "'$VPCSIM' exec -t '$T' cl1 -- cat /proc/sys/net/ipv4/ip_local_port_range | grep -Eq '^32768\s+60999$'"

# Stateless: inbound tcp 5432 allowed, but the reply to the client's
# ephemeral port is not allowed out (the group's conntrack does not help).
expect_drop app NACL_OUTBOUND cl1 db1 5432
# The same with outbound tcp 1024-65535 allowed.
expect_probe cl1 db2 5432 open
expect_probe cl2 db2 5432 open
# That NACL admits tcp 5432 only: udp and ping are denied although the
# server's group allows everything.
expect_drop app NACL_INBOUND cl1 db2u 5432 --proto udp
expect_probe cl1 db2u "" timeout --proto icmp

# Rule order: DENY 90 for cl1's /32 before ALLOW 100 for the subnet.
expect_drop app NACL_INBOUND cl1 db3 5432
expect_probe cl2 db3 5432 open
# ... and with the DENY at 110, after the ALLOW at 100, the ALLOW wins.
expect_probe cl1 db4 5432 open
expect_probe cl2 db4 5432 open

# Implicit deny: an empty custom NACL drops everything crossing its subnet's
# boundary, both ways, but not traffic within the subnet.
expect_drop app NACL_INBOUND cl1 s1 5432
expect_probe cl1 s1 "" timeout --proto icmp
expect_drop app NACL_OUTBOUND s1 p1 5432
expect_probe s1 p1 5432 timeout --proto udp
expect_probe s1 s2 5432 open
expect_probe s1 s2 5432 open --proto udp
expect_probe s1 s2 "" open --proto icmp
expect_probe s2 s1 5433 refused

# ICMP types in NACLs: echo request in and echo reply out lets ping
# through (and nothing else); without the echo-reply rule out, the
# stateless NACL drops the reply.
expect_probe cl1 pg1 "" open --proto icmp
expect_drop app NACL_INBOUND cl1 pg1 5432
expect_drop app NACL_OUTBOUND cl1 pg2 "" --proto icmp

# Default NACL: allows everything (the group decides).
expect_probe cl1 p1 5432 open
expect_probe cl1 p1 5432 open --proto udp
expect_probe cl1 p1 5433 refused
expect_probe cl1 p1 5433 refused --proto udp
expect_probe cl1 p1 "" open --proto icmp
expect_drop app SG_INGRESS p1 cl1 "" --proto icmp

# NACLs at the internet gateway: the default NACL lets the public web
# server be reached; a NACL denying inbound from 0.0.0.0/0 (after allowing
# the VPC) makes it unreachable from the internet, not from the VPC; a NACL
# whose outbound allows only the VPC drops the replies to the internet.
expect_probe inet web1 80 open
expect_drop app NACL_INBOUND inet web2 80
expect_probe cl1 web2 80 open
expect_drop app NACL_OUTBOUND inet web3 80
expect_probe cl1 web3 80 open

check "down $T" "$VPCSIM" down "$T"
