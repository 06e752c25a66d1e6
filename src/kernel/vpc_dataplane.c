/* A VPC's data plane from its layout: pins, policy, ENI entries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "kernel/vpc_dataplane.h"
#include "model/eni_entry.h"

void vpc_dp_topo_dir(const char *topo, char out[VPC_DP_PATH_MAX])
{
	snprintf(out, VPC_DP_PATH_MAX, "%s/%s", PIN_ROOT, topo);
}

void vpc_dp_pin_dir(const struct layout *L, int vpc, char out[VPC_DP_PATH_MAX])
{
	snprintf(out, VPC_DP_PATH_MAX, "%s/%s/%s", PIN_ROOT, L->t->name, L->t->vpcs[vpc].name);
}

int vpc_dp_compile(const struct layout *L, int vpc, struct policy *pol)
{
	policy_init(pol);
	return policy_compile_vpc(pol, L->t, vpc);
}

static bool peered(const struct topology *t, int a, int b)
{
	for (int p = 0; p < t->n_peerings; p++) {
		const int *v = t->peerings[p].vpc;

		if ((v[0] == a && v[1] == b) || (v[0] == b && v[1] == a))
			return true;
	}
	return false;
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
	err = dp_load((uint32_t)vpc + 1, v->cidr.addr + 2, dir, &dp);
	if (err < 0)
		return err;
	err = dp_policy_write(dp, pol);
	for (int i = 0; !err && i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];
		uint16_t ids[ENI_SG_MAX];

		if (a->vpc < 0 || (a->vpc != vpc && !peered(L->t, a->vpc, vpc)))
			continue;
		err = dp_member_set(dp, a->ip, ids, att_groups(L, a, ids));
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

		if (v != a->vpc && !peered(L->t, a->vpc, v))
			continue;
		err = vpc_dp_open(L, v, &dp);
		if (err == 0) {
			err = add ? dp_member_set(dp, a->ip, ids, n) : dp_member_remove(dp, a->ip);
			dp_close(dp);
		}
		if (err < 0 && !first)
			first = err;
	}
	return first;
}
