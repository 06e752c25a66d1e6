#!/bin/bash
# The CNI plugin run as a container runtime runs it (CNI_* variables, the
# network configuration on stdin) against a namespace the test makes as a
# runtime would: ADD places it in a subnet as an ENI with its groups
# (real connections allowed and dropped by them), status, flows, reach and
# graph show it, CHECK, ADD twice, DEL twice, GC, hostile CNI_NETNS and
# container ids refused, and `down` removes the attachment but never the
# container's namespace nor its processes.
. "$(dirname "$0")/lib.sh"
plan 31
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/cni.json" "$T"
CNI=${VPCSIM_CNI:-$ROOT/build/vpcsim-cni}
CTR=ctr-$T   # the "container": a namespace the runtime (this test) owns
ID=4f2a9c0d1e7b${T}
CONF=$TMP/conf.json
printf '{"cniVersion":"1.0.0","name":"vpc-db","type":"vpcsim","topology":"%s","subnet":"private-a","security_groups":["db"]}' \
	"$T" >"$CONF"
cleanup_ctr() { ip netns del "$CTR" 2>/dev/null; [ -z "${SRV:-}" ] || kill "$SRV" 2>/dev/null; true; }
trap 'cleanup_ctr; finish' EXIT

# cni COMMAND [VAR=VALUE...]: the plugin as a runtime runs it; stdout in
# $TMP/out.json, exit status returned.
cni() {
	local cmd=$1
	shift
	env CNI_COMMAND="$cmd" CNI_CONTAINERID="$ID" CNI_NETNS="/run/netns/$CTR" CNI_IFNAME=eth0 \
		CNI_PATH=/opt/cni/bin CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=pg" "$@" \
		"$CNI" <"${CNI_CONF:-$CONF}" >"$TMP/out.json" 2>"$TMP/err"
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/out.json" "$1"; }
# refused WHAT CODE COMMAND...: the plugin fails with error object CODE.
refused() {
	local what=$1 code=$2
	shift 2
	if ! cni "$@" && [ "$(json 'd["code"]')" = "$code" ] && [ -n "$(json 'd["msg"]')" ]; then
		ok "$what: error code $code"
	else
		not_ok "$what: error code $code"
		sed 's/^/    /' "$TMP/out.json" "$TMP/err"
	fi
}

"$VPCSIM" up "$F" >/dev/null 2>"$TMP/up.err" || { cat "$TMP/up.err"; exit 1; }
ip netns add "$CTR"

check "VERSION lists 1.0.0 and 1.1.0" bash -c "CNI_COMMAND=VERSION '$CNI' </dev/null | grep -q '\"1.1.0\"'"
if cni ADD; then ok "ADD succeeds"; else not_ok "ADD succeeds"; cat "$TMP/out.json" "$TMP/err"; fi
check "the result: address in private-a, gateway, eth0 in the sandbox" \
	test "$(json 'd["ips"][0]["address"]+" "+d["ips"][0]["gateway"]+" "+d["interfaces"][0]["name"]+" "+d["interfaces"][0]["sandbox"]')" \
	= "10.30.1.5/24 10.30.1.1 eth0 /run/netns/$CTR"
check "the result names the VPC resolver" test "$(json 'd["dns"]["nameservers"][0]')" = 10.30.0.2
check "the container has 10.30.1.5 on eth0 and a default route" \
	bash -c "ip -n $CTR -4 addr show eth0 | grep -q 10.30.1.5/24 && ip -n $CTR route | grep -q 'default via 10.30.1.1'"

ip netns exec "$CTR" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5432)); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"pg-in-container\n"); c.close()' &
SRV=$!
for _ in $(seq 50); do ip netns exec "$CTR" ss -ltn | grep -q :5432 && break; sleep 0.1; done
resolve() { "$VPCSIM" exec -t "$T" app -- python3 -c 'import socket,sys; print(socket.gethostbyname(sys.argv[1]))' "$1" 2>/dev/null; }
check "the VPC resolver answers the container's name to a node of the VPC (app: pg -> 10.30.1.5)" \
	bash -c "$(declare -f resolve); VPCSIM='$VPCSIM' T='$T' resolve pg | grep -qx 10.30.1.5"
check "status lists the container's ENI with group db" bash -c "'$VPCSIM' status $T | grep -E '10.30.1.5 +- +db +generic pg'"
expect_probe app pg 5432 open
expect_probe intruder pg 5432 timeout
check "a real client in group client reads the container's server" \
	bash -c "'$VPCSIM' exec -t $T app -- bash -c 'exec 3<>/dev/tcp/10.30.1.5/5432; head -1 <&3' | grep -qx pg-in-container"
check_fails "a real client in group stranger gets no connection" \
	"$VPCSIM" exec -t "$T" intruder -- timeout 3 bash -c 'exec 3<>/dev/tcp/10.30.1.5/5432'
check "reach explains the drop by the container's group" \
	bash -c "'$VPCSIM' reach -t $T intruder pg 5432 | grep -q 'group app/db'"
check "flows carry the container's ENI" bash -c "'$VPCSIM' flows -t $T | grep -E 'eni-[0-9a-f]+ 10.30.1.4 10.30.1.5 [0-9]+ 5432 6 .* ACCEPT'"
check "graph draws the container" bash -c "'$VPCSIM' graph -t $T | grep -q 'pg (generic)'"
check "CHECK succeeds" cni CHECK
refused "ADD of an attached interface" 101 ADD
refused "CHECK of another interface" 3 CHECK CNI_IFNAME=eth1
refused "CNI_NETNS the host's namespace (/proc/PID/ns/net)" 8 ADD CNI_CONTAINERID=other CNI_NETNS=/proc/$$/ns/net
ln -s "/run/netns/$CTR" "$TMP/link"
refused "CNI_NETNS a symbolic link to the namespace" 8 ADD CNI_CONTAINERID=other CNI_NETNS="$TMP/link"
refused "CNI_NETNS a vpcsim router" 8 ADD CNI_CONTAINERID=other CNI_NETNS="/run/netns/vpcsim-$T.vpc.app"
refused "CNI_NETNS a file" 8 ADD CNI_CONTAINERID=other CNI_NETNS=/etc/hostname
refused "a container id with '/'" 4 ADD CNI_CONTAINERID=../../x
check "no link of the refused ADDs in the root namespace" bash -c "! ip -o link | grep -q 'vpcsim:'"
CNI_CONF=$TMP/bad.json
printf '{"cniVersion":"1.0.0","name":"vpc-db","type":"vpcsim","topology":"%s","subnet":"private-a","security_groups":["nope"]}' "$T" >"$CNI_CONF"
refused "a group the VPC lacks" 7 ADD CNI_CONTAINERID=other
unset CNI_CONF
if cni DEL && cni DEL; then ok "DEL twice succeeds"; else not_ok "DEL twice succeeds"; cat "$TMP/err"; fi
check "after DEL the VPC resolver no longer answers the container's name" \
	bash -c "$(declare -f resolve); ! VPCSIM='$VPCSIM' T='$T' resolve pg"
check "after DEL: no ENI in status, no eth0 in the container" \
	bash -c "! '$VPCSIM' status $T | grep -q 10.30.1.5 && ! ip -n $CTR link show eth0 2>/dev/null"
cni ADD
printf '{"cniVersion":"1.1.0","name":"vpc-db","type":"vpcsim","topology":"%s","cni.dev/valid-attachments":[]}' "$T" >"$TMP/gc.json"
CNI_CONF=$TMP/gc.json cni GC
check "GC with no valid attachment removes the container" bash -c "! '$VPCSIM' status $T | grep -q 10.30.1.5"
cni ADD
"$VPCSIM" down "$T" >/dev/null
# down deletes the VPC router's namespace; the kernel frees a namespace's
# devices (and so the veth's peer, the container's eth0) in its own
# clean-up work after the last reference goes, after down returns: one
# queue for every namespace of the machine, which other scripts' downs on a
# loaded machine hold up for seconds (t_policy's too): wait for it (at most
# 30 s).
check "down removed the container's eth0" bash -c "for _ in \$(seq 300); do ip -n $CTR link show eth0 >/dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"
check "down left the container's namespace and its process" bash -c "test -e /run/netns/$CTR && kill -0 $SRV"
check "DEL after down succeeds" cni DEL
