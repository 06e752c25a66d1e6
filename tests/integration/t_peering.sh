#!/bin/bash
# Peering is not transitive: a-b and b-c peered, a cannot reach c.
. "$(dirname "$0")/lib.sh"
plan 7
T=$(unique_name)
topo_copy "$ROOT/examples/peering.json" "$T"

check "up $T" "$VPCSIM" up "$F"
expect_probe host-a host-b 22 open
expect_probe host-b host-a 22 open
expect_probe host-b host-c 22 open
expect_probe host-a host-c 22 timeout
expect_probe host-c host-a 22 timeout
check "down $T" "$VPCSIM" down "$T"
