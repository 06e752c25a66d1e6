#!/bin/bash
# Nodes: commands run inside their namespace with the topology's names and
# stop at down; the responder answers listen ports within a subnet; every
# link stays between vpcsim namespaces; ENI ids are stable across runs.
# run alone: its clean checks need no other topology up
. "$(dirname "$0")/lib.sh"
plan 24
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/nodes.json" "$T"

check "up $T" "$VPCSIM" up "$F"
log=/run/vpcsim/$T/logs/worker.log
for _ in $(seq 20); do grep -q 'inet ' "$log" 2>/dev/null && break; sleep 0.1; done
check "the command ran inside the node" grep -q "eth0 *inet 10.5.2.4/28" "$log"
check "it sees names split-horizon (front is private inside its VPC)" \
	grep -Eq '^10\.5\.1\.[0-9]+\s+front$' "$log"
check "it sees internet hosts" grep -Eq '^203\.0\.113\.20\s+pub$' "$log"
# The nodes of a VPC share one hosts file (docs/NAMING.md): read-only to
# them, and what `ip netns exec` shows too.
check "a node cannot change the hosts file its VPC shares" \
	bash -c "! '$VPCSIM' exec -t '$T' worker -- sh -c 'echo 10.9.9.9 intruder >>/etc/hosts' 2>/dev/null &&
		! grep -rqs intruder /etc/netns/vpcsim-$T.*/"
check "ip netns exec shows the node its hosts file" \
	bash -c "ip netns exec vpcsim-$T.res.worker cat /etc/hosts | grep -Eq '^203\.0\.113\.20\s+pub$'"
check "status shows the command running" bash -c "'$VPCSIM' status '$T' | grep -E '^worker .*running'"
pid=$(awk '$1 == "proc" && $4 == "worker" {print $2}' "/run/vpcsim/$T/journal")
check "its pid is journaled" test -n "$pid"
expect_probe worker pair-1 7 open
expect_probe worker pair-1 7 open --proto udp
expect_probe worker pair-1 8 refused
expect_probe pub front 443 open
expect_probe front pub 80 open

# Every veth of the topology has its peer in a vpcsim namespace; none in the
# root namespace.
bad=0
for ns in $(ip netns list | awk '{print $1}' | grep -F "vpcsim-$T."); do
	while read -r line; do
		echo "$line" | grep -qF "link-netns vpcsim-$T." || { echo "    $ns: $line"; bad=1; }
	done < <(ip -n "$ns" -o -d link show type veth)
done
check "every veth joins two vpcsim namespaces" test $bad -eq 0
check "no vpcsim interface in the root namespace" bash -c "! ip -o link show | grep -Eq 'vpcsim|@if'"
ids1=$("$VPCSIM" status "$T" --json | grep -o 'eni-[0-9a-f]*' | sort)
check "down $T" "$VPCSIM" down "$T"
gone_or_zombie() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]; }
check "the command's process ended" gone_or_zombie "$pid"
check "up again" "$VPCSIM" up "$F"
ids2=$("$VPCSIM" status "$T" --json | grep -o 'eni-[0-9a-f]*' | sort)
check "ENI ids are the same on every up" test "$ids1" = "$ids2"
check "down again" "$VPCSIM" down "$T"

# clean removes every vpcsim object; only when no other topology is up
# (it would remove those too).
# A script run alone follows the others' ends; what one left behind (a
# failure of its own, or a leak) is named in the skip.
others() { ls /run/vpcsim 2>/dev/null; ip netns list | grep -o '^vpcsim-[^ ]*'; }
for _ in $(seq 20); do [ -z "$(others)" ] && break; sleep 0.5; done
if [ -z "$(others)" ]; then
	check "up for clean" "$VPCSIM" up "$F"
	check "clean" "$VPCSIM" clean
	check "clean left no namespace" bash -c "! ip netns list | grep -q '^vpcsim-'"
	check "clean left no state" bash -c "[ -z \"\$(ls /run/vpcsim)\" ]"
else
	for what in "up for clean" clean "clean left no namespace" "clean left no state"; do
		skip "$what" "other vpcsim topologies are up: $(others | head -n 5 | tr '\n' ' ')"
	done
fi
