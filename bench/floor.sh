#!/bin/bash
# The kernel's own price for what `vpcsim up` builds, to hold vpcsim against:
#
#   floor   N+1 namespaces (one router, one per ENI) and N veth pairs (one
#           end in the router, one in the node), all from one `ip -batch`
#           process: the least any tool can do for N routed ENIs
#   batch   the floor plus what makes them work (addresses, links up, a
#           route per ENI in the router and a default route in each node),
#           with one `ip -batch` per namespace
#   steps   the same objects with one `ip` process per step, as a shell
#           script written by hand would do it
#
# Each veth pair is created with both ends placed in their namespaces by the
# same request (IFLA_NET_NS_FD), so nothing ever sits in the root namespace.
# Namespaces are named vpcsim-bfloor.* so that `vpcsim clean` finds any left
# by an interrupted run.
#   bench/floor.sh up|down floor|batch|steps N    one timed run, in ms
set -eu
MODE=$1
KIND=$2
N=$3
P=vpcsim-bfloor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }

# The addresses of ENI i: 10.<i/250>.<i%250+4>, router side 10.x.y.1 style
# on-link as vpcsim does (subnet router +1 per /24).
addr() { echo "10.$((1 + $1 / 250)).0.$(($1 % 250 + 4))"; }
gw() { echo "10.$((1 + $1 / 250)).0.1"; }

floor_batch() {
	echo "netns add $P.r"
	for i in $(seq 0 $((N - 1))); do echo "netns add $P.n$i"; done
	for i in $(seq 0 $((N - 1))); do
		echo "link add e$i netns $P.r type veth peer name eth0 netns $P.n$i"
	done
}

router_batch() {
	for i in $(seq 0 $((N - 1))); do
		echo "link set e$i up"
		echo "addr add $(gw "$i")/32 dev e$i"
		echo "route add $(addr "$i")/32 dev e$i"
	done
}

node_batch() { # i
	echo "link set lo up"
	echo "link set eth0 up"
	echo "addr add $(addr "$1")/24 dev eth0"
	echo "route add default via $(gw "$1") dev eth0 onlink"
}

up() {
	case $KIND in
	floor) floor_batch >"$tmp/b" && ip -batch "$tmp/b" ;;
	batch)
		floor_batch >"$tmp/b" && ip -batch "$tmp/b"
		router_batch >"$tmp/r" && ip -n $P.r -batch "$tmp/r"
		for i in $(seq 0 $((N - 1))); do
			node_batch "$i" >"$tmp/n" && ip -n $P.n$i -batch "$tmp/n"
		done
		;;
	steps)
		floor_batch | while read -r line; do ip $line; done
		router_batch | while read -r line; do ip -n $P.r $line; done
		for i in $(seq 0 $((N - 1))); do
			node_batch "$i" | while read -r line; do ip -n $P.n$i $line; done
		done
		;;
	esac
}

down() {
	ip netns list | awk -v p="$P." 'index($1, p) == 1 { print "netns del " $1 }' >"$tmp/d"
	if [ "$KIND" = steps ]; then
		while read -r line; do ip $line; done <"$tmp/d"
	else
		ip -batch "$tmp/d"
	fi
}

t0=$(now_ms)
"$MODE"
t1=$(now_ms)
awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f\n", a - b }'
