/* Dropping a packet: count it per reason, remember rejected flows for flow
 * logs, and tell user space through the drop_events ring buffer. Drops are
 * silent (TC_ACT_SHOT): the sender never gets an ICMP error, as in AWS. */
#ifndef VPCSIM_BPF_DROP_H
#define VPCSIM_BPF_DROP_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"

/* A group or NACL refused the flow, or the ENI had no tracking room for
 * it: flow logs show it as REJECT (flow_reject keeps the reason). */
static __always_inline int drop_is_reject(__u32 reason)
{
	return reason == DP_DROP_SG_INGRESS || reason == DP_DROP_SG_EGRESS ||
	       reason == DP_DROP_NACL_INBOUND ||
	       reason == DP_DROP_NACL_OUTBOUND ||
	       reason == DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED;
}

static __always_inline void flow_reject_count(__u32 ifindex,
					      const struct dp_pkt *pkt,
					      __u8 dir, __u32 reason, __u64 now)
{
	struct dp_flow_key key = {
		.ifindex = ifindex,
		.proto = pkt->proto,
		.dir = dir,
		.src = pkt->src,
		.dst = pkt->dst,
		.sport = pkt->proto == IPPROTO_ICMP ? pkt->rule_port : pkt->sport,
		.dport = pkt->proto == IPPROTO_ICMP ? 0 : pkt->dport,
	};
	struct dp_flow_val *v, init = {
		.packets = 1,
		.bytes = pkt->len,
		.first_ns = now,
		.last_ns = now,
		.reason = reason,
	};

	v = bpf_map_lookup_elem(&flow_reject, &key);
	if (!v) {
		bpf_map_update_elem(&flow_reject, &key, &init, BPF_NOEXIST);
		return;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, pkt->len);
	v->last_ns = now;
	v->reason = reason;
}

/* Accounts the drop and always returns TC_ACT_SHOT. `pkt` holds what was
 * parsed so far (zero fields otherwise); `eni` is NULL for DP_DROP_NO_ENI.
 * A global function (not static, not inlined): the verifier checks it once,
 * on its own, instead of once at each of the programs' drop sites, which
 * cut the verification of dp_to_eni from 231 ms to 54 ms
 * (docs/BENCHMARKS.md). Its pointer arguments may be NULL to it. */
__noinline int drop_packet(struct __sk_buff *skb, const struct dp_pkt *pkt,
			   const struct dp_eni *eni, __u32 dir, __u32 reason)
{
	struct dp_counter *c;
	struct dp_drop_event *ev;
	__u64 now = bpf_ktime_get_ns();
	__u32 ifindex;

	if (!skb || !pkt)
		return TC_ACT_SHOT;
	ifindex = skb->ifindex;

	c = bpf_map_lookup_elem(&drop_counters, &reason);
	if (c) {
		c->packets++;   /* per-CPU slot: no atomics needed */
		c->bytes += skb->len;
	}
	if (drop_is_reject(reason))
		flow_reject_count(ifindex, pkt, dir, reason, now);

	ev = bpf_ringbuf_reserve(&drop_events, sizeof(*ev), 0);
	if (ev) {
		ev->ts_ns = now;
		ev->reason = reason;
		ev->ifindex = ifindex;
		ev->eni_id = eni ? eni->eni_id : 0;
		ev->src = pkt->src;
		ev->dst = pkt->dst;
		ev->sport = pkt->proto == IPPROTO_ICMP ? pkt->rule_port : pkt->sport;
		ev->dport = pkt->proto == IPPROTO_ICMP ? 0 : pkt->dport;
		ev->proto = pkt->proto;
		ev->dir = dir;
		ev->pad = 0;
		ev->vpc_id = vpc_id;
		bpf_ringbuf_submit(ev, 0);
	}
	return TC_ACT_SHOT;
}

#endif
