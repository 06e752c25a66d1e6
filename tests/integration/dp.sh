# Data-plane helpers for integration tests; source after lib.sh.

# drop_count VPC REASON: packets the topology $T's data plane of VPC has
# dropped for REASON (a name: SG_INGRESS, NACL_OUTBOUND, ...), summed over
# CPUs, as `vpcsim status --json` reports it; fails on a name the data
# plane does not know (its "drop_reasons" list).
drop_count() {
	"$VPCSIM" status "$T" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
vpc, name = sys.argv[1], sys.argv[2]
assert name in [r["name"] for r in d["drop_reasons"]], "no drop reason " + name
print([v for v in d["vpcs"] if v["name"] == vpc][0]["drops"][name])' "$1" "$2"
}

# expect_drop VPC REASON-NAME FROM TO PORT [probe args]: the probe times
# out, and the drop counter of REASON-NAME (SG_INGRESS, NACL_OUTBOUND, ...)
# grew: the packet was dropped by the expected component.
expect_drop() {
	local vpc=$1 name=$2 from=$3 to=$4 port=$5 before
	shift 5
	before=$(drop_count "$vpc" "$name")
	expect_probe "$from" "$to" "$port" timeout "$@"
	check "  ... dropped as $name" test "$(drop_count "$vpc" "$name")" -gt "$before"
}
