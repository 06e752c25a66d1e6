/* Security groups: allow-only rule sets compiled to bit masks (see
 * include/vpcsim/dataplane.h and src/policy.c). Per packet, each of the
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

/* Mask of the rules of (group, dir) whose protocol and port range admit
 * (proto, port): the exact-protocol trie hit OR the proto-"all" hit. */
static __always_inline __u64 sg_port_mask(__u16 group, __u8 dir, __u8 proto,
					  __be16 port)
{
	struct dp_port_key key = {
		.prefixlen = 48, .id = group, .dir = dir,
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
 * remote's groups) and the packet's protocol and port. Adds the world
 * (0.0.0.0/0) rules of the group to *world. */
static __always_inline __u64 sg_group_match(__u16 group, __u8 dir,
					    __be32 remote,
					    const struct dp_member *rm,
					    const struct dp_pkt *pkt,
					    __u64 *world)
{
	struct dp_sg_cidr_key ckey = {
		.prefixlen = 64, .group = group, .dir = dir, .ip = remote,
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
				.group = group, .dir = dir,
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
	return addr & sg_port_mask(group, dir, pkt->proto, pkt->rule_port);
}

/* Evaluates the ENI's groups in `dir` against the remote end `remote`
 * (destination when leaving, source when entering). Returns 1 when some
 * rule of some group allows the packet, 0 otherwise (no rule: deny).
 * *track is set to 0 when the flow must stay untracked (admitted only by
 * 0.0.0.0/0 TCP/UDP rules while the other direction is open to all),
 * 1 otherwise. */
static __always_inline int sg_allows(const struct dp_eni *eni, __u8 dir,
				     const struct dp_pkt *pkt, __be32 remote,
				     int *track)
{
	const struct dp_member *rm = bpf_map_lookup_elem(&members, &remote);
	__u64 matched = 0, tracked = 0;
	__u16 open_other;
	int i;

	for (i = 0; i < DP_MAX_SGS; i++) {
		__u64 m, world;

		if (i >= eni->n_sgs)
			break;
		m = sg_group_match(eni->sg_ids[i], dir, remote, rm, pkt, &world);
		matched |= m;
		tracked |= m & ~world;
	}
	open_other = dir == DP_DIR_INGRESS ? DP_ENI_F_EGRESS_OPEN
					   : DP_ENI_F_INGRESS_OPEN;
	*track = 1;
	if (matched && !tracked && (eni->flags & open_other) &&
	    (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP))
		*track = 0;
	return matched != 0;
}

#endif
