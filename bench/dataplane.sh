#!/bin/bash
# What enforcement costs per packet: between two resources in two subnets of
# one VPC, TCP throughput (iperf3, 1 and 4 streams), round trips per second
# on one connection and new connections per second (bench/tcprr.c: one
# connection per transaction, so every one passes the policy), for:
#
#   none        the same topology with vpcsim's programs removed
#   rules3      vpcsim, the server's group with 3 rules
#   max         vpcsim, 5 groups x 60 rules on each ENI, NACLs of 20 rules
#   nft-linear  no programs; the max policy as a stateful nftables chain
#   nft-sets    no programs; the max policy as nftables sets
#
# Each variant is its own topology, all up at once; every run measures all
# of them back to back, and ratios to `none` are taken run by run.
#   bench/dataplane.sh            RUNS (default 3) runs of SECS (default 3) s
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-3}
SECS=${SECS:-3}
TCPRR=$PWD/build/tcprr
SERVER=10.0.2.4
VARIANTS=(none rules3 max nft-linear nft-sets)
declare -A TOPO=([none]=bdpnone [rules3]=bdp3 [max]=bdpmax [nft-linear]=bdplin [nft-sets]=bdpset)
declare -A POLICY=([none]=rules3 [rules3]=rules3 [max]=max [nft-linear]=rules3 [nft-sets]=rules3)
tmp=$(mktemp -d)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for v in "${VARIANTS[@]}"; do $VPCSIM down "${TOPO[$v]}" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

command -v iperf3 >/dev/null || { echo "bench/dataplane.sh: iperf3 is missing (apt-get install iperf3)" >&2; exit 1; }
gcc -O2 -Wall -Wextra -Werror -o "$TCPRR" bench/tcprr.c

# status_field TOPO PYTHON-EXPRESSION-ON-d
status_field() {
	$VPCSIM status "$1" --json | python3 -c "import json, sys; d = json.load(sys.stdin); print($2)"
}

# Remove vpcsim's programs from the two ENIs' router-side links.
unload() { # topo
	local router ifs
	router=$(status_field "$1" 'd["vpcs"][0]["netns"]')
	ifs=$(status_field "$1" '" ".join(e["router_interface"] for e in d["enis"])')
	for i in $ifs; do
		ip netns exec "$router" tc filter del dev "$i" ingress
		ip netns exec "$router" tc filter del dev "$i" egress
	done
}

nft_load() { # topo linear|sets
	local router
	router=$(status_field "$1" 'd["vpcs"][0]["netns"]')
	bench/gen_dp.py nft max "$2" >"$tmp/nft.$1"
	ip netns exec "$router" nft -f "$tmp/nft.$1"
}

setup() { # variant
	local v=$1 t=${TOPO[$1]}
	bench/gen_dp.py topology "$t" "${POLICY[$v]}" >"$tmp/$t.json"
	$VPCSIM up "$tmp/$t.json" >/dev/null
	case $v in
	none) unload "$t" ;;
	nft-linear) unload "$t" && nft_load "$t" linear ;;
	nft-sets) unload "$t" && nft_load "$t" sets ;;
	esac
	$VPCSIM exec -t "$t" s -- iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
	$VPCSIM exec -t "$t" s -- "$TCPRR" server 5202 >/dev/null 2>&1 &
	pids+=($!)
}

gbits() { python3 -c 'import json, sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)'; }

measure() { # variant: appends one line to each of its four figure files
	local t=${TOPO[$1]}
	$VPCSIM exec -t "$t" c -- iperf3 -c $SERVER -p 5201 -t "$SECS" -P 1 -J | gbits >>"$tmp/$1.tput1"
	$VPCSIM exec -t "$t" c -- iperf3 -c $SERVER -p 5201 -t "$SECS" -P 4 -J | gbits >>"$tmp/$1.tput4"
	$VPCSIM exec -t "$t" c -- "$TCPRR" rr $SERVER 5202 "$SECS" >>"$tmp/$1.rr"
	$VPCSIM exec -t "$t" c -- "$TCPRR" crr $SERVER 5202 "$SECS" >>"$tmp/$1.crr"
}

for v in "${VARIANTS[@]}"; do setup "$v"; done
sleep 1
for _ in $(seq "$RUNS"); do
	for v in "${VARIANTS[@]}"; do measure "$v"; done
done

echo "DATA PLANE: two resources in two subnets; median (min-max) of $RUNS runs of ${SECS} s; ratio to 'none' taken run by run"
printf "%-11s %-22s %-22s %-24s %-24s\n" VARIANT "TCP 1 STREAM Gbit/s" "TCP 4 STREAMS Gbit/s" "ROUND TRIPS /s" "NEW CONNECTIONS /s"
for v in "${VARIANTS[@]}"; do
	row=$(printf "%-11s" "$v")
	for m in tput1 tput4 rr crr; do
		d=1; [ "$m" = rr ] || [ "$m" = crr ] && d=0
		cell=$(fmt "$(stats <"$tmp/$v.$m")" "$d")
		if [ "$v" != none ]; then
			r=$(paste "$tmp/$v.$m" "$tmp/none.$m" | awk '{ print ($2 > 0) ? $1 / $2 : 0 }' | stats | awk '{ printf "%.2f", $1 }')
			cell="$cell x$r"
		fi
		row+=$(printf " %-23s" "$cell")
	done
	echo "$row"
done
