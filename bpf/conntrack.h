/* Connection tracking for stateful security groups. One entry per flow and
 * ENI, keyed from the ENI's side (struct dp_ct_key), so the reply finds the
 * entry its request created. TCP lives in ct_tcp, everything else in
 * ct_other, both LRU so a flood evicts old flows instead of failing. Idle
 * timeouts are enforced here, on lookup. */
#ifndef VPCSIM_BPF_CONNTRACK_H
#define VPCSIM_BPF_CONNTRACK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

#define NSEC_PER_SEC 1000000000ULL

/* The flow key as seen from the ENI: local = its end. */
static __always_inline void ct_key_build(struct dp_ct_key *key, __u32 ifindex,
					 const struct dp_pkt *pkt, __u8 dir)
{
	key->ifindex = ifindex;
	key->proto = pkt->proto;
	key->pad[0] = key->pad[1] = key->pad[2] = 0;
	if (dir == DP_DIR_EGRESS) {
		key->local_ip = pkt->src;
		key->remote_ip = pkt->dst;
		key->local_port = pkt->sport;
		key->remote_port = pkt->dport;
	} else {
		key->local_ip = pkt->dst;
		key->remote_ip = pkt->src;
		key->local_port = pkt->dport;
		key->remote_port = pkt->sport;
	}
}

/* The flow an ICMP error is about, keyed from the ENI: leaving the ENI
 * (dir EGRESS) the error answers a packet the ENI received (quoted source
 * = remote); entering it, a packet the ENI sent (quoted source = local).
 * Returns 0 when the packet is not an ICMP error with a usable quote. */
static __always_inline int ct_related_key_build(struct dp_ct_key *key,
						__u32 ifindex,
						const struct dp_pkt *pkt,
						__u8 dir)
{
	if (!pkt->inner_proto)
		return 0;
	key->ifindex = ifindex;
	key->proto = pkt->inner_proto;
	key->pad[0] = key->pad[1] = key->pad[2] = 0;
	if (dir == DP_DIR_EGRESS) {
		key->local_ip = pkt->inner_dst;
		key->remote_ip = pkt->inner_src;
		key->local_port = pkt->inner_dport;
		key->remote_port = pkt->inner_sport;
	} else {
		key->local_ip = pkt->inner_src;
		key->remote_ip = pkt->inner_dst;
		key->local_port = pkt->inner_sport;
		key->remote_port = pkt->inner_dport;
	}
	return 1;
}

static __always_inline __u64 ct_timeout_ns(__u8 proto, __u32 flags)
{
	if (proto == IPPROTO_TCP)
		return DP_CT_TIMEOUT_TCP_S * NSEC_PER_SEC;
	if (proto == IPPROTO_UDP)
		return (flags & DP_CT_F_SEEN_REPLY ? DP_CT_TIMEOUT_UDP_STREAM_S
						   : DP_CT_TIMEOUT_UDP_S) *
		       NSEC_PER_SEC;
	return DP_CT_TIMEOUT_OTHER_S * NSEC_PER_SEC;
}

/* Returns the live entry for the flow, or NULL when there is none. An
 * entry idle longer than its timeout is deleted and NULL returned. */
static __always_inline struct dp_ct_val *ct_lookup(const struct dp_ct_key *key,
						   __u64 now)
{
	struct dp_ct_val *v;
	void *map = key->proto == IPPROTO_TCP ? (void *)&ct_tcp
					      : (void *)&ct_other;

	v = bpf_map_lookup_elem(map, key);
	if (!v)
		return NULL;
	if (now - v->last_seen_ns > ct_timeout_ns(key->proto, v->flags)) {
		bpf_map_delete_elem(map, key);
		return NULL;
	}
	return v;
}

/* Whether pkt is an ICMP error about a live tracked flow of this ENI: it
 * then passes the groups as that flow's replies do (as RST does for TCP),
 * so a closed UDP port refuses instead of timing out. NACLs still apply. */
static __always_inline int ct_related(__u32 ifindex, const struct dp_pkt *pkt,
				      __u8 dir, __u64 now)
{
	struct dp_ct_key key;

	if (!ct_related_key_build(&key, ifindex, pkt, dir))
		return 0;
	return ct_lookup(&key, now) != NULL;
}

/* Counts an accepted packet on a live entry (flow-log ACCEPT counters) and
 * marks the flow as replied when it goes against its first direction. */
static __always_inline void ct_account(struct dp_ct_val *v, __u8 dir,
				       __u32 len, __u64 now)
{
	int orig_in = (v->flags & DP_CT_F_ORIG_INGRESS) != 0;

	v->last_seen_ns = now;
	if (dir == DP_DIR_EGRESS) {
		__sync_fetch_and_add(&v->packets_out, 1);
		__sync_fetch_and_add(&v->bytes_out, len);
	} else {
		__sync_fetch_and_add(&v->packets_in, 1);
		__sync_fetch_and_add(&v->bytes_in, len);
	}
	/* A racing writer can only set the same bit: no atomic needed. */
	if (orig_in != (dir == DP_DIR_INGRESS) &&
	    !(v->flags & DP_CT_F_SEEN_REPLY))
		v->flags |= DP_CT_F_SEEN_REPLY;
}

/* Creates the entry of a new flow admitted in `dir`, counting its first
 * packet. Failure (map full) is ignored: LRU maps evict instead. */
static __always_inline void ct_create(const struct dp_ct_key *key, __u8 dir,
				      __u32 len, __u64 now)
{
	struct dp_ct_val v = {
		.created_ns = now,
		.last_seen_ns = now,
		.flags = dir == DP_DIR_INGRESS ? DP_CT_F_ORIG_INGRESS : 0,
	};
	void *map = key->proto == IPPROTO_TCP ? (void *)&ct_tcp
					      : (void *)&ct_other;

	if (dir == DP_DIR_EGRESS) {
		v.packets_out = 1;
		v.bytes_out = len;
	} else {
		v.packets_in = 1;
		v.bytes_in = len;
	}
	bpf_map_update_elem(map, key, &v, BPF_ANY);
}

#endif
