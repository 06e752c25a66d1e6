/* The data plane of a VPC as the layout sees it: which pins, which policy,
 * which ENI entries. The glue between the topology (model and layout) and
 * the BPF maps (bpf_loader.h), used by `up` to install it and by later
 * commands (sg, flows, status) to open and change it. */
#ifndef VPCSIM_VPC_DATAPLANE_H
#define VPCSIM_VPC_DATAPLANE_H

#include "kernel/bpf_loader.h"
#include "model/layout.h"
#include "model/policy.h"
#include "util/paths.h"

#define VPC_DP_PATH_MAX 256

/* /sys/fs/bpf/vpcsim/<topo> and /sys/fs/bpf/vpcsim/<topo>/<vpc>. */
void vpc_dp_topo_dir(const char *topo, char out[VPC_DP_PATH_MAX]);
void vpc_dp_pin_dir(const struct layout *L, int vpc, char out[VPC_DP_PATH_MAX]);

/* Compile the policy that VPC `vpc`'s maps hold: its own groups and NACLs. */
int vpc_dp_compile(const struct layout *L, int vpc, struct policy *pol);

/* Load and pin the data plane of VPC `vpc` and fill everything but the ENI
 * table: policy `pol` (compiled by vpc_dp_compile), the memberships of
 * every ENI of this VPC and of the VPCs peered with it, the internet
 * gateway as an outside link. */
int vpc_dp_install(const struct layout *L, int vpc, const struct policy *pol,
		   struct dataplane **out);

/* The ENI table entry of attachment `att` (a VPC ENI). */
void vpc_dp_eni(const struct layout *L, const struct policy *pol, int att, struct dp_eni *out);
/* The same for an attachment outside the layout (a per-sandbox ENI of an
 * execution environment; a->node may be -1). */
void vpc_dp_eni_of(const struct layout *L, const struct policy *pol,
		   const struct attachment *a, struct dp_eni *out);
/* Add attachment a's address as a member of its groups in the data planes
 * of its VPC and of the VPCs peered with it, so rules naming its groups
 * match it (vpc_dp_eni_leave() takes it out). Keeps going past errors;
 * returns the first. */
int vpc_dp_members_add(const struct layout *L, const struct attachment *a);
/* Attachment a's ENI is removed (an environment's per-sandbox ENI): its
 * entry leaves its VPC's data plane (dp_eni_remove), its address leaves
 * its groups, and the tracking entries of every ENI whose remote end is
 * that address go, in its VPC and the VPCs peered with it, so whoever gets
 * the address next finds none of its flows. Each data plane is opened
 * once. Keeps going past errors; returns the first. */
int vpc_dp_eni_leave(const struct layout *L, const struct attachment *a);

/* Open the pins of VPC `vpc` of a topology that is up. */
int vpc_dp_open(const struct layout *L, int vpc, struct dataplane **out);

/* The drop counters of VPC `vpc` (open, read, close), indexed by enum
 * dp_drop_reason. */
int vpc_dp_drops_read(const struct layout *L, int vpc, struct dp_counter out[DP_DROP__MAX]);

#endif
