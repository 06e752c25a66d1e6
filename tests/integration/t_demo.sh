#!/bin/bash
# examples/demo.json on real namespaces: routing semantics by probes.
. "$(dirname "$0")/lib.sh"
plan 33
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"

check "up $T" "$VPCSIM" up "$F"
check "status lists the topology" "$VPCSIM" status "$T"
check "status --json has ENI ids of 17 hex digits" \
	bash -c "'$VPCSIM' status '$T' --json | grep -Eq '\"id\":[[:space:]]*\"eni-[0-9a-f]{17}\"'"
check "up again is refused while up" bash -c "! '$VPCSIM' up '$F'"
# Functions get no environment at up; probes from one make it (cold).
check "no execution environment at up" bash -c "! ip netns list | grep -qF 'vpcsim-$T.env.'"
check "reader and edge share no ENI (other subnets): two hyperplane ENIs" \
	bash -c "[ \"\$('$VPCSIM' status '$T' | grep -c ' hyperplane reader\$\| hyperplane edge\$')\" = 2 ]"

# Same VPC, across subnets and within one, as the groups allow; a port the
# group admits but nothing listens on refuses; one it does not times out.
expect_probe reader db 5432 open
expect_probe reader db 5433 timeout
expect_probe reader db "" timeout --proto icmp
expect_probe edge web 80 open
expect_probe edge web 81 refused
# The Lambda service VPC reaches the internet, never a private address.
expect_probe default-fn api 443 open
expect_probe default-fn api 53 open --proto udp
expect_probe default-fn api 54 refused --proto udp
expect_probe default-fn db 5432 timeout
expect_probe default-fn 10.0.1.10 5432 timeout
# Internet <-> public resource through its Elastic IP only.
expect_probe api web 80 open
expect_probe web api 443 open
expect_probe api db 5432 timeout
# Private subnet: internet through the NAT gateway; a VPC function in a
# public subnet has no public address, so no internet.
expect_probe reader api 443 open
expect_probe edge api 443 timeout
# Peering works only between the peered pair, and only where routed.
expect_probe reader cache 6379 open
expect_probe cache db 5432 timeout
expect_probe web cache 6379 timeout
expect_probe reader legacy 22 timeout
expect_probe cache legacy 22 timeout
expect_probe legacy db 5432 timeout

# Split-horizon names.
check "hosts file: db is private inside the VPC" \
	bash -c "'$VPCSIM' exec -t '$T' reader -- cat /etc/hosts | grep -Eq '^10\.0\.1\.10\s+db$'"
check "hosts file: web is public from the internet" \
	bash -c "'$VPCSIM' exec -t '$T' api -- cat /etc/hosts | grep -Eq '^198\.51\.100\.[0-9]+\s+web$'"
check "probes made one idle environment per function" \
	bash -c "'$VPCSIM' status '$T' --json | python3 -c 'import json,sys; e=json.load(sys.stdin)[\"environments\"]; assert sorted(x[\"id\"] for x in e) == [\"default-fn-1\", \"edge-1\", \"reader-1\"] and not any(x[\"busy\"] for x in e), e'"
check "exec returns the command's status" bash -c "'$VPCSIM' exec -t '$T' db -- sh -c 'exit 7'; [ \$? -eq 7 ]"

check "down $T" "$VPCSIM" down "$T"
check "down again succeeds" "$VPCSIM" down "$T"
