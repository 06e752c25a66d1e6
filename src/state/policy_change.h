/* Changing the security-group policy of a VPC that is up, as one
 * transaction on its maps: compile the VPC's policy from the new layout,
 * swap the policy generation (dp_policy_write: a packet sees the old or the
 * new policy, never a mix), then refresh the ENI entries whose flags depend
 * on the rules (untracked flows). policy_change_undo() puts the old policy
 * and entries back. Programs and links are not touched. `sg` uses it
 * before it renames the edited topology over the old one. */
#ifndef VPCSIM_POLICY_CHANGE_H
#define VPCSIM_POLICY_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "state/vpc_dataplane.h"
#include "model/layout.h"
#include "model/policy.h"

/* A live change of one VPC's maps, with what it takes to undo it. Zero it
 * before use. */
struct policy_change {
	struct dataplane *dp;
	struct policy old_pol, new_pol;
	uint32_t *ifindex;         /* ENI entries replaced, and their old values */
	struct dp_eni *old_eni;
	int n_eni;
	bool policy_written;
};

/* May the maps built from layout a be changed to layout b in place? Only
 * if the edit changed rules only: every group keeps its id (so the members
 * maps of this VPC and of peered VPCs stay right) and every ENI keeps its
 * address, interface and groups. Checked, not assumed. */
bool policy_change_allowed(const struct layout *a, const struct layout *b);

/* Change VPC vi from oldL's policy to newL's; `extra` are ENIs outside the
 * layout (per-sandbox ENIs of execution environments) whose entries are
 * refreshed too. On failure, call policy_change_undo(). */
int policy_change_apply(struct policy_change *c, const struct layout *oldL,
			const struct layout *newL, int vi,
			const struct attachment *extra, int n_extra);
/* Best effort: the error that led here is the one reported. */
void policy_change_undo(struct policy_change *c);
void policy_change_free(struct policy_change *c);

#endif
