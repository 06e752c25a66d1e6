#!/bin/bash
# Cost of the BPF data plane on real packets: round trips per second (a
# 1-byte TCP request/response loop) and TCP throughput (iperf3) between two
# resources of one VPC, first with the programs attached, then with them
# removed from the two ENIs' router-side veths (same namespaces, same
# path). A benchmark, not a test: it never fails on a slow machine.
#   bench/dataplane.sh [SECONDS]     default 5 s per measurement
set -eu
cd "$(dirname "$0")/.."
VPCSIM=${VPCSIM:-build/vpcsim}
SECS=${1:-5}
NAME=bdp$(( $$ % 100000 ))
tmp=$(mktemp -d)
trap '$VPCSIM down $NAME >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

cat >"$tmp/t.json" <<JSON
{ "name": "$NAME",
  "vpcs": [ { "name": "v", "cidr": "10.77.0.0/16",
              "subnets": [ { "name": "a", "cidr": "10.77.1.0/24" } ] } ],
  "resources": [ { "name": "a", "subnet": "a", "ip": "10.77.1.10" },
                 { "name": "b", "subnet": "a", "ip": "10.77.1.20" } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null

RR_SERVER='
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9100)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    d = c.recv(1)
    if not d: break
    c.sendall(d)'
RR_CLIENT='
import socket, sys, time
s = socket.create_connection(("10.77.1.20", 9100))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
n, end = 0, time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    s.sendall(b"x"); s.recv(1); n += 1
print(int(n / float(sys.argv[1])))'

measure() { # label
	local rr gbps
	$VPCSIM exec -t "$NAME" b -- python3 -c "$RR_SERVER" &
	sleep 0.3
	rr=$($VPCSIM exec -t "$NAME" a -- python3 -c "$RR_CLIENT" "$SECS")
	wait
	$VPCSIM exec -t "$NAME" b -- iperf3 -s -1 >/dev/null &
	sleep 0.3
	gbps=$($VPCSIM exec -t "$NAME" a -- iperf3 -c 10.77.1.20 -t "$SECS" -J |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
	wait
	printf "%-22s %12s %14s\n" "$1" "$rr" "$gbps"
}

printf "%-22s %12s %14s\n" "" "round trips/s" "TCP Gbit/s"
measure "programs attached"
router=$($VPCSIM status "$NAME" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["vpcs"][0]["netns"])')
for ifn in $($VPCSIM status "$NAME" --json | python3 -c 'import json,sys; print(" ".join(e["router_interface"] for e in json.load(sys.stdin)["enis"]))'); do
	ip netns exec "$router" tc qdisc del dev "$ifn" clsact
done
measure "programs removed"
