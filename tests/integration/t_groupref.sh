#!/bin/bash
# A group reference matches the group's members only where they are
# (issue 9.4): hub is peered with x and y, whose CIDRs overlap each other;
# db admits x's group "app" on 5432. y's "evil" has app's address: it is
# refused (it arrives over the other peering).
#
# The issue's second case, a VPC CIDR that overlaps an internet host (so an
# outside packet carries a member's address), can no longer be built:
# `validate` refuses such a CIDR (issue 7, InvalidVpc.Range), checked here
# on the full file; the data plane still keys members by where they are
# (tests/kernel/test_dataplane.c, test_members_by_origin, crafts that
# packet).
. "$(dirname "$0")/lib.sh"
plan 5
. "$(dirname "$0")/dp.sh"
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/groupref.json" "$T"

# The same file with a VPC whose CIDR holds an internet host's address.
python3 - "$F" "$TMP/ovl.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["internet"] = {"hosts": [{"name": "h", "ip": "203.0.113.177"}]}
t["vpcs"].append({"name": "ovl", "cidr": "203.0.113.0/24", "subnets": [
    {"name": "p", "cidr": "203.0.113.0/25"}]})
json.dump(t, open(sys.argv[2], "w"))
PY
"$VPCSIM" validate "$TMP/ovl.json" >"$TMP/ovl" 2>&1
check "a VPC CIDR overlapping an internet host is refused (vpcs[3].cidr InvalidVpc.Range)" \
	grep -q "vpcs\[3\]\.cidr: InvalidVpc.Range" "$TMP/ovl"
check "up $T" "$VPCSIM" up "$F"
expect_probe app db1 5432 open
expect_drop hub SG_INGRESS evil db2 5432
