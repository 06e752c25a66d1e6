# Data-plane helpers for integration tests; source after lib.sh.

# drop_count VPC REASON: packets the topology $T's data plane of VPC has
# dropped for REASON (enum dp_drop_reason in include/vpcsim/dataplane.h),
# summed over CPUs; 0 when the map cannot be read.
drop_count() {
	bpftool -j map lookup pinned "/sys/fs/bpf/vpcsim/$T/$1/drop_counters" key "$2" 0 0 0 2>/dev/null |
		python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print(0); sys.exit()
print(sum(int.from_bytes(bytes(int(b, 16) for b in v["value"][:8]), "little")
          for v in d["values"]))'
}

DROP_SG_INGRESS=1
DROP_SG_EGRESS=2
DROP_NACL_INBOUND=3
DROP_NACL_OUTBOUND=4
DROP_SPOOFED_SOURCE=5
DROP_PRIVATE_ADDRESS_FROM_OUTSIDE=7
DROP_FUNCTION_INBOUND=12

# expect_drop VPC REASON-NAME FROM TO PORT [probe args]: the probe times
# out, and the drop counter of REASON-NAME (SG_INGRESS, NACL_OUTBOUND, ...)
# grew: the packet was dropped by the expected component.
expect_drop() {
	local vpc=$1 name=$2 from=$3 to=$4 port=$5 reason before
	shift 5
	reason=$(eval echo "\$DROP_$name")
	before=$(drop_count "$vpc" "$reason")
	expect_probe "$from" "$to" "$port" timeout "$@"
	check "  ... dropped as $name" test "$(drop_count "$vpc" "$reason")" -gt "$before"
}
