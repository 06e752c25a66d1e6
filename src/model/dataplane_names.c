/* Names and explanations of the data plane's drop reasons, for counters,
 * drop events and flow logs shown to a user. */
#include <stddef.h>

#include "vpcsim/dataplane.h"

static const struct {
	const char *name;
	const char *explain;
} reasons[DP_DROP__MAX] = {
	[DP_DROP_NONE] = { "NONE", "not dropped" },
	[DP_DROP_SG_INGRESS] = { "SG_INGRESS",
		"no inbound rule of the ENI's security groups allows this new flow" },
	[DP_DROP_SG_EGRESS] = { "SG_EGRESS",
		"no outbound rule of the ENI's security groups allows this new flow" },
	[DP_DROP_NACL_INBOUND] = { "NACL_INBOUND",
		"the subnet's network ACL denies it inbound (a DENY rule matched first, or no rule: implicit deny)" },
	[DP_DROP_NACL_OUTBOUND] = { "NACL_OUTBOUND",
		"the subnet's network ACL denies it outbound (a DENY rule matched first, or no rule: implicit deny)" },
	[DP_DROP_SPOOFED_SOURCE] = { "SPOOFED_SOURCE",
		"source/destination check: the ENI sent a packet whose source is not its address" },
	[DP_DROP_SPOOFED_DESTINATION] = { "SPOOFED_DESTINATION",
		"source/destination check: a packet for another address was routed to the ENI" },
	[DP_DROP_PRIVATE_ADDRESS_FROM_OUTSIDE] = { "PRIVATE_ADDRESS_FROM_OUTSIDE",
		"a new connection from outside the VPC to an ENI without a public address" },
	[DP_DROP_NO_ENI] = { "NO_ENI",
		"the interface is not a known ENI (fail closed)" },
	[DP_DROP_NOT_IPV4] = { "NOT_IPV4",
		"neither IPv4 nor ARP (vpcsim simulates IPv4 only)" },
	[DP_DROP_MALFORMED] = { "MALFORMED",
		"truncated or inconsistent Ethernet/IPv4/L4 header" },
	[DP_DROP_FRAGMENT] = { "FRAGMENT",
		"an IPv4 fragment that may not pass: a later fragment whose first fragment did not pass here, or a TCP/ICMP fragment at a NAT gateway" },
	[DP_DROP_FUNCTION_INBOUND] = { "FUNCTION_INBOUND",
		"a new connection into a Lambda function's ENI: functions only start connections" },
	[DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED] = { "CONNTRACK_ALLOWANCE_EXCEEDED",
		"the ENI's connection tracking allowance is used up by live flows (AWS metric conntrack_allowance_exceeded): new flows are dropped, tracked ones go on" },
};

const char *dp_drop_reason_name(unsigned int reason)
{
	return reason < DP_DROP__MAX && reasons[reason].name ?
		reasons[reason].name : "UNKNOWN";
}

const char *dp_drop_reason_explain(unsigned int reason)
{
	return reason < DP_DROP__MAX && reasons[reason].explain ?
		reasons[reason].explain : "";
}
