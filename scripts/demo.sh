#!/bin/bash
# `make demo`: bring up examples/demo.json, show what was built, and probe
# the paths that show Lambda VPC behaviour. The topology stays up to be
# explored; `sudo build/vpcsim down demo` removes it.
set -u
cd "$(dirname "$0")/.."
V=build/vpcsim

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root: sudo make demo" >&2
	exit 3
fi
$V status demo >/dev/null 2>&1 && $V down demo
$V up examples/demo.json || exit 1
echo
probe() { # from to port what [args]
	local from=$1 to=$2 port=$3 what=$4
	shift 4
	printf '%-58s ' "$what"
	$V probe -t demo "$from" "$to" $port --timeout-ms 1000 --expect "${EXPECT:-open}" "$@" | sed 's/^[a-z]* //'
}
echo "Probes (real packets, from each node's own namespace):"
probe reader db 5432 "VPC function -> private database"
EXPECT=timeout probe default-fn db 5432 "default function -> private database (no path)"
probe default-fn api 443 "default function -> internet"
probe reader api 443 "VPC function in a private subnet -> internet (NAT gateway)"
EXPECT=timeout probe edge api 443 "VPC function in a public subnet -> internet (no public IP)"
probe api web 80 "internet -> public instance (Elastic IP)"
EXPECT=timeout probe api db 5432 "internet -> private database"
probe reader cache 6379 "VPC function -> peered VPC"
EXPECT=timeout probe reader legacy 22 "VPC function -> unpeered VPC"
EXPECT=timeout probe reader db 5433 "port the database's security group does not admit"
EXPECT=refused probe edge web 81 "port the group admits but nothing listens on"
echo
echo "The topology 'demo' stays up. Try:"
echo "  sudo build/vpcsim status demo"
echo "  sudo build/vpcsim exec -t demo reader -- cat /etc/hosts"
echo "  sudo build/vpcsim flows demo"
echo "  sudo build/vpcsim invoke -t demo reader --payload '{\"id\":7}' -- sh -c 'cat; echo; echo DB_HOST=\$DB_HOST'"
echo "  sudo build/vpcsim probe -t demo default-fn api 443"
echo "  sudo build/vpcsim sg authorize app/db --ingress '{\"proto\":\"icmp\",\"sg\":\"lambda\"}'"
echo "  sudo build/vpcsim down demo"
