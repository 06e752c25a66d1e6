#!/bin/bash
# Resolver queries from inside a function (docs/DNS.md): a Python loop in
# the function's environment sends N real DNS queries (UDP, one at a time)
# to its resolver and times each answer, at most one a millisecond (the
# resolver's quota of 1,024 packets a second per ENI: faster, a VPC
# function's queries are dropped). p50 and p99 per case; a query lost or
# answered wrong is counted.
#   bench/dns.sh [QUERIES]     default 2000
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-2000}
bench_topology bench-dns
sed "s/\"name\": \"dns\"/\"name\": \"$T\"/" tests/integration/data/dns.json >"$tmp/t.json"
$VPCSIM up "$tmp/t.json" >/dev/null
token=$(grep -o 'db\.[a-z0-9]\{12\}' /run/vpcsim/$T/dns-vpc.app/nodes | head -1 | cut -d. -f2)

cat >"$tmp/q.py" <<'PY'
import socket, struct, sys, time
server, name, n, want = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def query(qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((server, 53))
s.settimeout(2)
times, bad = [], 0
# At most one query a millisecond: an ENI may send the resolver 1,024
# packets a second (docs/DNS.md); faster, the data plane drops the rest.
start = time.perf_counter()
for i in range(n + 50):
    wait = start + i / 1000 - time.perf_counter()
    if wait > 0:
        time.sleep(wait)
    q = query(i & 0xffff)
    t0 = time.perf_counter_ns()
    s.send(q)
    try:
        r = s.recv(1500)
    except socket.timeout:
        bad += 1
        continue
    t1 = time.perf_counter_ns()
    rcode = r[3] & 15
    ok = r[:2] == q[:2] and ((want == "NXDOMAIN" and rcode == 3) or
                             (want != "NXDOMAIN" and rcode == 0 and socket.inet_ntoa(r[-4:]) == want))
    bad += not ok
    if i >= 50:                       # the first 50 warm up
        times.append((t1 - t0) / 1000)
times.sort()
print("%.0f %.0f %d" % (times[len(times) // 2], times[(len(times) * 99 + 99) // 100 - 1], bad))
PY

one() { # function server name want
	local out
	out=$($VPCSIM invoke -t $T "$1" -- /usr/bin/python3 -c "$(cat "$tmp/q.py")" "$2" "$3" "$N" "$4" 2>/dev/null |
		grep -v '^REPORT\|^START\|^END' | tail -1)
	printf "%-44s %-22s %8s %8s %6s\n" "$3" "$1 -> $2" $out
}

echo "DNS: $N queries, one at a time, from inside a function; microseconds per answer"
printf "%-44s %-22s %8s %8s %6s\n" NAME "FROM -> RESOLVER" p50_us p99_us wrong
one vfn 10.20.0.2 db 10.20.2.10
one vfn 169.254.169.253 "db.$token.us-east-1.rds.amazonaws.com" 10.20.2.10
one vfn 10.20.0.2 ip-10-20-1-20.ec2.internal 10.20.1.20
one vfn 10.20.0.2 nope.example.org NXDOMAIN
one dfn 169.254.169.253 api.example.com 203.0.113.30
