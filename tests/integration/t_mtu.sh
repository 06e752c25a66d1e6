#!/bin/bash
# MTU and fragments on real packets (issue 9.5): 8,000-byte UDP datagrams
# with DF between resources of one VPC (MTU 9001); 3,000-byte UDP datagrams
# from the internet (MTU 1500, so fragmented) to an Elastic IP are
# delivered whole; Path MTU Discovery across the 9001/1500 boundary of the
# internet gateway (the router's "fragmentation needed" reaches the sender
# without a security-group rule; a NACL without ICMP blocks it, as in AWS);
# a TCP transfer of 4 MB from a VPC resource to a jumbo-capable internet
# host completes; a NAT gateway forwards UDP fragments and drops ICMP ones
# (an 8,600-byte ping passes without it).
. "$(dirname "$0")/lib.sh"
plan 16
. "$(dirname "$0")/dp.sh"
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/mtu.json" "$T"
export -f V; export VPCSIM T

UDP_RECV='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000)); s.settimeout(8)
try:
    d, a = s.recvfrom(65535); print(len(d))
except socket.timeout:
    print("timeout")'
UDP_SEND='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[3] == "df":
    s.setsockopt(socket.IPPROTO_IP, 10, 2)   # IP_MTU_DISCOVER = IP_PMTUDISC_DO
else:
    s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_PMTUDISC_DONT: fragment
try:
    for _ in range(3):
        s.sendto(b"x" * int(sys.argv[2]), (sys.argv[1], 9000))
    print("sent")
except OSError as e:
    print(e.strerror)'
# Path MTU Discovery: a first 8,000-byte datagram with DF leaves (the ENI
# is 9001), the router answers "fragmentation needed"; then the kernel
# knows the path's MTU: the next send fails with EMSGSIZE.
PMTUD='
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)
s.connect((sys.argv[1], 9))
try:
    s.send(b"x" * 8000)
except OSError as e:
    print("first send:", e.strerror); sys.exit()
time.sleep(0.5)
try:
    s.send(b"x" * 8000); r = "second send passed"
except OSError as e:
    r = "second send: " + e.strerror
print(r, "path mtu", s.getsockopt(socket.IPPROTO_IP, 14))'   # IP_MTU
# One ICMP echo of N payload bytes, fragmented if larger than the MTU.
PING='
import os, socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.IPPROTO_IP, 10, 0)
ident = os.getpid() & 0xffff
body = b"p" * int(sys.argv[2])
hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
s.sendto(struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, 1) + body, (sys.argv[1], 0))
s.settimeout(2)
try:
    while True:
        d, _ = s.recvfrom(65535)
        ihl = (d[0] & 15) * 4
        if d[ihl] == 0 and struct.unpack("!H", d[ihl + 4:ihl + 6])[0] == ident:
            print("open"); break
except socket.timeout:
    print("timeout")'
TCP_SINK='
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9100)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
print(n)'
TCP_SEND='
import socket, sys
s = socket.create_connection((sys.argv[1], 9100), timeout=20)
s.sendall(b"y" * (4 << 20)); s.close(); print("sent")'

check "up $T" V up "$F"
A_EIP=$(V status "$T" --json | python3 -c 'import json,sys; print([e["public_ip"] for e in json.load(sys.stdin)["enis"] if e["attached_to"] == "a"][0])')

# Inside the VPC: 9001.
V exec -t "$T" b -- python3 -c "$UDP_RECV" >"$TMP/r1" 2>&1 &
wait_listen b udp 9000
check "a -> b: 8,000-byte UDP with DF is sent" \
	bash -c "[ \"\$(V exec -t '$T' a -- python3 -c '$UDP_SEND' 10.15.1.20 8000 df)\" = sent ]"
wait
check "  ... and b receives it whole ($(cat "$TMP/r1"))" test "$(cat "$TMP/r1")" = 8000

# From the internet to an Elastic IP: fragmented at 1500, delivered.
V exec -t "$T" a -- python3 -c "$UDP_RECV" >"$TMP/r2" 2>&1 &
wait_listen a udp 9000
check "far -> a's Elastic IP $A_EIP: 3,000-byte UDP (fragmented) is sent" \
	bash -c "[ \"\$(V exec -t '$T' far -- python3 -c '$UDP_SEND' $A_EIP 3000 frag)\" = sent ]"
wait
check "  ... and a receives it whole ($(cat "$TMP/r2"))" test "$(cat "$TMP/r2")" = 3000

# PMTUD over the internet gateway (1500), no security-group rule for ICMP.
V exec -t "$T" a -- python3 -c "$PMTUD" 203.0.113.50 >"$TMP/p1" 2>&1
check "a -> far: PMTUD learns 1500 ($(cat "$TMP/p1"))" \
	grep -qx "second send: Message too long path mtu 1500" "$TMP/p1"
# The same from a subnet whose NACL admits no ICMP: the error is dropped.
before=$(drop_count v NACL_INBOUND)
V exec -t "$T" c -- python3 -c "$PMTUD" 203.0.113.50 >"$TMP/p2" 2>&1
check "c (NACL without ICMP) -> far: the error is dropped, the path MTU stays 9001 ($(cat "$TMP/p2"))" \
	grep -qx "second send passed path mtu 9001" "$TMP/p2"
check "  ... by the NACL (NACL_INBOUND)" test "$(drop_count v NACL_INBOUND)" -gt "$before"

# A NAT gateway (ENI MTU 8500) forwards UDP fragments and drops ICMP ones:
# p (private subnet, MTU 9001) sends 8,600 bytes, which the VPC router
# fragments towards the NAT gateway.
V exec -t "$T" far -- python3 -c "$UDP_RECV" >"$TMP/r3" 2>&1 &
wait_listen far udp 9000
check "p -> far through the NAT gateway: 8,600-byte UDP is sent" \
	bash -c "[ \"\$(V exec -t '$T' p -- python3 -c '$UDP_SEND' 203.0.113.50 8600 frag)\" = sent ]"
wait
check "  ... and far receives it whole ($(cat "$TMP/r3"))" test "$(cat "$TMP/r3")" = 8600
check "p -> far: a small ping through the NAT gateway passes" \
	bash -c "[ \"\$(V exec -t '$T' p -- python3 -c '$PING' 203.0.113.50 56)\" = open ]"
before=$(drop_count v FRAGMENT)
check "p -> far: an 8,600-byte ping (fragmented before the NAT gateway) is lost" \
	bash -c "[ \"\$(V exec -t '$T' p -- python3 -c '$PING' 203.0.113.50 8600)\" = timeout ]"
check "  ... dropped as FRAGMENT" test "$(drop_count v FRAGMENT)" -gt "$before"
check "a -> far: the same 8,600-byte ping without NAT gateway passes (fragments of a tracked flow)" \
	bash -c "[ \"\$(V exec -t '$T' a -- python3 -c '$PING' 203.0.113.50 8600)\" = open ]"

# TCP: 4 MB from a to a jumbo-capable internet host (eth0 9001; its link
# into the internet stays 1500): the segments sized for 9001 meet the
# gateway's 1500, PMTUD shrinks them, the transfer completes.
V exec -t "$T" far -- ip link set eth0 mtu 9001 >"$TMP/mtu.out" 2>&1
MTU_RC=$?
V exec -t "$T" far -- python3 -c "$TCP_SINK" >"$TMP/sink" 2>&1 &
wait_listen far tcp 9100
check "a -> far (eth0 set to 9001: exit $MTU_RC): 4 MB over TCP sent" \
	bash -c "[ $MTU_RC = 0 ] && [ \"\$(V exec -t '$T' a -- python3 -c '$TCP_SEND' 203.0.113.50)\" = sent ]"
wait
check "  ... and received whole ($(cat "$TMP/sink") bytes)" test "$(cat "$TMP/sink")" = $((4 << 20))
