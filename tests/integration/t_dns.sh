#!/bin/bash
# The VPC resolver (docs/DNS.md): real DNS queries from real clients (dig,
# Python's getaddrinfo, Node's dns.resolve4) in a resource, a VPC
# function's environment and a function without VPC: node names, ip- names,
# RDS endpoints, internet hosts' dns_name, NXDOMAIN; base + 2 and
# 169.254.169.253; DNS support off times out; hostnames off hides ip-
# names; groups and NACLs that deny everything still let DNS through;
# environments' ENIs come and go; two topologies whose names share a prefix
# keep their records apart; a failed up and down leave no resolver.
# run alone: the quota burst times 3,000 queries against the clock
. "$(dirname "$0")/lib.sh"
plan 63
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/dns.json" "$T"
DIG="dig +short +time=2 +tries=3"
inv() { V invoke -t "$T" "$@" 2>/dev/null | grep -v '^REPORT\|^START\|^END'; }
export -f V inv
export T VPCSIM DIG
# The resolvers of topology $1: dnsmasq processes reading its records.
resolvers() { pgrep -f "^/usr/sbin/dnsmasq .*--hostsdir=/run/vpcsim/$1/dns-" || true; }

check "up $T" V up "$F"
check "one resolver per VPC with DNS support, the Lambda service VPC and the internet" \
	test "$(resolvers "$T" | grep -c .)" = 4
pid=$(resolvers "$T" | head -1)
check "a resolver runs as dnsmasq with no capabilities and no_new_privs" \
	bash -c "[ \"\$(stat -c %U /proc/$pid)\" = dnsmasq ] &&
		grep -Eq '^CapEff:\s+0+$' /proc/$pid/status && grep -Eq '^CapPrm:\s+0+$' /proc/$pid/status &&
		grep -Eq '^NoNewPrivs:\s+1$' /proc/$pid/status"
check "its pid and start time are in the journal" grep -q "resolver.vpc.app" "/run/vpcsim/$T/journal"

TOKEN=$(python3 -c 'import re,sys; print(re.search(r"db\.([a-z0-9]{12})\.us-east-1\.rds\.amazonaws\.com", open(sys.argv[1]).read()).group(1))' "/run/vpcsim/$T/dns-vpc.app/nodes")
# status --json and graph show every node's names.
V status "$T" --json >"$TMP/status.json"
check "status --json: a node's dns_names" python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); n = {x["name"]: x for x in j["nodes"]}; v = {x["name"]: x for x in j["vpcs"]}
assert n["db"]["dns_names"] == ["ip-10-20-2-10.ec2.internal", "db", "db.%s.us-east-1.rds.amazonaws.com" % sys.argv[2]], n["db"]
assert n["pool"]["dns_names"][2] == "pool.proxy-%s.us-east-1.rds.amazonaws.com" % sys.argv[2], n["pool"]
assert n["api"]["dns_names"] == ["api", "api.example.com"], n["api"]
assert n["other"]["dns_names"] == ["other"], n["other"]
assert v["app"]["dns"] == {"enable_dns_support": True, "enable_dns_hostnames": True, "resolver": ["10.20.0.2", "169.254.169.253"]}, v["app"]
assert v["quiet"]["dns"]["resolver"] == [], v["quiet"]' "$TMP/status.json" "$TOKEN"
check "graph: the RDS endpoint and dns_name on the picture" \
	bash -c "V graph -t '$T' | grep -F 'db.$TOKEN.us-east-1.rds.amazonaws.com' && V graph -t '$T' | grep -F 'api.example.com'"
check "resolv.conf of a node names base + 2" \
	bash -c "V exec -t '$T' box -- cat /etc/resolv.conf | grep -qx 'nameserver 10.20.0.2'"

# box: a group with no rule either way and a NACL with no rule: DNS passes.
expect_dig() { # node server name [want]
	set -- "$1" "$2" "$3" "${4:-}"
	check "$1: $3 @$2 is ${4:-NXDOMAIN}" bash -c "out=\$(V exec -t '$T' $1 -- dig +time=2 +tries=3 @$2 $3); echo \"\$out\";
		if [ -n '$4' ]; then echo \"\$out\" | grep -Eq '^$3\.\s+[0-9]+\s+IN\s+A\s+$4$'; else echo \"\$out\" | grep -q 'status: NXDOMAIN'; fi"
}
for server in 10.20.0.2 169.254.169.253; do
	expect_dig box $server db 10.20.2.10
	expect_dig box $server ip-10-20-2-10.ec2.internal 10.20.2.10
done
expect_dig box 10.20.0.2 "db.$TOKEN.us-east-1.rds.amazonaws.com" 10.20.2.10
expect_dig box 10.20.0.2 "pool.proxy-$TOKEN.us-east-1.rds.amazonaws.com" 10.20.2.11
expect_dig box 10.20.0.2 api.example.com 203.0.113.30
expect_dig box 10.20.0.2 plain 203.0.113.31
expect_dig box 10.20.0.2 www.example.org
expect_dig box 10.20.0.2 ip-10-20-2-99.ec2.internal
check "box: reverse of 10.20.2.10 is its ip- name" \
	bash -c "V exec -t '$T' box -- $DIG -x 10.20.2.10 | grep -qx 'ip-10-20-2-10.ec2.internal.'"
# The same group and NACL drop everything else: the exemption is DNS only.
check "box: UDP to another port of the same address is dropped (group and NACL deny)" \
	V probe -t "$T" box 10.20.0.2 54 --proto udp --expect timeout --timeout-ms 500
check "box: UDP 53 to another address is dropped" \
	V probe -t "$T" box 10.20.2.10 53 --proto udp --expect timeout --timeout-ms 500
drops() { V status "$T" --json | python3 -c 'import json,sys; print([v for v in json.load(sys.stdin)["vpcs"] if v["name"] == "app"][0]["drops"]["SG_EGRESS"])'; }
before=$(drops)
V exec -t "$T" box -- $DIG db >/dev/null
check "the group dropped those ($before) and no DNS query" test "$before" -ge 2 -a "$(drops)" = "$before"

# AWS's quota: 1024 packets per second per ENI to the resolver. A burst of
# 3000 queries in well under a second: the rest are dropped and counted;
# a second later the ENI's queries are answered again.
cat >"$TMP/flood.py" <<'PY'
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("10.20.0.2", 53)); s.setblocking(False)
t0 = time.monotonic()
for i in range(3000):
    try: s.send(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x02db\x00\x00\x01\x00\x01")
    except (BlockingIOError, ConnectionRefusedError): pass
    try:
        while True: s.recv(512)
    except (BlockingIOError, ConnectionRefusedError): pass
print(time.monotonic() - t0)
PY
quota() { V status "$T" --json | python3 -c 'import json,sys; print([v for v in json.load(sys.stdin)["vpcs"] if v["name"] == "app"][0]["drops"]["DNS_QUOTA_EXCEEDED"])'; }
q0=$(quota)
secs=$(V exec -t "$T" box -- /usr/bin/python3 - <"$TMP/flood.py")
q1=$(quota)
if awk -v s="$secs" 'BEGIN { exit !(s < 0.9) }'; then
	check "a burst over 1024 queries a second from one ENI is cut at the quota ($((q1 - q0)) dropped of 3000 in ${secs}s)" \
		test $((q1 - q0)) -ge $((3000 - 1024))
else
	skip "the DNS quota burst" "the machine sent 3000 queries in ${secs}s, not within a second"
fi
sleep 1.1
check "a second later the ENI's queries are answered" bash -c "V exec -t '$T' box -- $DIG db | grep -qx 10.20.2.10"

# A VPC function (per-sandbox ENI in priv-a, group and NACL closed): dig,
# getaddrinfo and Node's dns.resolve4 on names that no hosts file holds.
check "vfn: dig ip- name of box" bash -c "inv vfn -- $DIG ip-10-20-1-20.ec2.internal | grep -qx 10.20.1.20"
check "vfn: dig @169.254.169.253 RDS endpoint" \
	bash -c "inv vfn -- $DIG @169.254.169.253 db.$TOKEN.us-east-1.rds.amazonaws.com | grep -qx 10.20.2.10"
check "vfn: Python getaddrinfo of the proxy endpoint" \
	bash -c "inv vfn -- /usr/bin/python3 -c 'import socket; print(socket.getaddrinfo(\"pool.proxy-$TOKEN.us-east-1.rds.amazonaws.com\", 5432, socket.AF_INET)[0][4][0])' | grep -qx 10.20.2.11"
check "vfn: Python getaddrinfo of an unknown name fails (NXDOMAIN)" \
	bash -c "inv vfn -- /usr/bin/python3 -c 'import socket
try: socket.getaddrinfo(\"nope.example.org\", 80); print(\"found\")
except socket.gaierror as e: print(\"gaierror\", e.errno)' | grep -qx 'gaierror -2'"
check "vfn: Node dns.resolve4 (no hosts file) of api.example.com and db" \
	bash -c "inv vfn -- node -e 'const d=require(\"dns\").promises; Promise.all([d.resolve4(\"api.example.com\"), d.resolve4(\"db\")]).then(r=>console.log(r.join(\" \")))' | grep -qx '203.0.113.30 10.20.2.10'"
check "vfn: Node dns.resolve4 of an unknown name is ENOTFOUND" \
	bash -c "inv vfn -- node -e 'require(\"dns\").resolve4(\"nope.example.org\", e=>console.log(e&&e.code))' | grep -qx ENOTFOUND"

# A function without VPC: the Lambda service VPC's resolver at 169.254.169.253.
check "dfn: resolv.conf names 169.254.169.253" \
	bash -c "inv dfn -- cat /etc/resolv.conf | grep -qx 'nameserver 169.254.169.253'"
check "dfn: dig api.example.com and db (private address: no public one)" \
	bash -c "[ \"\$(inv dfn -- $DIG api.example.com db | tr '\n' ' ')\" = '203.0.113.30 10.20.2.10 ' ]"
check "dfn: no private ip- names outside the VPC" \
	bash -c "inv dfn -- dig +time=2 +tries=3 ip-10-20-1-20.ec2.internal | grep -q 'status: NXDOMAIN'"

# An internet host asks the internet's resolver.
expect_dig api 169.254.169.253 api.example.com 203.0.113.30

# enable_dns_support false: both addresses time out.
for server in 10.30.0.2 169.254.169.253; do
	check "quiet VPC (DNS support off): @$server times out" \
		bash -c "V exec -t '$T' hush -- dig +time=1 +tries=1 @$server db | grep -q 'timed out'"
done
# enable_dns_hostnames false (default): node names yes, ip- names no.
expect_dig other 10.40.0.2 box 10.20.1.20
expect_dig other 10.40.0.2 ip-10-20-1-20.ec2.internal
expect_dig other 10.40.0.2 ip-10-40-1-9.ec2.internal

# Environments' ENIs: attached later, resolvable; detached, gone.
ip=$(V attach -t "$T" vfn | sed -n 's/.*per-sandbox, \([0-9.]*\),.*/\1/p')
name="ip-${ip//./-}.ec2.internal"
check "status --json: the environment's ENI name" bash -c "V status '$T' --json | python3 -c 'import json,sys; e=[e for e in json.load(sys.stdin)[\"environments\"] if e[\"private_ip\"] == \"$ip\"]; assert e[0][\"dns_names\"] == [\"$name\"], e'"
check "an environment attached later ($ip) is resolvable" \
	bash -c "for _ in 1 2 3 4 5; do V exec -t '$T' box -- $DIG $name | grep -qx '$ip' && exit 0; sleep 0.2; done; exit 1"
V detach -t "$T" vfn --all >/dev/null
check "and gone after detach" \
	bash -c "for _ in 1 2 3 4 5; do V exec -t '$T' box -- dig +time=2 +tries=3 $name | grep -q 'status: NXDOMAIN' && exit 0; sleep 0.2; done; exit 1"

# A topology whose name is a prefix of this one's: its own records only.
T2=${T:0:8}
F1=$F
topo_copy "$ROOT/tests/integration/data/dns.json" "$T2"
sed -i 's/"10.20.2.10"/"10.20.2.99"/; s/api.example.com/api2.example.com/' "$F"
check "up $T2 beside it" V up "$F"
check "$T2 answers its own db" bash -c "V exec -t '$T2' box -- $DIG db | grep -qx 10.20.2.99"
expect_dig box 10.20.0.2 db 10.20.2.10
expect_dig box 10.20.0.2 api2.example.com
check "down $T2" V down "$T2"
check "no resolver of $T2 is left" test -z "$(resolvers "$T2")"
expect_dig box 10.20.0.2 api.example.com 203.0.113.30

# A failed up (right after the first resolver started) leaves no resolver.
T3=${T:0:7}x
topo_copy "$ROOT/tests/integration/data/dns.json" "$T3"
k=$(V up --dry-run "$F" | grep -n 'start the resolver' | head -1 | cut -d: -f1)
out=$(VPCSIM_FAIL_STEP=$((k + 1)) V up "$F" 2>&1)
check "up $T3 failing after a resolver started fails" bash -c "echo '$out' | grep -q 'injected failure'"
check "and leaves no resolver, records folder or resolv.conf" \
	bash -c "[ -z '$(resolvers "$T3")' ] && ! ls -d /run/vpcsim/$T3 /etc/netns/vpcsim-$T3.* 2>/dev/null"

# up killed right after a resolver started (as t_crash does): down removes it.
T4=${T:0:7}k
topo_copy "$ROOT/tests/integration/data/dns.json" "$T4"
VPCSIM_KILL_STEP=$k V up "$F" >/dev/null 2>&1
check "up $T4 killed after its first resolver started left it running" test -n "$(resolvers "$T4")"
V down "$T4" >/dev/null 2>&1
check "down $T4 removes it, the records and resolv.conf" \
	bash -c "[ -z '$(resolvers "$T4")' ] && ! ls -d /run/vpcsim/$T4 /etc/netns/vpcsim-$T4.* 2>/dev/null"

# Validation: the new keys, with the input, the rule and the fix.
bad() { # description sed-expression expected-line
	sed "$2" "$F1" >"$TMP/bad.json"
	V validate "$TMP/bad.json" >"$TMP/validate.out" 2>&1
	check "validate: $1" grep -F -- "$3" "$TMP/validate.out"
}
bad "hostnames without support" 's/"enable_dns_support": false/"enable_dns_support": false, "enable_dns_hostnames": true/' \
	"vpcs[1].enable_dns_hostnames: InvalidParameterValue: You can only enable DNS hostnames if you've enabled DNS support"
bad "a dns_name with one label" 's/"api.example.com"/"api"/' \
	"internet.hosts[0].dns_name: InvalidParameterValue: The DNS name 'api' is invalid: it needs at least two labels"
bad "a dns_name with an upper-case letter" 's/"api.example.com"/"Api.example.com"/' \
	"only lowercase letters, digits"
bad "a dns_name under amazonaws.com" 's/"api.example.com"/"s3.amazonaws.com"/' \
	"is under amazonaws.com, whose names the VPC resolver makes itself"
bad "the same dns_name twice" 's/"ip": "203.0.113.31"/"ip": "203.0.113.31", "dns_name": "api.example.com"/' \
	"internet.hosts[1].dns_name: DuplicateName: The DNS name 'api.example.com' is also internet host api's"
bad "enable_dns_support not a boolean" 's/"enable_dns_support": false/"enable_dns_support": "no"/' \
	"'enable_dns_support' must be true or false"

# status reports each resolver; one that dies is reported, not hidden.
check "status: the resolvers, running, and the one of the quiet VPC off" \
	bash -c "V status '$T' --json | python3 -c 'import json,sys; r={x[\"view\"]: x for x in json.load(sys.stdin)[\"resolvers\"]}; assert r[\"vpc.app\"][\"state\"] == \"running\" and r[\"vpc.quiet\"][\"state\"] == \"off\" and r[\"inet\"][\"addresses\"] == [\"169.254.169.253\"], r'"
victim=$(V status "$T" --json | python3 -c 'import json,sys; print([x for x in json.load(sys.stdin)["resolvers"] if x["view"] == "vpc.nohn"][0]["pid"])')
kill -9 "$victim"
check "a resolver killed is reported as exited" \
	bash -c "for _ in 1 2 3 4 5 6 7 8 9 10; do V status '$T' | grep -Eq '^vpc\.nohn .* exited\$' && exit 0; sleep 0.2; done; exit 1"
check "and its VPC's queries time out" \
	bash -c "V exec -t '$T' other -- dig +time=1 +tries=1 @10.40.0.2 box | grep -Eq 'timed out|refused'"

check "down $T" V down "$T"
check "no resolver of $T is left" test -z "$(resolvers "$T")"
