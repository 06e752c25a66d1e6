// SPDX-License-Identifier: GPL-2.0
/* The vpcsim data plane: security groups, network ACLs, source/destination
 * check, the private-address guard and flow-log counters, enforced on the
 * router-side veth of every ENI of one VPC.
 *
 *   dp_from_eni  tc ingress of the router-side veth = traffic LEAVING the
 *                ENI: source check, group egress rules, outbound NACL.
 *   dp_to_eni    tc egress of the router-side veth = traffic ENTERING the
 *                ENI: destination check, inbound NACL, guard, group
 *                ingress rules.
 *
 * Both return TC_ACT_OK or TC_ACT_SHOT and never modify the packet. The
 * walk of each is in docs/DATAPLANE.md. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "vpcsim/dataplane.h"
#include "maps.h"
#include "parse.h"
#include "drop.h"
#include "conntrack.h"
#include "frag.h"
#include "nacl.h"
#include "policy.h"

static __always_inline int is_dns(__be32 resolver, __be16 resolver_port,
				  const struct dp_pkt *pkt)
{
	return vpc_dns_ip &&
	       (resolver == vpc_dns_ip || resolver == bpf_htonl(DP_DNS_LINK_LOCAL)) &&
	       resolver_port == bpf_htons(53) &&
	       (pkt->proto == IPPROTO_UDP || pkt->proto == IPPROTO_TCP);
}

/* Whether one more packet from the ENI on `ifindex` to the resolver fits
 * its quota (DP_DNS_PPS_MAX in the current one-second window). One map
 * lookup, for packets to the resolver only. A full map admits (fail
 * open: the quota is AWS's, not a security boundary). */
static __always_inline int dns_quota_ok(__u32 ifindex, __u64 now)
{
	struct dp_dns_rate *r = bpf_map_lookup_elem(&dns_rate, &ifindex);
	struct dp_dns_rate fresh = { .window_start_ns = now, .packets = 1 };

	if (!r) {
		bpf_map_update_elem(&dns_rate, &ifindex, &fresh, BPF_ANY);
		return 1;
	}
	if (now - r->window_start_ns >= DP_DNS_WINDOW_NS) {
		r->window_start_ns = now;
		r->packets = 1;
		return 1;
	}
	if (r->packets >= DP_DNS_PPS_MAX)
		return 0;
	__sync_fetch_and_add(&r->packets, 1);
	return 1;
}

/* Returned by eni_open() when the program goes on with the packet. */
#define DP_GO_ON (-1)

/* The opening both programs share: the ENI's entry (*eni), the packet
 * parsed (ARP passes), the source/destination check on the address that
 * must be the ENI's own (the source leaving it, the destination reaching
 * it), fragments refused or following their first. Returns DP_GO_ON, or
 * the verdict the program returns at once. */
static __always_inline int eni_open(struct __sk_buff *skb, struct dp_pkt *pkt, __u8 dir,
				    const struct dp_eni **eni_out)
{
	__u32 ifindex = skb->ifindex;
	const struct dp_eni *eni = bpf_map_lookup_elem(&enis, &ifindex);
	int egress = dir == DP_DIR_EGRESS, rc;

	*eni_out = eni;
	if (!eni)
		return drop_packet(skb, pkt, NULL, dir, DP_DROP_NO_ENI);
	rc = parse_packet(skb, pkt);
	if (rc == DP_PARSE_ARP)
		return TC_ACT_OK;
	if (rc != DP_PARSE_IPV4)
		return drop_packet(skb, pkt, eni, dir, rc);
	if (!(eni->flags & DP_ENI_F_SRC_DST_CHECK_EXEMPT) &&
	    (egress ? pkt->src : pkt->dst) != eni->ip)
		return drop_packet(skb, pkt, eni, dir, egress ? DP_DROP_SPOOFED_SOURCE
							      : DP_DROP_SPOOFED_DESTINATION);
	if (frag_refused(eni, pkt))
		return drop_packet(skb, pkt, eni, dir, DP_DROP_FRAGMENT);
	if (pkt->frag == DP_FRAG_LATER)
		return frag_follows(ifindex, pkt, dir)
			       ? TC_ACT_OK
			       : drop_packet(skb, pkt, eni, dir, DP_DROP_FRAGMENT);
	return DP_GO_ON;
}

SEC("tc")
int dp_from_eni(struct __sk_buff *skb)
{
	const __u8 dir = DP_DIR_EGRESS;
	struct dp_pkt pkt = {};
	struct dp_ct_key key;
	struct dp_ct_val *ct = NULL;
	const struct dp_eni *eni;
	__u32 ifindex = skb->ifindex;
	__u64 now;
	int rc, track = 0;

	rc = eni_open(skb, &pkt, dir, &eni);
	if (rc != DP_GO_ON)
		return rc;
	now = bpf_ktime_get_ns();
	if (is_dns(pkt.dst, pkt.dport, &pkt)) {
		if (!dns_quota_ok(ifindex, now))
			return drop_packet(skb, &pkt, eni, dir, DP_DROP_DNS_QUOTA_EXCEEDED);
		return frag_remember(ifindex, &pkt, dir), TC_ACT_OK;
	}

	if (!(eni->flags & DP_ENI_F_NO_SECURITY_GROUPS)) {
		ct_key_build(&key, ifindex, &pkt, dir);
		ct = ct_lookup(eni, &key, pkt.tcp_flags, now);
		if (!ct && !ct_related(eni, ifindex, &pkt, dir, now) &&
		    !sg_allows(eni, dir, &pkt, pkt.dst,
			       origin_of_destination(skb, &pkt), &track))
			return drop_packet(skb, &pkt, eni, dir,
					   DP_DROP_SG_EGRESS);
	}
	if (nacl_crosses_subnet(eni, pkt.dst) &&
	    !nacl_allows(eni->nacl_id, dir, pkt.dst, &pkt))
		return drop_packet(skb, &pkt, eni, dir, DP_DROP_NACL_OUTBOUND);

	if (ct)
		ct_account(ct, &pkt, dir, now);
	else if (track && ct_create(eni, &key, &pkt, dir, now))
		return drop_packet(skb, &pkt, eni, dir,
				   DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED);
	frag_remember(ifindex, &pkt, dir);
	return TC_ACT_OK;
}

SEC("tc")
int dp_to_eni(struct __sk_buff *skb)
{
	const __u8 dir = DP_DIR_INGRESS;
	struct dp_pkt pkt = {};
	struct dp_ct_key key;
	struct dp_ct_val *ct = NULL;
	const struct dp_eni *eni;
	__u32 ifindex = skb->ifindex;
	__u32 in_ifindex = skb->ingress_ifindex;
	__be32 nremote;
	__u64 now;
	int rc, track = 0, related = 0;

	rc = eni_open(skb, &pkt, dir, &eni);
	if (rc != DP_GO_ON)
		return rc;
	if (is_dns(pkt.src, pkt.sport, &pkt))
		return frag_remember(ifindex, &pkt, dir), TC_ACT_OK;
	nremote = nacl_inbound_remote(eni, &pkt);
	if (nacl_crosses_subnet(eni, nremote) &&
	    !nacl_allows(eni->nacl_id, dir, nremote, &pkt))
		return drop_packet(skb, &pkt, eni, dir, DP_DROP_NACL_INBOUND);

	now = bpf_ktime_get_ns();
	if (!(eni->flags & DP_ENI_F_NO_SECURITY_GROUPS)) {
		ct_key_build(&key, ifindex, &pkt, dir);
		ct = ct_lookup(eni, &key, pkt.tcp_flags, now);
		if (!ct)
			related = ct_related(eni, ifindex, &pkt, dir, now);
	}
	/* Only the reply of a tracked flow (or an ICMP error about one), or an ENI with a public address
	 * (the igw has DNATed it), may be reached from outside the VPC. */
	if (!ct && !related && !(eni->flags & DP_ENI_F_HAS_PUBLIC_IP) &&
	    bpf_map_lookup_elem(&outside_links, &in_ifindex))
		return drop_packet(skb, &pkt, eni, dir,
				   DP_DROP_PRIVATE_ADDRESS_FROM_OUTSIDE);
	if (!ct && !related && (eni->flags & DP_ENI_F_NO_INBOUND))
		return drop_packet(skb, &pkt, eni, dir,
				   DP_DROP_FUNCTION_INBOUND);
	if (!(eni->flags & DP_ENI_F_NO_SECURITY_GROUPS) && !ct && !related &&
	    !sg_allows(eni, dir, &pkt, pkt.src, origin_of_source(in_ifindex),
		       &track))
		return drop_packet(skb, &pkt, eni, dir, DP_DROP_SG_INGRESS);

	if (ct)
		ct_account(ct, &pkt, dir, now);
	else if (track && ct_create(eni, &key, &pkt, dir, now))
		return drop_packet(skb, &pkt, eni, dir,
				   DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED);
	frag_remember(ifindex, &pkt, dir);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
