/* Packet parsing: Ethernet, IPv4 and the first bytes of TCP, UDP, ICMP.
 *
 * Reads with bpf_skb_load_bytes(), so it works whether or not the headers
 * are in the linear part of the skb, and the verifier sees only fixed-size
 * stack copies. */
#ifndef VPCSIM_BPF_PARSE_H
#define VPCSIM_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "vpcsim/dataplane.h"

/* <linux/icmp.h> pulls in libc headers (via <linux/if.h>), which do not
 * build for the bpf target: the few ICMP bits needed are here. */
#define DP_ICMP_ECHOREPLY 0
#define DP_ICMP_ECHO      8

struct dp_icmp_echo {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define IP_MF     0x2000
#define IP_OFFSET 0x1fff

/* What the policy code needs of a packet. */
struct dp_pkt {
	__be32 src;
	__be32 dst;
	__be16 sport;       /* TCP/UDP ports; ICMP echo: identifier in both */
	__be16 dport;
	__be16 rule_port;   /* what rules match: TCP/UDP destination port,
			     * ICMP type << 8 | code, 0 otherwise */
	__u8 proto;
	__u8 pad;
	__u32 len;          /* skb->len, for counters */
};

#define DP_PARSE_IPV4 0
#define DP_PARSE_ARP  (-1)

/* Returns DP_PARSE_IPV4 with *pkt filled for an IPv4 packet, DP_PARSE_ARP
 * for ARP (passes unchecked), or the drop reason: DP_DROP_NOT_IPV4 for any
 * other ethertype, DP_DROP_MALFORMED for a truncated or inconsistent
 * header, DP_DROP_FRAGMENT for a non-first fragment (no L4 header to
 * match rules on). */
static __always_inline int parse_packet(struct __sk_buff *skb,
					struct dp_pkt *pkt)
{
	struct ethhdr eth;
	struct iphdr ip;
	__u32 l4;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0)
		return DP_DROP_MALFORMED;
	if (eth.h_proto == bpf_htons(ETH_P_ARP))
		return DP_PARSE_ARP;
	if (eth.h_proto != bpf_htons(ETH_P_IP))
		return DP_DROP_NOT_IPV4;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return DP_DROP_MALFORMED;
	if (ip.version != 4 || ip.ihl < 5 ||
	    bpf_ntohs(ip.tot_len) < ip.ihl * 4 ||
	    ETH_HLEN + bpf_ntohs(ip.tot_len) > skb->len)
		return DP_DROP_MALFORMED;
	if (ip.frag_off & bpf_htons(IP_OFFSET))
		return DP_DROP_FRAGMENT;

	pkt->src = ip.saddr;
	pkt->dst = ip.daddr;
	pkt->proto = ip.protocol;
	pkt->sport = 0;
	pkt->dport = 0;
	pkt->rule_port = 0;
	pkt->pad = 0;
	pkt->len = skb->len;
	l4 = ETH_HLEN + ip.ihl * 4;

	if (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
			return DP_DROP_MALFORMED;
		pkt->sport = ports[0];
		pkt->dport = ports[1];
		pkt->rule_port = ports[1];
	} else if (ip.protocol == IPPROTO_ICMP) {
		struct dp_icmp_echo icmp;

		if (bpf_skb_load_bytes(skb, l4, &icmp, sizeof(icmp)) < 0)
			return DP_DROP_MALFORMED;
		pkt->rule_port = bpf_htons((__u16)icmp.type << 8 | icmp.code);
		if (icmp.type == DP_ICMP_ECHO || icmp.type == DP_ICMP_ECHOREPLY) {
			pkt->sport = icmp.id;
			pkt->dport = icmp.id;
		}
	}
	return DP_PARSE_IPV4;
}

#endif
