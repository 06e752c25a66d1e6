/* Every map of the data plane. Keys and values are defined in
 * include/vpcsim/dataplane.h, which explains each one; user space finds
 * the maps by these names (the pin file names). */
#ifndef VPCSIM_BPF_MAPS_H
#define VPCSIM_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "vpcsim/dataplane.h"

/* Read-only configuration, set by the loader before load (skeleton
 * .rodata); the verifier sees the values as constants. */
const volatile __u32 vpc_id = 0;   /* stamped on drop events */
/* The VPC resolver (VPC base + 2); traffic with it on port 53 is not
 * filtered by groups or NACLs, as in AWS. 0 disables the exception. */
const volatile __be32 vpc_dns_ip = 0;
/* The VPC's CIDR: a destination inside it is origin DP_ORIGIN_VPC for
 * group references; vpc_mask 0 (a loader that sets none) makes every
 * address this VPC's. */
const volatile __be32 vpc_net = 0;
const volatile __be32 vpc_mask = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_ENIS_MAX);
	__type(key, __u32);                     /* router-side ifindex */
	__type(value, struct dp_eni);
} enis SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_MEMBERS_MAX);
	__type(key, struct dp_member_key);     /* origin, private address */
	__type(value, struct dp_member);
} members SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, DP_SG_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct dp_sg_cidr_key);
	__type(value, struct dp_sg_cidr_val);
} sg_cidr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_SG_ENTRIES_MAX);
	__type(key, struct dp_sg_peer_key);
	__type(value, __u64);
} sg_peer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, DP_SG_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct dp_port_key);
	__type(value, __u64);
} sg_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, DP_SG_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct dp_nacl_cidr_key);
	__type(value, __u64);
} nacl_cidr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, DP_SG_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct dp_port_key);
	__type(value, __u64);
} nacl_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * DP_NACLS_MAX);
	__type(key, __u32);                     /* DP_NACL_INDEX(id, gen) */
	__type(value, struct dp_nacl);
} nacls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);                   /* policy generation, 0 or 1 */
} policy_gen SEC(".maps");

/* The policy generation this packet uses (see dataplane.h). */
static __always_inline __u8 policy_gen_get(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&policy_gen, &zero);

	return g ? (*g & 1) : 0;
}

/* One tracking table per ENI (see dataplane.h): the prototype of the
 * inner maps, which user space makes with the ENI's allowance as size. */
struct ct_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_CT_ALLOWANCE_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* Sizes, not types: BTF would only see the structs declared. */
	__uint(key_size, sizeof(struct dp_ct_key));
	__uint(value_size, sizeof(struct dp_ct_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, DP_ENIS_MAX);
	__type(key, __u32);                     /* router-side ifindex */
	__array(values, struct ct_table);
} ct_enis SEC(".maps");

/* When a full table was last swept (per ENI), to sweep at most every
 * DP_CT_GC_INTERVAL_NS. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_ENIS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ct_gc_last SEC(".maps");

/* The ENIs whose tracking table ever got an entry: user space walks only
 * those when an address leaves (dp_ct_forget_peer), for a walk visits
 * every bucket of a table, empty or not. Cleared when the table is
 * emptied (dp_eni_remove). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_ENIS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} ct_used SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DP_FLOW_REJECT_MAX);
	__type(key, struct dp_flow_key);
	__type(value, struct dp_flow_val);
} flow_reject SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DP_FRAGS_MAX);
	__type(key, struct dp_frag_key);
	__type(value, __u64);                   /* when the first fragment passed */
} frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DP_DROP__MAX);
	__type(key, __u32);                     /* enum dp_drop_reason */
	__type(value, struct dp_counter);
} drop_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_ENIS_MAX);
	__type(key, __u32);                     /* router-side ifindex */
	__type(value, struct dp_dns_rate);
} dns_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DP_DROP_EVENTS_BYTES);
} drop_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);                     /* router-side ifindex */
	__type(value, __u8);
} outside_links SEC(".maps");

#endif
