/* Loading the data plane of one VPC, pinning it and filling its maps
 * (attaching its programs to an ENI's veth: kernel/eni.h).
 *
 * `up` calls dp_load() once per VPC router: it opens the embedded BPF
 * object, sets the VPC id in read-only data, loads it and pins every map
 * and both programs under a directory (conventionally
 * /sys/fs/bpf/vpcsim/<topo>/<vpc>, created 0700; bpffs is mounted at
 * /sys/fs/bpf first if it is not). Later short-lived commands dp_open() the
 * pins and change maps live. dp_unpin() removes exactly what dp_load()
 * pinned and the directory, nothing else.
 *
 * Namespaces: map and pin operations do not care which network namespace
 * the caller is in.
 *
 * Errors: every function returns 0 or -errno, with a message from errf()
 * that names the operation and the object. */
#ifndef VPCSIM_BPF_LOADER_H
#define VPCSIM_BPF_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "vpcsim/dataplane.h"
#include "model/flowlog.h" /* struct dp_flow_record */
#include "model/policy.h"
#include "util/paths.h"

#define DP_BPFFS BPFFS_ROOT
/* Our tc filters: this handle and priority on both clsact hooks. */
#define DP_TC_HANDLE 0x5c1
#define DP_TC_PRIORITY 1

/* The maps and programs of the data plane, by id and by name: one table
 * from which the ids, the pin file names (dp_map_names, dp_prog_names)
 * and the skeleton's handles (bpf_loader.c) all come. */
#define DP_MAPS(X) \
	X(ENIS, enis) \
	X(MEMBERS, members) \
	X(SG_CIDR, sg_cidr) \
	X(SG_PEER, sg_peer) \
	X(SG_PORT, sg_port) \
	X(NACL_CIDR, nacl_cidr) \
	X(NACL_PORT, nacl_port) \
	X(NACLS, nacls) \
	X(CT_ENIS, ct_enis) \
	X(CT_GC_LAST, ct_gc_last) \
	X(CT_USED, ct_used) \
	X(FLOW_REJECT, flow_reject) \
	X(DROP_COUNTERS, drop_counters) \
	X(DROP_EVENTS, drop_events) \
	X(OUTSIDE_LINKS, outside_links) \
	X(POLICY_GEN, policy_gen) \
	X(DNS_RATE, dns_rate)

/* FROM_ENI: tc ingress of the router-side veth; TO_ENI: its tc egress. */
#define DP_PROGS(X) \
	X(FROM_ENI, dp_from_eni) \
	X(TO_ENI, dp_to_eni)

#define DP_ID_ENUM_MAP(id, name) DP_MAP_##id,
#define DP_ID_ENUM_PROG(id, name) DP_PROG_##id,
enum dp_map_id { DP_MAPS(DP_ID_ENUM_MAP) DP_MAP__COUNT };
enum dp_prog_id { DP_PROGS(DP_ID_ENUM_PROG) DP_PROG__COUNT };
#undef DP_ID_ENUM_MAP
#undef DP_ID_ENUM_PROG

/* Map and program names = pin file names. */
extern const char *const dp_map_names[DP_MAP__COUNT];
extern const char *const dp_prog_names[DP_PROG__COUNT];

struct dataplane_bpf;

struct dataplane {
	int map_fd[DP_MAP__COUNT];
	int prog_fd[DP_PROG__COUNT];
	struct dataplane_bpf *skel;     /* NULL when opened from pins */
	char pin_dir[256];
};

/* Mount bpffs at /sys/fs/bpf unless it is there already. */
int dp_bpffs_ensure(void);

/* Load the object for VPC `vpc_id` (resolver address `dns_ip`, host byte
 * order, 0 for none; CIDR vpc_net/vpc_len, for group references: a
 * destination inside it is this VPC's) and pin it under `pin_dir` (created 0700 with its
 * parents; must not hold pins already: -EEXIST). */
int dp_load(uint32_t vpc_id, uint32_t dns_ip, uint32_t vpc_net, uint8_t vpc_len,
	    const char *pin_dir, struct dataplane **out);
/* Open the pins of a loaded data plane. */
int dp_open(const char *pin_dir, struct dataplane **out);
/* Close fds (the pinned objects stay). NULL is fine. */
void dp_close(struct dataplane *dp);
/* Remove every pin dp_load() made under pin_dir, then the directory.
 * Absent is success. Anything else found there is left and reported
 * (-ENOTEMPTY): it is not ours. */
int dp_unpin(const char *pin_dir);

/* Make `p` the policy of the data plane, whatever was there before: write
 * it into the unused generation, switch packets to it with one store, wait
 * 2 ms for packets still evaluating the old one, then delete the old
 * generation. A packet sees the old or the new policy, never a mix. */
int dp_policy_write(struct dataplane *dp, const struct policy *p);

/* The ENI table, by router-side ifindex. dp_eni_add() also gives a new
 * ENI its own tracking table of eni->ct_allowance entries (0: the default;
 * an ENI that has one keeps it, with its flows). dp_eni_remove() drops
 * the entry and the rejected-flow entries (read flow logs first) and
 * empties the tracking table, which stays for the ifindex's next ENI.
 * Every change of ct_enis, a map of maps, makes the kernel wait for an RCU
 * grace period (milliseconds): tables are added in batches and never
 * removed before the whole data plane goes. */
int dp_eni_add(struct dataplane *dp, uint32_t ifindex, const struct dp_eni *eni);
int dp_eni_remove(struct dataplane *dp, uint32_t ifindex);
/* Tracking tables of `allowance` entries (0: the default) for the ENIs of
 * ifindex[0..n), added with one batch (one grace period); an ifindex that
 * has a table keeps it. */
int dp_ct_tables_add(struct dataplane *dp, const uint32_t *ifindex, int n, uint32_t allowance);
/* The entry of ifindex; -ENOENT when there is none. */
int dp_eni_get(struct dataplane *dp, uint32_t ifindex, struct dp_eni *out);

/* One tracking entry of an ENI (key->ifindex): read it, or overwrite an
 * existing one (tests age entries this way). -ENOENT when absent. */
int dp_ct_get(struct dataplane *dp, const struct dp_ct_key *key, struct dp_ct_val *out);
int dp_ct_put(struct dataplane *dp, const struct dp_ct_key *key, const struct dp_ct_val *v);
/* Entries in the tracking table of ENI ifindex (-ENOENT: no table). */
int dp_ct_count(struct dataplane *dp, uint32_t ifindex);
/* Delete the tracking entries of every ENI whose remote end is `ip` (host
 * byte order): an address that leaves (an environment's ENI removed) must
 * not find its old flows when it is handed to someone else. Returns the
 * number of entries deleted or -errno. */
int dp_ct_forget_peer(struct dataplane *dp, uint32_t ip);

/* Group memberships of a private address (host byte order) where it is:
 * origin DP_ORIGIN_VPC for an ENI of this VPC, the router-side ifindex of
 * the peering link for an ENI of a peered VPC (see dp_member_key). */
int dp_member_set(struct dataplane *dp, uint32_t origin, uint32_t ip,
		  const uint16_t *groups, int n);
int dp_member_remove(struct dataplane *dp, uint32_t origin, uint32_t ip);

/* Router links that lead outside the VPC (igw, Lambda service). */
int dp_outside_link_add(struct dataplane *dp, uint32_t ifindex);

/* Calls cb for every record (a tracked flow gives one record per
 * direction that carried packets). A non-zero return of cb stops the
 * walk and is returned. Entries are read, not reset. */
typedef int (*dp_flow_cb)(const struct dp_flow_record *r, void *ctx);
int dp_flows_read(struct dataplane *dp, dp_flow_cb cb, void *ctx);

/* Drop counters summed over CPUs, indexed by enum dp_drop_reason. */
int dp_drop_counters_read(struct dataplane *dp,
			  struct dp_counter out[DP_DROP__MAX]);

#endif
