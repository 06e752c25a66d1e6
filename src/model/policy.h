/* Security groups and network ACLs compiled into the entries of the data
 * plane's policy maps (include/vpcsim/dataplane.h), without the kernel.
 *
 * A struct policy is plain memory: bpf_loader.c writes it into the maps,
 * and the evaluator below answers from it exactly as the BPF programs do
 * (same keys, same longest-prefix rule, same masks), so a static analyser
 * can ask what the data plane would do. The compiler reads the model of
 * topology.h; ids are global across the topology (policy_group_id,
 * policy_nacl_id), 0 means none.
 *
 * Compilation, for one rule set (a group's or NACL's rules in one
 * direction, rule i = bit i; NACL rules ranked by rule number):
 * - CIDRs: one trie entry per distinct CIDR C, value = rules whose CIDR
 *   contains C. The longest C containing an address is contained in every
 *   rule CIDR that contains the address, so the hit is exact.
 * - Ports: ranges split into aligned prefix blocks; one entry per distinct
 *   (proto, block B), value = rules with a block containing B. ICMP rules
 *   use type << 8 | code with -1 as a /0 (any type) or /8 (any code)
 *   block; other protocols a /0 block; proto "all" is DP_PROTO_ALL /0.
 * - Group-peer rules: one hash entry per (group, dir, peer group).
 */
#ifndef VPCSIM_POLICY_H
#define VPCSIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpcsim/dataplane.h"
#include "model/topology.h"

/* The policy maps, in the order of policy.maps[]. */
enum policy_map_id {
	PM_SG_CIDR,      /* dp_sg_cidr_key -> dp_sg_cidr_val */
	PM_SG_PEER,      /* dp_sg_peer_key -> u64 */
	PM_SG_PORT,      /* dp_port_key -> u64 */
	PM_NACL_CIDR,    /* dp_nacl_cidr_key -> u64 */
	PM_NACL_PORT,    /* dp_port_key -> u64 */
	PM_NACLS,        /* u32 NACL id -> dp_nacl */
	PM__COUNT,
};

/* The BPF map each policy map goes to ("sg_cidr", ...), and its key size. */
extern const char *const policy_map_names[PM__COUNT];
size_t policy_map_key_size(int pm);

/* Entries of one map: n keys of key_size bytes and n values. */
struct policy_map {
	size_t key_size, value_size;
	uint8_t *keys, *values;
	int n, cap;
};

/* What the compiler remembers about a group besides its map entries. */
struct policy_group {
	uint16_t id;
	bool open_all[2];        /* [dp_dir]: a rule proto all, 0.0.0.0/0 */
};

/* What the compiler remembers about a NACL: rule numbers by bit. */
struct policy_nacl {
	uint16_t id;
	int n[2];                /* rules per [dp_dir] */
	int number[2][DP_MAX_RULES];
	bool allow[2][DP_MAX_RULES];
};

struct policy {
	struct policy_map maps[PM__COUNT];
	struct policy_group *groups;
	int n_groups;
	struct policy_nacl *nacls;
	int n_nacls;
};

void policy_init(struct policy *p);
void policy_free(struct policy *p);

/* Global ids: 1 + the position of the object among all VPCs' groups
 * (NACLs), in file order. Stable for a given topology file. */
uint16_t policy_group_id(const struct topology *t, int vpc, int sg);
uint16_t policy_nacl_id(const struct topology *t, int vpc, int nacl);

/* Compile one group (both directions) or one NACL, or every group and NACL
 * of a VPC. Returns 0, or -errno through errf() naming the object (a rule
 * set over DP_MAX_RULES, an id over the map's range, -ENOMEM). The VPC's
 * implicit default group and NACL without rules compile to AWS's defaults
 * (group: inbound all from members of default, outbound all to
 * 0.0.0.0/0; NACL: rule 100 allow all both ways). */
int policy_compile_sg(struct policy *p, const struct topology *t, int vpc,
		      int sg);
int policy_compile_nacl(struct policy *p, const struct topology *t, int vpc,
			int nacl);
int policy_compile_vpc(struct policy *p, const struct topology *t, int vpc);

/* DP_ENI_F_INGRESS_OPEN / DP_ENI_F_EGRESS_OPEN for an ENI in these groups
 * (groups not compiled into p count as closed). */
uint16_t policy_eni_flags(const struct policy *p, const uint16_t *groups,
			  int n);

/* One packet's view for the evaluator. Addresses in host byte order. */
struct policy_query {
	enum dp_dir dir;
	uint32_t remote_ip;               /* the other end of the flow */
	const uint16_t *remote_groups;    /* the remote's memberships */
	int n_remote_groups;
	uint8_t proto;
	uint16_t port;   /* TCP/UDP destination port, ICMP type << 8 | code */
	uint16_t sport;  /* TCP/UDP source port: only to tell whether the
			  * packet is the reply of an untracked flow */
};

/* Would an ENI in `groups` with `eni_flags` admit a new flow (no conntrack
 * entry)? *track (may be NULL) tells whether dp_* would then create a
 * conntrack entry (false: an untracked flow, or the reply of one; see
 * sg_allows() in bpf/policy.h). Same answer as bpf/policy.h. */
bool policy_sg_allows(const struct policy *p, const uint16_t *groups, int n,
		      uint16_t eni_flags, const struct policy_query *q,
		      bool *track);

/* Which rule admits the packet: the first group (position in `groups`)
 * with a matching rule in q->dir, and that rule's index in the group's
 * rule list of that direction (rule i = bit i). Returns false, with both
 * -1, when no rule of any group matches (policy_sg_allows() is false).
 * For naming the rule in explanations (model/reach.c). */
bool policy_sg_rule(const struct policy *p, const uint16_t *groups, int n,
		    const struct policy_query *q, int *group, int *rule);

/* First matching rule of NACL `nacl` in q->dir: returns its rule number
 * and sets *allow to its action, or returns 0 with *allow false when no
 * rule matches (implicit deny) or the NACL is unknown. Same answer as
 * bpf/nacl.h. */
int nacl_eval(const struct policy *p, uint16_t nacl,
	      const struct policy_query *q, bool *allow);

/* Longest-prefix match over a trie map's entries, as the kernel's LPM trie
 * does; `key` starts with its prefixlen. NULL when nothing matches. */
const void *policy_lpm_lookup(const struct policy_map *m, const void *key);
/* Exact match over a hash/array map's entries. NULL when absent. */
const void *policy_map_find(const struct policy_map *m, const void *key);

#endif
