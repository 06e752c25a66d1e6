/* Connection tracking for stateful security groups. One entry per flow and
 * ENI, keyed from the ENI's side (struct dp_ct_key), so the reply finds the
 * entry its request created. Each ENI has its own table (ct_enis, sized by
 * its allowance): a full table drops new flows instead of evicting, so no
 * ENI can push out another's flows. Idle timeouts are enforced here, on
 * lookup, and by a sweep of a full table; TCP entries follow SYN, FIN and
 * RST (timeouts in dataplane.h). */
#ifndef VPCSIM_BPF_CONNTRACK_H
#define VPCSIM_BPF_CONNTRACK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

#define NSEC_PER_SEC 1000000000ULL
#define DP_E2BIG 7     /* <errno.h> does not build for bpf */

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

/* The ENI's timeouts in seconds (its settings, or the defaults). */
struct ct_timeouts {
	__u64 tcp_est;
	__u64 udp;
	__u64 udp_stream;
};

static __always_inline void ct_timeouts_of(const struct dp_eni *eni,
					   struct ct_timeouts *t)
{
	t->tcp_est = eni->ct_tcp_established_s ? eni->ct_tcp_established_s
					       : DP_CT_TIMEOUT_TCP_S;
	t->udp = eni->ct_udp_s ? eni->ct_udp_s : DP_CT_TIMEOUT_UDP_S;
	t->udp_stream = eni->ct_udp_stream_s ? eni->ct_udp_stream_s
					     : DP_CT_TIMEOUT_UDP_STREAM_S;
}

#define DP_CT_F_TCP_FIN_BOTH (DP_CT_F_TCP_FIN_OUT | DP_CT_F_TCP_FIN_IN)

/* A TCP entry whose connection is over: reset, or closed both ways. */
static __always_inline int ct_tcp_closed(__u32 flags)
{
	return (flags & DP_CT_F_TCP_RST) ||
	       (flags & DP_CT_F_TCP_FIN_BOTH) == DP_CT_F_TCP_FIN_BOTH;
}

static __always_inline __u64 ct_tcp_timeout_s(const struct ct_timeouts *t,
					      __u32 flags)
{
	if (flags & DP_CT_F_TCP_RST)
		return DP_CT_TIMEOUT_TCP_CLOSE_S;
	if ((flags & DP_CT_F_TCP_FIN_BOTH) == DP_CT_F_TCP_FIN_BOTH)
		return DP_CT_TIMEOUT_TCP_TIME_WAIT_S;
	if (flags & DP_CT_F_TCP_FIN_BOTH)
		return DP_CT_TIMEOUT_TCP_FIN_S;
	if ((flags & DP_CT_F_TCP_SYN) && !(flags & DP_CT_F_SEEN_REPLY))
		return DP_CT_TIMEOUT_TCP_SYN_SENT_S;
	return t->tcp_est;
}

static __always_inline __u64 ct_timeout_ns(const struct ct_timeouts *t,
					   __u8 proto, __u32 flags)
{
	__u64 s = DP_CT_TIMEOUT_OTHER_S;

	if (proto == IPPROTO_TCP)
		s = ct_tcp_timeout_s(t, flags);
	else if (proto == IPPROTO_UDP)
		s = flags & DP_CT_F_SEEN_REPLY ? t->udp_stream : t->udp;
	return s * NSEC_PER_SEC;
}

/* Returns the live entry for the flow, or NULL when there is none. An
 * entry idle longer than its timeout is deleted and NULL returned; so is
 * a closed TCP entry met by a new SYN (`tcp_flags` of the packet, 0 for
 * lookups on behalf of another packet): the port is reused for a new
 * connection, which the rules judge again. */
static __always_inline struct dp_ct_val *ct_lookup(const struct dp_eni *eni,
						   const struct dp_ct_key *key,
						   __u8 tcp_flags, __u64 now)
{
	struct ct_timeouts t;
	struct dp_ct_val *v;
	__u32 ifindex = key->ifindex;
	void *table = bpf_map_lookup_elem(&ct_enis, &ifindex);

	if (!table)
		return NULL;
	v = bpf_map_lookup_elem(table, key);
	if (!v)
		return NULL;
	ct_timeouts_of(eni, &t);
	if (now - v->last_seen_ns > ct_timeout_ns(&t, key->proto, v->flags) ||
	    (key->proto == IPPROTO_TCP &&
	     (tcp_flags & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_SYN &&
	     ct_tcp_closed(v->flags))) {
		bpf_map_delete_elem(table, key);
		return NULL;
	}
	return v;
}

/* Whether pkt is an ICMP error about a live tracked flow of this ENI: it
 * then passes the groups as that flow's replies do (as RST does for TCP),
 * so a closed UDP port refuses instead of timing out. NACLs still apply. */
__noinline int ct_related(const struct dp_eni *eni, __u32 ifindex,
			  const struct dp_pkt *pkt, __u32 dir, __u64 now)
{
	struct dp_ct_key key;

	if (!eni || !pkt)
		return 0;

	if (!ct_related_key_build(&key, ifindex, pkt, dir))
		return 0;
	return ct_lookup(eni, &key, 0, now) != NULL;
}

static __always_inline __u32 ct_tcp_flags_seen(__u8 tcp_flags, __u8 dir)
{
	__u32 f = 0;

	if (tcp_flags & DP_TCP_RST)
		f |= DP_CT_F_TCP_RST;
	if (tcp_flags & DP_TCP_FIN)
		f |= dir == DP_DIR_EGRESS ? DP_CT_F_TCP_FIN_OUT
					  : DP_CT_F_TCP_FIN_IN;
	return f;
}

/* Counts an accepted packet on a live entry (flow-log ACCEPT counters),
 * marks the flow as replied when it goes against its first direction and
 * records FIN and RST. */
static __always_inline void ct_account(struct dp_ct_val *v,
				       const struct dp_pkt *pkt, __u8 dir,
				       __u64 now)
{
	int orig_in = (v->flags & DP_CT_F_ORIG_INGRESS) != 0;
	__u32 add = ct_tcp_flags_seen(pkt->tcp_flags, dir);

	v->last_seen_ns = now;
	if (dir == DP_DIR_EGRESS) {
		__sync_fetch_and_add(&v->packets_out, 1);
		__sync_fetch_and_add(&v->bytes_out, pkt->len);
	} else {
		__sync_fetch_and_add(&v->packets_in, 1);
		__sync_fetch_and_add(&v->bytes_in, pkt->len);
	}
	if (orig_in != (dir == DP_DIR_INGRESS))
		add |= DP_CT_F_SEEN_REPLY;
	/* Racing writers only ever set bits: a lost one comes back with the
	 * next packet; no atomic needed. */
	if ((v->flags | add) != v->flags)
		v->flags |= add;
}

struct ct_gc_ctx {
	__u64 now;
	struct ct_timeouts t;
};

static long ct_gc_one(void *table, struct dp_ct_key *key, struct dp_ct_val *v,
		      struct ct_gc_ctx *c)
{
	if (c->now - v->last_seen_ns > ct_timeout_ns(&c->t, key->proto, v->flags))
		bpf_map_delete_elem(table, key);
	return 0;
}

/* Sweeps the expired entries of a full table, at most once per
 * DP_CT_GC_INTERVAL_NS per ENI. Returns 1 when it swept. */
static __always_inline int ct_gc(const struct dp_eni *eni, void *table,
				 __u32 ifindex, __u64 now)
{
	struct ct_gc_ctx c = { .now = now };
	__u64 *last = bpf_map_lookup_elem(&ct_gc_last, &ifindex);

	if (last && now - *last < DP_CT_GC_INTERVAL_NS)
		return 0;
	if (last)
		*last = now;
	else
		bpf_map_update_elem(&ct_gc_last, &ifindex, &now, BPF_ANY);
	ct_timeouts_of(eni, &c.t);
	bpf_for_each_map_elem(table, ct_gc_one, &c, 0);
	return 1;
}

/* Creates the entry of a new flow admitted in `dir`, counting its first
 * packet. Returns 0, or -1 when the ENI's table is full of live flows
 * (its allowance is exhausted) or it has none: the caller drops the
 * packet as DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED. */
static __always_inline int ct_create(const struct dp_eni *eni,
				     const struct dp_ct_key *key,
				     const struct dp_pkt *pkt, __u8 dir,
				     __u64 now)
{
	struct dp_ct_val v = {
		.created_ns = now,
		.last_seen_ns = now,
		.flags = (dir == DP_DIR_INGRESS ? DP_CT_F_ORIG_INGRESS : 0) |
			 ct_tcp_flags_seen(pkt->tcp_flags, dir),
	};
	__u32 ifindex = key->ifindex;
	void *table = bpf_map_lookup_elem(&ct_enis, &ifindex);
	long rc;

	if (!table)
		return -1;
	if (key->proto == IPPROTO_TCP &&
	    (pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_SYN)
		v.flags |= DP_CT_F_TCP_SYN;
	if (dir == DP_DIR_EGRESS) {
		v.packets_out = 1;
		v.bytes_out = pkt->len;
	} else {
		v.packets_in = 1;
		v.bytes_in = pkt->len;
	}
	rc = bpf_map_update_elem(table, key, &v, BPF_ANY);
	if (rc == -DP_E2BIG && ct_gc(eni, table, ifindex, now))
		rc = bpf_map_update_elem(table, key, &v, BPF_ANY);
	if (rc)
		return -1;
	if (!bpf_map_lookup_elem(&ct_used, &ifindex)) {
		__u8 one = 1;

		bpf_map_update_elem(&ct_used, &ifindex, &one, BPF_ANY);
	}
	return 0;
}

#endif
