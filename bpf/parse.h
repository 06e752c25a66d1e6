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
#define DP_ICMP_DEST_UNREACH 3
#define DP_ICMP_ECHO      8
#define DP_ICMP_TIME_EXCEEDED 11
#define DP_ICMP_PARAMETERPROB 12

struct dp_icmp_echo {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define DP_TCP_FIN 0x01
#define DP_TCP_SYN 0x02
#define DP_TCP_RST 0x04
#define DP_TCP_ACK 0x10

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
	__u8 tcp_flags;     /* TCP: byte 13 of the header (DP_TCP_*), else 0 */
	__u32 len;          /* skb->len, for counters */
	/* ICMP errors (destination unreachable, time exceeded, parameter
	 * problem): the packet they are about, from the quoted header, so
	 * the error can be related to that packet's tracked flow. inner_proto
	 * is 0 for every other packet. */
	__be32 inner_src;
	__be32 inner_dst;
	__be16 inner_sport;
	__be16 inner_dport;
	__u8 inner_proto;
	/* Fragments: DP_FRAG_FIRST (offset 0, more to come: L4 parsed) or
	 * DP_FRAG_LATER (offset > 0: no L4 header, ports 0); 0 otherwise. */
	__u8 frag;
	__be16 ip_id;
};

#define DP_FRAG_FIRST 1
#define DP_FRAG_LATER 2

/* The header an ICMP error quotes, at offset `off`: sets pkt->inner_* for
 * a TCP or UDP packet (the first 4 bytes of L4 are its ports) or an ICMP
 * echo (its identifier in both ports); leaves inner_proto 0 otherwise or
 * when the quote is short. Never a reason to drop: the error is then
 * judged by rules alone. */
static __always_inline void parse_icmp_inner(struct __sk_buff *skb, __u32 off,
					     struct dp_pkt *pkt)
{
	struct iphdr ip;
	__be16 ports[2];

	if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0)
		return;
	if (ip.version != 4 || ip.ihl < 5)
		return;
	if (bpf_skb_load_bytes(skb, off + ip.ihl * 4, ports, sizeof(ports)) < 0)
		return;
	if (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) {
		pkt->inner_sport = ports[0];
		pkt->inner_dport = ports[1];
	} else if (ip.protocol == IPPROTO_ICMP) {
		struct dp_icmp_echo echo;

		if (bpf_skb_load_bytes(skb, off + ip.ihl * 4, &echo,
				       sizeof(echo)) < 0)
			return;
		if (echo.type != DP_ICMP_ECHO && echo.type != DP_ICMP_ECHOREPLY)
			return;
		pkt->inner_sport = echo.id;
		pkt->inner_dport = echo.id;
	} else {
		return;
	}
	pkt->inner_src = ip.saddr;
	pkt->inner_dst = ip.daddr;
	pkt->inner_proto = ip.protocol;
}

#define DP_PARSE_IPV4 0
#define DP_PARSE_ARP  (-1)

/* Returns DP_PARSE_IPV4 with *pkt filled for an IPv4 packet, DP_PARSE_ARP
 * for ARP (passes unchecked), or the drop reason: DP_DROP_NOT_IPV4 for any
 * other ethertype, DP_DROP_MALFORMED for a truncated or inconsistent
 * header. A later fragment (offset > 0) is returned with addresses,
 * protocol and ip_id only and pkt->frag = DP_FRAG_LATER: the caller lets it
 * follow its first fragment's verdict (frag.h). */
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
	pkt->src = ip.saddr;
	pkt->dst = ip.daddr;
	pkt->proto = ip.protocol;
	pkt->sport = 0;
	pkt->dport = 0;
	pkt->rule_port = 0;
	pkt->tcp_flags = 0;
	pkt->len = skb->len;
	pkt->inner_proto = 0;
	pkt->ip_id = ip.id;
	pkt->frag = 0;
	if (ip.frag_off & bpf_htons(IP_OFFSET)) {
		pkt->frag = DP_FRAG_LATER;
		return DP_PARSE_IPV4;
	}
	if (ip.frag_off & bpf_htons(IP_MF))
		pkt->frag = DP_FRAG_FIRST;
	l4 = ETH_HLEN + ip.ihl * 4;

	if (ip.protocol == IPPROTO_TCP) {
		__u8 th[14];    /* ports, seq, ack, offset, flags */

		if (bpf_skb_load_bytes(skb, l4, th, sizeof(th)) < 0)
			return DP_DROP_MALFORMED;
		__builtin_memcpy(&pkt->sport, th, 2);
		__builtin_memcpy(&pkt->dport, th + 2, 2);
		pkt->rule_port = pkt->dport;
		pkt->tcp_flags = th[13];
	} else if (ip.protocol == IPPROTO_UDP) {
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
		} else if (icmp.type == DP_ICMP_DEST_UNREACH ||
			   icmp.type == DP_ICMP_TIME_EXCEEDED ||
			   icmp.type == DP_ICMP_PARAMETERPROB) {
			parse_icmp_inner(skb, l4 + 8, pkt);
		}
	}
	return DP_PARSE_IPV4;
}

#endif
