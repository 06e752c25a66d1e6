/* IPv4 fragments. Rules need ports, which only the first fragment of a
 * datagram carries: the first fragment is judged like any packet and, when
 * it passes, remembered (frags); the later fragments of the same datagram
 * (same ENI, direction, addresses, protocol and IP id) follow it. A NAT
 * gateway forwards UDP fragments and drops TCP and ICMP ones, as AWS's
 * does. */
#ifndef VPCSIM_BPF_FRAG_H
#define VPCSIM_BPF_FRAG_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

static __always_inline void frag_key_build(struct dp_frag_key *k, __u32 ifindex,
					   const struct dp_pkt *pkt, __u8 dir)
{
	k->ifindex = ifindex;
	k->src = pkt->src;
	k->dst = pkt->dst;
	k->id = pkt->ip_id;
	k->proto = pkt->proto;
	k->dir = dir;
}

/* A fragment the ENI never passes: any fragment of TCP or ICMP at a NAT
 * gateway (an ENI without security groups that forwards for others). */
static __always_inline int frag_refused(const struct dp_eni *eni,
					const struct dp_pkt *pkt)
{
	return pkt->frag && (eni->flags & DP_ENI_F_SRC_DST_CHECK_EXEMPT) &&
	       pkt->proto != IPPROTO_UDP;
}

/* Whether a later fragment follows a first fragment that passed here
 * within DP_FRAG_TIMEOUT_NS. */
static __always_inline int frag_follows(__u32 ifindex, const struct dp_pkt *pkt,
					__u8 dir)
{
	struct dp_frag_key k;
	__u64 *t, now = bpf_ktime_get_ns();

	frag_key_build(&k, ifindex, pkt, dir);
	t = bpf_map_lookup_elem(&frags, &k);
	return t && now - *t < DP_FRAG_TIMEOUT_NS;
}

/* A first fragment passed: let the rest of its datagram follow. */
static __always_inline void frag_remember(__u32 ifindex, const struct dp_pkt *pkt,
					  __u8 dir)
{
	struct dp_frag_key k;
	__u64 now;

	if (pkt->frag != DP_FRAG_FIRST)
		return;
	now = bpf_ktime_get_ns();
	frag_key_build(&k, ifindex, pkt, dir);
	bpf_map_update_elem(&frags, &k, &now, BPF_ANY);
}

#endif
