/* The contract between the BPF data plane (bpf/dataplane.bpf.c) and user
 * space (src/model/policy.c, src/kernel/bpf_loader.c): every map key and value, the
 * drop reasons, directions and flags. Included by both sides, so it uses
 * only the fixed-size types of <linux/types.h>.
 *
 * Invariants every writer keeps:
 * - Padding fields are zero (hash keys compare every byte).
 * - Addresses and ports are in network byte order (__be32/__be16), group
 *   and NACL ids and flags in host byte order.
 * - Group ids and NACL ids are global across a topology; 0 means "none".
 * - A rule set (group or NACL, one direction) has at most 64 rules; rule i
 *   is bit i of every mask. For NACLs, i is the rank by rule number, so the
 *   lowest set bit of a match mask is the first matching rule.
 *
 * Sizes are checked below: a change here must change both sides at once. */
#ifndef VPCSIM_DATAPLANE_H
#define VPCSIM_DATAPLANE_H

#include <linux/types.h>

/* AmazonProvidedDNS's link-local address (host byte order): like the
 * VPC's base + 2 (vpc_dns_ip), TCP/UDP port 53 to or from it is not
 * filtered by groups or NACLs. */
#define DP_DNS_LINK_LOCAL 0xa9fea9fdu /* 169.254.169.253 */
#define DP_MAX_SGS 5            /* groups per ENI (AWS quota) */
#define DP_MAX_RULES 64         /* bits in a mask; AWS allows 60 / 20 */
#define DP_PROTO_ALL 255        /* key proto of rules with proto "all" */

/* Map sizes. */
#define DP_ENIS_MAX 4096
#define DP_MEMBERS_MAX 65536
#define DP_SG_ENTRIES_MAX 65536
#define DP_NACLS_MAX 4096       /* NACL ids are 1..DP_NACLS_MAX-1 */
/* Connection tracking allowance: entries of one ENI's tracking table when
 * dp_eni.ct_allowance is 0 (topology key "conntrack_allowance"). */
#define DP_CT_ALLOWANCE_DEFAULT 16384
#define DP_CT_ALLOWANCE_MAX (1u << 20)
/* A full ENI table is swept for expired entries at most this often. */
#define DP_CT_GC_INTERVAL_NS 100000000ULL
#define DP_FLOW_REJECT_MAX 65536
#define DP_DROP_EVENTS_BYTES (256 * 1024)

/* Direction, seen from the ENI: INGRESS = entering the ENI (the group's
 * inbound rules, the subnet's inbound NACL), EGRESS = leaving it. */
enum dp_dir {
	DP_DIR_INGRESS = 0,
	DP_DIR_EGRESS = 1,
};

/* Policy generations. The policy maps hold two generations; the
 * one-entry array policy_gen says which one packets use. The loader writes
 * a new policy into the other generation, flips policy_gen (one 4-byte
 * store) and then deletes the old generation, so a packet sees either the
 * old or the new policy, never a mix. In keys, the generation is bit 1 of
 * the dir byte; in the nacls array, bit 12 of the index. A compiled policy
 * (src/model/policy.c) is generation 0; the loader sets the bit when it writes. */
#define DP_KEY_DIR(dir, gen) ((__u8)((dir) | ((gen) << 1)))
#define DP_KEY_GEN(keydir) (((keydir) >> 1) & 1)
#define DP_NACL_INDEX(id, gen) ((__u32)(id) | ((__u32)(gen) << 12))

/* Connection tracking idle timeouts (AWS-SEMANTICS.md): the defaults of
 * the three an ENI may set (dp_eni.ct_*, 0 = default) with AWS's ranges,
 * and "other protocols" (ICMP included: the spec is silent on it). AWS
 * documents no other TCP state; vpcsim follows the TCP state machine with
 * Linux nf_conntrack's values: a SYN without answer (SYN_SENT) 120 s, one
 * FIN seen (FIN_WAIT / CLOSE_WAIT) 120 s, FIN both ways (TIME_WAIT)
 * 120 s, after a RST (CLOSE) 10 s. A SYN meeting a closed entry (RST or
 * both FINs) starts a new flow: the old entry goes, the rules judge it. */
#define DP_CT_TIMEOUT_TCP_S 432000ULL
#define DP_CT_TIMEOUT_TCP_MIN_S 60
#define DP_CT_TIMEOUT_UDP_S 30ULL
#define DP_CT_TIMEOUT_UDP_MIN_S 30
#define DP_CT_TIMEOUT_UDP_MAX_S 60
#define DP_CT_TIMEOUT_UDP_STREAM_S 180ULL
#define DP_CT_TIMEOUT_UDP_STREAM_MIN_S 60
#define DP_CT_TIMEOUT_OTHER_S 600ULL
#define DP_CT_TIMEOUT_TCP_SYN_SENT_S 120ULL
#define DP_CT_TIMEOUT_TCP_FIN_S 120ULL
#define DP_CT_TIMEOUT_TCP_TIME_WAIT_S 120ULL
#define DP_CT_TIMEOUT_TCP_CLOSE_S 10ULL

/* Why a packet was dropped: NAME, number, and the one line a user reads
 * (status, flows, drop events). The one table of drop reasons: the enum
 * below, the BPF programs, dp_drop_reason_name/_explain (user space) and,
 * through `vpcsim status --json`, the tests all come from it. 0 is "not
 * dropped" and is never counted. Append only: numbers are in pinned maps. */
#define DP_DROP_REASONS(X) \
	X(NONE, 0, \
	  "not dropped") \
	X(SG_INGRESS, 1, \
	  "no inbound rule of the ENI's security groups allows this new flow") \
	X(SG_EGRESS, 2, \
	  "no outbound rule of the ENI's security groups allows this new flow") \
	X(NACL_INBOUND, 3, \
	  "the subnet's network ACL denies it inbound (a DENY rule matched first, or no rule: implicit deny)") \
	X(NACL_OUTBOUND, 4, \
	  "the subnet's network ACL denies it outbound (a DENY rule matched first, or no rule: implicit deny)") \
	X(SPOOFED_SOURCE, 5, \
	  "source/destination check: the ENI sent a packet whose source is not its address") \
	X(SPOOFED_DESTINATION, 6, \
	  "source/destination check: a packet for another address was routed to the ENI") \
	X(PRIVATE_ADDRESS_FROM_OUTSIDE, 7, \
	  "a new connection from outside the VPC to an ENI without a public address") \
	X(NO_ENI, 8, \
	  "the interface is not a known ENI (fail closed)") \
	X(NOT_IPV4, 9, \
	  "neither IPv4 nor ARP (vpcsim simulates IPv4 only)") \
	X(MALFORMED, 10, \
	  "truncated or inconsistent Ethernet/IPv4/L4 header") \
	X(FRAGMENT, 11, \
	  "an IPv4 fragment that may not pass: a later fragment whose first fragment did not pass here, or a TCP/ICMP fragment at a NAT gateway") \
	X(FUNCTION_INBOUND, 12, \
	  "a new connection into a Lambda function's ENI: functions only start connections") \
	X(CONNTRACK_ALLOWANCE_EXCEEDED, 13, \
	  "the ENI's connection tracking allowance is used up by live flows (AWS metric conntrack_allowance_exceeded): new flows are dropped, tracked ones go on") \
	X(DNS_QUOTA_EXCEEDED, 14, \
	  "more than 1024 packets in one second from this ENI to the VPC resolver (AWS's quota per network interface, not adjustable): the resolver rejects traffic over it")

enum dp_drop_reason {
#define DP_DROP_ENUM(name, num, explain) DP_DROP_##name = num,
	DP_DROP_REASONS(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP__MAX,
};

/* ---- enis: HASH router-side ifindex -> ENI ---------------------------- */

#define DP_ENI_F_SRC_DST_CHECK_EXEMPT (1u << 0) /* NAT gateway ENI */
#define DP_ENI_F_HAS_PUBLIC_IP        (1u << 1) /* reachable from an igw */
#define DP_ENI_F_NO_SECURITY_GROUPS   (1u << 2) /* NAT gateway: no groups */
/* Some group of the ENI allows proto all to/from 0.0.0.0/0 in that
 * direction: flows admitted by 0.0.0.0/0 rules of the other direction are
 * untracked. Computed by policy_eni_flags(). */
#define DP_ENI_F_INGRESS_OPEN         (1u << 3)
#define DP_ENI_F_EGRESS_OPEN          (1u << 4)
/* A Lambda hyperplane ENI: nothing can open a connection into a function,
 * only packets of flows it started (tracked) and ICMP errors about them
 * enter. Such an ENI has neither *_OPEN flag, so all its flows are tracked. */
#define DP_ENI_F_NO_INBOUND           (1u << 5)

struct dp_eni {
	__u32 eni_id;           /* numeric part of the ENI id, for flow logs */
	__be32 ip;              /* the ENI's private address */
	__be32 subnet;          /* network address of its subnet */
	__be32 subnet_mask;     /* netmask of its subnet */
	__u16 nacl_id;          /* the subnet's NACL */
	__u8 n_sgs;             /* 0..DP_MAX_SGS */
	__u8 pad;
	__u16 sg_ids[DP_MAX_SGS];
	__u16 flags;            /* DP_ENI_F_* */
	/* Connection tracking of this ENI; 0 means the default. The table
	 * size is read by user space when it makes the ENI's table. */
	__u32 ct_allowance;         /* entries (DP_CT_ALLOWANCE_DEFAULT) */
	__u32 ct_tcp_established_s; /* 60..432000 (DP_CT_TIMEOUT_TCP_S) */
	__u16 ct_udp_s;             /* 30..60 (DP_CT_TIMEOUT_UDP_S) */
	__u16 ct_udp_stream_s;      /* 60..180 (DP_CT_TIMEOUT_UDP_STREAM_S) */
};
_Static_assert(sizeof(struct dp_eni) == 44, "dp_eni layout");

/* ---- members: HASH (origin, private ip) -> the groups its ENI is in ------
 * A group reference matches an ENI only where it really is: origin 0 is
 * this VPC (a packet that entered the router from one of its ENIs, or is
 * routed to an address of its CIDR); origin = the router-side ifindex of
 * a peering link for the ENIs of the VPC behind it (a packet that came in
 * by that link, or that the router would send out by it). Anything else
 * (the internet gateway, an unknown link) has no members, so an outside
 * address equal to a member's matches nothing. */
#define DP_ORIGIN_VPC 0u
#define DP_ORIGIN_NONE 0xffffffffu     /* no route: no member matches */
struct dp_member_key {
	__u32 origin;
	__be32 ip;
};
_Static_assert(sizeof(struct dp_member_key) == 8, "dp_member_key layout");

struct dp_member {
	__u8 n;                 /* 0..DP_MAX_SGS */
	__u8 pad;
	__u16 groups[DP_MAX_SGS];
};
_Static_assert(sizeof(struct dp_member) == 12, "dp_member layout");

/* ---- security groups ---------------------------------------------------
 * sg_cidr (LPM_TRIE): the prefix always covers group, dir and pad (32
 * bits) plus the rule's CIDR length. Value: rules whose CIDR contains the
 * key's CIDR, so the longest match for an address is exactly the set of
 * rules whose CIDR contains the address. world_mask is the same in every
 * entry of a (group, dir): the rules whose CIDR is 0.0.0.0/0, for the
 * untracked-flow test. */
struct dp_sg_cidr_key {
	__u32 prefixlen;        /* 32 + CIDR length */
	__u16 group;
	__u8 dir;
	__u8 pad;
	__be32 ip;
};
_Static_assert(sizeof(struct dp_sg_cidr_key) == 12, "dp_sg_cidr_key layout");

struct dp_sg_cidr_val {
	__u64 mask;
	__u64 world_mask;
};
_Static_assert(sizeof(struct dp_sg_cidr_val) == 16, "dp_sg_cidr_val layout");

/* sg_peer (HASH): rules of (group, dir) that name peer_group. Value u64. */
struct dp_sg_peer_key {
	__u16 group;
	__u8 dir;
	__u8 pad;
	__u16 peer_group;
	__u16 pad2;
};
_Static_assert(sizeof(struct dp_sg_peer_key) == 8, "dp_sg_peer_key layout");

/* sg_port and nacl_port (LPM_TRIE): the prefix always covers id, dir and
 * proto (32 bits) plus a port block length 0..16. Port is the destination
 * port for TCP/UDP, type << 8 | code for ICMP, 0 (/0) for other protocols;
 * proto "all" is DP_PROTO_ALL with port /0. Value u64: rules with that
 * protocol having a block that contains the key's block, so the longest
 * match for a port is exactly the rules whose range contains the port. */
struct dp_port_key {
	__u32 prefixlen;        /* 32 + block length */
	__u16 id;               /* group id or NACL id */
	__u8 dir;
	__u8 proto;
	__be16 port;
	__u16 pad;              /* never inside a prefix */
};
_Static_assert(sizeof(struct dp_port_key) == 12, "dp_port_key layout");

/* nacl_cidr (LPM_TRIE): like sg_cidr, value u64. */
struct dp_nacl_cidr_key {
	__u32 prefixlen;        /* 32 + CIDR length */
	__u16 nacl;
	__u8 dir;
	__u8 pad;
	__be32 ip;
};
_Static_assert(sizeof(struct dp_nacl_cidr_key) == 12, "dp_nacl_cidr_key layout");

/* nacls (ARRAY, index = DP_NACL_INDEX(NACL id, generation)): which rules
 * allow, per direction. A zero entry denies everything (an unknown NACL
 * fails closed). */
struct dp_nacl {
	__u64 allow_mask[2];    /* [enum dp_dir] */
};
_Static_assert(sizeof(struct dp_nacl) == 16, "dp_nacl layout");

/* ---- connection tracking ------------------------------------------------
 * ct_enis (HASH_OF_MAPS): router-side ifindex -> that ENI's own table, a
 * plain HASH of ct_allowance entries made by user space (dp_eni_add). A
 * full table refuses new flows (DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED)
 * after one sweep of its expired entries; nothing is ever evicted, and
 * one ENI cannot take another's room.
 * Keyed from the ENI's side, so both directions of a flow find the same
 * entry: local = the ENI's end. ICMP echo request and reply use the
 * identifier as both ports; other ICMP types and protocols without ports
 * use 0, 0 (tracked by address pair and protocol). */
struct dp_ct_key {
	__u32 ifindex;          /* router-side ENI veth */
	__u8 proto;
	__u8 pad[3];
	__be32 local_ip;
	__be32 remote_ip;
	__be16 local_port;
	__be16 remote_port;
};
_Static_assert(sizeof(struct dp_ct_key) == 20, "dp_ct_key layout");

#define DP_CT_F_ORIG_INGRESS (1u << 0)  /* created by a packet entering */
#define DP_CT_F_SEEN_REPLY   (1u << 1)  /* a packet went the other way */
/* TCP state. SYN: created by a SYN (no ACK), so until a reply it is
 * SYN_SENT; an entry made by a mid-stream packet counts as established. */
#define DP_CT_F_TCP_SYN      (1u << 2)
#define DP_CT_F_TCP_FIN_OUT  (1u << 3)  /* a FIN left the ENI */
#define DP_CT_F_TCP_FIN_IN   (1u << 4)  /* a FIN entered the ENI */
#define DP_CT_F_TCP_RST      (1u << 5)  /* a RST either way */

/* Times are bpf_ktime_get_ns() (CLOCK_MONOTONIC). out = leaving the ENI. */
struct dp_ct_val {
	__u64 created_ns;
	__u64 last_seen_ns;
	__u64 packets_out;
	__u64 bytes_out;
	__u64 packets_in;
	__u64 bytes_in;
	__u32 flags;            /* DP_CT_F_* */
	__u32 pad;
};
_Static_assert(sizeof(struct dp_ct_val) == 56, "dp_ct_val layout");

/* ---- flow logs: rejected flows (flow_reject: LRU_HASH) ---------------- */
struct dp_flow_key {
	__u32 ifindex;
	__u8 proto;
	__u8 dir;               /* enum dp_dir */
	__u16 pad;
	__be32 src;
	__be32 dst;
	__be16 sport;           /* ICMP: type << 8 | code in sport, 0 dport */
	__be16 dport;
};
_Static_assert(sizeof(struct dp_flow_key) == 20, "dp_flow_key layout");

struct dp_flow_val {
	__u64 packets;
	__u64 bytes;
	__u64 first_ns;
	__u64 last_ns;
	__u32 reason;           /* the last packet's enum dp_drop_reason */
	__u32 pad;
};
_Static_assert(sizeof(struct dp_flow_val) == 40, "dp_flow_val layout");

/* ---- fragments (frags: LRU_HASH) -----------------------------------------
 * A first fragment (offset 0, more fragments) that passed on an ENI in a
 * direction is remembered by its datagram; the later fragments of that
 * datagram, which carry no ports, follow its verdict for DP_FRAG_TIMEOUT_NS
 * (Linux's ipfrag_time). A later fragment without a remembered first one
 * is dropped (FRAGMENT). */
#define DP_FRAGS_MAX 16384
#define DP_FRAG_TIMEOUT_NS (30ULL * 1000000000ULL)
struct dp_frag_key {
	__u32 ifindex;
	__be32 src;
	__be32 dst;
	__be16 id;              /* IPv4 identification */
	__u8 proto;
	__u8 dir;               /* enum dp_dir */
};
_Static_assert(sizeof(struct dp_frag_key) == 16, "dp_frag_key layout");

/* dns_rate: HASH router-side ifindex -> packets to the resolver in the
 * current one-second window (AWS: 1024 packets per second per network
 * interface to the Route 53 Resolver, not adjustable). Made by the
 * program on an ENI's first query; an ENI's entry outlives it harmlessly
 * (a new ENI on the same ifindex starts a new window within a second). */
#define DP_DNS_PPS_MAX 1024
#define DP_DNS_WINDOW_NS 1000000000ULL
struct dp_dns_rate {
	__u64 window_start_ns;
	__u32 packets;
	__u32 pad;
};
_Static_assert(sizeof(struct dp_dns_rate) == 16, "dp_dns_rate layout");

/* drop_counters: PERCPU_ARRAY indexed by enum dp_drop_reason. */
struct dp_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct dp_counter) == 16, "dp_counter layout");

/* drop_events: RINGBUF records. Lost when the buffer is full (the counters
 * still count). */
struct dp_drop_event {
	__u64 ts_ns;
	__u32 reason;
	__u32 ifindex;
	__u32 eni_id;           /* 0 for NO_ENI */
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;
	__u16 pad;
	__u32 vpc_id;           /* the loader's VPC id (rodata vpc_id) */
};
_Static_assert(sizeof(struct dp_drop_event) == 40, "dp_drop_event layout");

/* policy_gen: ARRAY of one __u32, the generation packets use (0 or 1). */

/* outside_links: HASH ifindex (router side of an internet gateway or
 * Lambda service link) -> __u8 1. */

#ifndef __bpf__
/* User space only (src/model/dataplane_names.c): "SG_INGRESS", ... and a
 * one-line explanation for a user; "UNKNOWN" / "" out of range. */
const char *dp_drop_reason_name(unsigned int reason);
const char *dp_drop_reason_explain(unsigned int reason);
#endif

#endif
