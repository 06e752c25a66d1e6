/* Network ACLs: numbered ALLOW/DENY rules, first match wins, implicit deny.
 * Rule i (by rank of rule number) is bit i, so the first matching rule is
 * the lowest set bit of the match mask. */
#ifndef VPCSIM_BPF_NACL_H
#define VPCSIM_BPF_NACL_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

/* Is `ip` outside the ENI's subnet? NACLs apply only then. */
static __always_inline int nacl_crosses_subnet(const struct dp_eni *eni,
					       __be32 ip)
{
	return (ip & eni->subnet_mask) != eni->subnet;
}

/* The remote end an inbound NACL judges a packet by: its source, except
 * for an ICMP error that the VPC router itself sent (a source inside the
 * subnet: the router's address) about a packet the ENI sent outside the
 * subnet, such as "fragmentation needed" for the internet gateway's 1500
 * bytes. In AWS that error comes from beyond the subnet and the NACL must
 * allow it (ICMP 3:4), so it is judged as coming from the quoted
 * destination. */
static __always_inline __be32 nacl_inbound_remote(const struct dp_eni *eni,
						  const struct dp_pkt *pkt)
{
	if (pkt->inner_proto && !nacl_crosses_subnet(eni, pkt->src) &&
	    pkt->inner_src == eni->ip && nacl_crosses_subnet(eni, pkt->inner_dst))
		return pkt->inner_dst;
	return pkt->src;
}

/* Returns 1 when the first rule of NACL `nacl_id` in `dir` matching the
 * remote end and the packet is an ALLOW, 0 when it is a DENY or no rule
 * matches (implicit deny) or the NACL is unknown. */
__noinline int nacl_allows(__u32 nacl_id, __u32 dir, __be32 remote, const struct dp_pkt *pkt)
{
	__u8 gen = policy_gen_get();

	if (!pkt)
		return 0;
	struct dp_nacl_cidr_key ckey = {
		.prefixlen = 64, .nacl = nacl_id, .dir = DP_KEY_DIR(dir, gen),
		.ip = remote,
	};
	struct dp_port_key pkey = {
		.prefixlen = 48, .id = nacl_id, .dir = DP_KEY_DIR(dir, gen),
		.proto = pkt->proto, .port = pkt->rule_port,
	};
	__u32 idx = DP_NACL_INDEX(nacl_id, gen);
	struct dp_nacl *acl;
	__u64 addr, port = 0, match, first, *v;

	v = bpf_map_lookup_elem(&nacl_cidr, &ckey);
	if (!v)
		return 0;
	addr = *v;
	v = bpf_map_lookup_elem(&nacl_port, &pkey);
	if (v)
		port |= *v;
	pkey.proto = DP_PROTO_ALL;
	pkey.port = 0;
	v = bpf_map_lookup_elem(&nacl_port, &pkey);
	if (v)
		port |= *v;
	match = addr & port;
	if (!match)
		return 0;
	first = match & (~match + 1);
	acl = bpf_map_lookup_elem(&nacls, &idx);
	if (!acl)
		return 0;
	return (acl->allow_mask[dir & 1] & first) != 0;
}

#endif
