#!/bin/bash
# A group reference matches the group's members only where they are
# (issue 9.4): hub is peered with x and y, whose CIDRs overlap each other;
# db admits x's group "app" on 5432. y's "evil" has app's address: it is
# refused (it arrives over the other peering). An internet host whose
# address equals a member of group g of VPC ovl (whose CIDR overlaps the
# internet) is refused by pubdb, which admits g.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/groupref.json" "$T"

check "up $T" "$VPCSIM" up "$F"
expect_probe app db1 5432 open
expect_drop hub SG_INGRESS evil db2 5432
expect_probe m pubdb 5432 open
expect_probe h pubdb 5432 timeout
# pubdb's own ENI refused it (m's ENI, which gets pubdb's answer, refuses
# that too, so the VPC's counter alone would not tell).
PUBDB_ENI=$("$VPCSIM" status "$T" --json | python3 -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin)["enis"] if e["attached_to"] == "pubdb"][0])')
"$VPCSIM" flows -t "$T" >"$TMP/flows" 2>&1
check "flows: REJECT on pubdb's ENI for h -> 5432" \
	grep -Eq " $PUBDB_ENI 203\.0\.113\.177 203\.0\.113\.10 [0-9]+ 5432 6 .* REJECT OK\$" "$TMP/flows"
