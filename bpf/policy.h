/* Security groups: allow-only rule sets compiled to bit masks (see
 * include/vpcsim/dataplane.h and src/model/policy.c). Per packet, each of the
 * ENI's groups costs one LPM lookup for the remote address, one hash
 * lookup per group of the remote, and two LPM lookups for the port: the
 * cost does not grow with the number of rules or ENIs. */
#ifndef VPCSIM_BPF_POLICY_H
#define VPCSIM_BPF_POLICY_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

struct sg_verdict {
	__u64 matched;      /* OR over groups of matching rules (bits per group) */
	__u64 tracked;      /* the part of it that was not a 0.0.0.0/0 rule */
};

/* In this file `kdir` is the key's dir byte, DP_KEY_DIR(dir, generation).
 *
 * Mask of the rules of (group, kdir) whose protocol and port range admit
 * (proto, port): the exact-protocol trie hit OR the proto-"all" hit. */
static __always_inline __u64 sg_port_mask(__u16 group, __u8 kdir, __u8 proto,
					  __be16 port)
{
	struct dp_port_key key = {
		.prefixlen = 48, .id = group, .dir = kdir,
		.proto = proto, .port = port,
	};
	__u64 mask = 0, *v;

	v = bpf_map_lookup_elem(&sg_port, &key);
	if (v)
		mask |= *v;
	key.proto = DP_PROTO_ALL;
	key.port = 0;
	v = bpf_map_lookup_elem(&sg_port, &key);
	if (v)
		mask |= *v;
	return mask;
}

/* Rules of (group, dir) matching the remote end (by CIDR or by one of the
 * remote's groups) and (proto, port). *world gets the group's 0.0.0.0/0
 * rules of that direction. */
static __always_inline __u64 sg_group_match(__u16 group, __u8 kdir,
					    __be32 remote,
					    const struct dp_member *rm,
					    __u8 proto, __be16 port,
					    __u64 *world)
{
	struct dp_sg_cidr_key ckey = {
		.prefixlen = 64, .group = group, .dir = kdir, .ip = remote,
	};
	struct dp_sg_cidr_val *cv;
	__u64 addr = 0, *pv;
	int j;

	*world = 0;
	cv = bpf_map_lookup_elem(&sg_cidr, &ckey);
	if (cv) {
		addr = cv->mask;
		*world = cv->world_mask;
	}
	if (rm) {
		for (j = 0; j < DP_MAX_SGS; j++) {
			struct dp_sg_peer_key pkey = {
				.group = group, .dir = kdir,
			};

			if (j >= rm->n)
				break;
			pkey.peer_group = rm->groups[j];
			pv = bpf_map_lookup_elem(&sg_peer, &pkey);
			if (pv)
				addr |= *pv;
		}
	}
	if (!addr)
		return 0;
	return addr & sg_port_mask(group, kdir, proto, port);
}

/* OR over the ENI's groups of the rules of `dir` admitting (remote, proto,
 * port). *tracked gets the part that is not a 0.0.0.0/0 rule. */
static __always_inline __u64 sg_match(const struct dp_eni *eni, __u8 kdir,
				      __be32 remote, const struct dp_member *rm,
				      __u8 proto, __be16 port, __u64 *tracked)
{
	__u64 matched = 0, nonworld = 0;
	int i;

	for (i = 0; i < DP_MAX_SGS; i++) {
		__u64 m, world;

		if (i >= eni->n_sgs)
			break;
		m = sg_group_match(eni->sg_ids[i], kdir, remote, rm, proto, port,
				   &world);
		matched |= m;
		nonworld |= m & ~world;
	}
	*tracked = nonworld;
	return matched;
}

static __always_inline __u16 sg_open_flag(__u8 dir)
{
	return dir == DP_DIR_INGRESS ? DP_ENI_F_INGRESS_OPEN
				     : DP_ENI_F_EGRESS_OPEN;
}

/* Evaluates the ENI's groups in `dir` against the remote end `remote`
 * (destination when leaving, source when entering), whose group
 * memberships are those registered for `origin` (see dp_member_key). Returns 1 when some
 * rule of some group allows the packet, 0 otherwise (no rule: deny).
 * *track is set to 0 when the flow must stay untracked, 1 otherwise.
 * Untracked (TCP/UDP, admitted only by 0.0.0.0/0 rules):
 * - the other direction of the ENI is open (proto all to 0.0.0.0/0), or
 * - this direction is open and the packet, reversed, would be admitted by
 *   0.0.0.0/0 rules only of the other direction: it is the reply of an
 *   untracked flow, which must not become tracked now. */
static __always_inline int sg_allows(const struct dp_eni *eni, __u8 dir,
				     const struct dp_pkt *pkt, __be32 remote,
				     __u32 origin, int *track)
{
	struct dp_member_key mkey = { .origin = origin, .ip = remote };
	const struct dp_member *rm = bpf_map_lookup_elem(&members, &mkey);
	__u8 other = dir ^ 1, gen = policy_gen_get();
	__u64 matched, tracked;

	*track = 1;
	matched = sg_match(eni, DP_KEY_DIR(dir, gen), remote, rm, pkt->proto,
			   pkt->rule_port, &tracked);
	if (!matched)
		return 0;
	if (tracked ||
	    (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP))
		return 1;
	if (eni->flags & sg_open_flag(other)) {
		*track = 0;
	} else if (eni->flags & sg_open_flag(dir)) {
		/* reversed, the destination port is our source port */
		if (sg_match(eni, DP_KEY_DIR(other, gen), remote, rm,
			     pkt->proto, pkt->sport, &tracked) && !tracked)
			*track = 0;
	}
	return 1;
}

/* Where the source of a packet entering an ENI is, for group references:
 * this VPC when it came into the router from one of the VPC's ENIs, else
 * the link it came in by. */
static __always_inline __u32 origin_of_source(__u32 in_ifindex)
{
	return bpf_map_lookup_elem(&enis, &in_ifindex) ? DP_ORIGIN_VPC
						      : in_ifindex;
}

/* Where the destination of a packet leaving an ENI is: this VPC for an
 * address of its CIDR, else the link the router's tables (rules by source
 * subnet included) would send it out by; DP_ORIGIN_NONE without a route. */
static __always_inline __u32 origin_of_destination(struct __sk_buff *skb,
						   const struct dp_pkt *pkt)
{
	struct bpf_fib_lookup fib = {};

	if ((pkt->dst & vpc_mask) == vpc_net)
		return DP_ORIGIN_VPC;
	fib.family = 2;         /* AF_INET */
	fib.l4_protocol = pkt->proto;
	fib.ipv4_src = pkt->src;
	fib.ipv4_dst = pkt->dst;
	fib.ifindex = skb->ifindex;   /* the ENI veth the packet came in by */
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return DP_ORIGIN_NONE;
	return fib.ifindex;
}

#endif

