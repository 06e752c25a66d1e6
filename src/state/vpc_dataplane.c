/* A VPC's data plane from its layout: pins, policy, ENI entries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "state/vpc_dataplane.h"
#include "model/eni_entry.h"

void vpc_dp_topo_dir(const char *topo, char out[VPC_DP_PATH_MAX])
{
	path_pin_dir(out, VPC_DP_PATH_MAX, topo, NULL);
}

void vpc_dp_pin_dir(const struct layout *L, int vpc, char out[VPC_DP_PATH_MAX])
{
	path_pin_dir(out, VPC_DP_PATH_MAX, L->t->name, L->t->vpcs[vpc].name);
}

int vpc_dp_compile(const struct layout *L, int vpc, struct policy *pol)
{
	policy_init(pol);
	return policy_compile_vpc(pol, L->t, vpc);
}

/* Where the ENIs of VPC `from` are, seen from VPC `at`'s router: this VPC
 * (DP_ORIGIN_VPC), or the router-side ifindex of the peering link to it. */
static uint32_t member_origin(const struct layout *L, int at, int from)
{
	if (at == from)
		return DP_ORIGIN_VPC;
	for (int p = 0; p < L->t->n_peerings; p++) {
		const int *v = L->t->peerings[p].vpc;
		int k = layout_peering_link(L, p);

		if (k < 0 || !((v[0] == at && v[1] == from) || (v[0] == from && v[1] == at)))
			continue;
		return (uint32_t)L->links[k].ifindex[L->links[k].router[0] == L->vpc_router[at] ? 0 : 1];
	}
	return DP_ORIGIN_NONE;
}

static int att_groups(const struct layout *L, const struct attachment *a, uint16_t *ids)
{
	return eni_group_ids(L, a, ids);
}

int vpc_dp_install(const struct layout *L, int vpc, const struct policy *pol,
		   struct dataplane **out)
{
	const struct vpc *v = &L->t->vpcs[vpc];
	char dir[VPC_DP_PATH_MAX];
	struct dataplane *dp;
	int err;

	vpc_dp_pin_dir(L, vpc, dir);
	err = dp_bpffs_ensure();
	if (err < 0)
		return err;
	/* VPC ids are 1-based: 0 means none in drop events. */
	err = dp_load((uint32_t)vpc + 1, v->cidr.addr + 2, v->cidr.addr, v->cidr.len, dir, &dp);
	if (err < 0)
		return err;
	err = dp_policy_write(dp, pol);
	for (int i = 0; !err && i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];
		uint16_t ids[ENI_SG_MAX];

		if (a->vpc < 0 || (a->vpc != vpc && !topo_peered(L->t, a->vpc, vpc)))
			continue;
		err = dp_member_set(dp, member_origin(L, vpc, a->vpc), a->ip, ids,
				    att_groups(L, a, ids));
	}
	if (!err && L->vpc_igw[vpc] >= 0)
		err = dp_outside_link_add(dp, (uint32_t)L->links[L->vpc_igw[vpc]].ifindex[0]);
	if (err < 0) {
		dp_close(dp);
		return errf_prefix(err, "data plane of VPC %s", v->name);
	}
	*out = dp;
	return 0;
}

void vpc_dp_eni(const struct layout *L, const struct policy *pol, int att, struct dp_eni *out)
{
	vpc_dp_eni_of(L, pol, &L->atts[att], out);
}

void vpc_dp_eni_of(const struct layout *L, const struct policy *pol,
		   const struct attachment *a, struct dp_eni *out)
{
	eni_entry_build(L, pol, a, out);
}

int vpc_dp_open(const struct layout *L, int vpc, struct dataplane **out)
{
	char dir[VPC_DP_PATH_MAX];

	vpc_dp_pin_dir(L, vpc, dir);
	return dp_open(dir, out);
}

int vpc_dp_drops_read(const struct layout *L, int vpc, struct dp_counter out[DP_DROP__MAX])
{
	struct dataplane *dp;
	int err = vpc_dp_open(L, vpc, &dp);

	if (err == 0) {
		err = dp_drop_counters_read(dp, out);
		dp_close(dp);
	}
	return err < 0 ? errf_prefix(err, "drop counters of VPC %s", L->t->vpcs[vpc].name) : 0;
}

int vpc_dp_members(const struct layout *L, const struct attachment *a, bool add)
{
	uint16_t ids[ENI_SG_MAX];
	int n = att_groups(L, a, ids), first = 0;

	for (int v = 0; v < L->t->n_vpcs; v++) {
		struct dataplane *dp;
		int err;

		if (v != a->vpc && !topo_peered(L->t, a->vpc, v))
			continue;
		err = vpc_dp_open(L, v, &dp);
		if (err == 0) {
			uint32_t o = member_origin(L, v, a->vpc);

			err = add ? dp_member_set(dp, o, a->ip, ids, n)
				  : dp_member_remove(dp, o, a->ip);
			dp_close(dp);
		}
		if (err < 0 && !first)
			first = err;
	}
	return first;
}

int vpc_dp_forget_peer(const struct layout *L, const struct attachment *a)
{
	int first = 0;

	for (int v = 0; v < L->t->n_vpcs; v++) {
		struct dataplane *dp;
		int err;

		if (v != a->vpc && !topo_peered(L->t, a->vpc, v))
			continue;
		err = vpc_dp_open(L, v, &dp);
		if (err == 0) {
			err = dp_ct_forget_peer(dp, a->ip);
			dp_close(dp);
		}
		if (err < 0 && !first)
			first = errf_prefix(err, "forgetting the flows of a removed ENI in VPC %s",
					    L->t->vpcs[v].name);
	}
	return first;
}
