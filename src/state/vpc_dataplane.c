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

/* Per-sandbox ENIs whose tracking tables are made at `up`, per function
 * attaching that way: environments take the lowest free e<k> after the
 * router's layout attachments, and a detached one's link lingers while the
 * kernel removes its namespace (lambda/env.c), so two per function cover
 * attach, detach, attach again without a grace period. */
#define CT_SANDBOX_SPARES_PER_FN 2
#define CT_SANDBOX_SPARES_MAX 16

/* The tracking tables of every ENI of the VPC, and of the first
 * per-sandbox ENIs its functions will attach, with one batch: each single
 * insertion into the map of maps would wait for a grace period. */
static int ct_tables_add(const struct layout *L, int vpc, struct dataplane *dp)
{
	const struct topology *t = L->t;
	int n = 0, spares = 0, first = L->routers[L->vpc_router[vpc]].n_attachments, err;
	uint32_t *ifindex;

	for (int f = 0; t->eni_mode != ENI_MODE_HYPERPLANE && f < t->n_functions; f++)
		if (t->functions[f].has_vpc && t->functions[f].vpc == vpc)
			spares += CT_SANDBOX_SPARES_PER_FN;
	if (spares > CT_SANDBOX_SPARES_MAX)
		spares = CT_SANDBOX_SPARES_MAX;
	ifindex = calloc((size_t)L->n_atts + (size_t)spares + 1, sizeof(*ifindex));
	if (!ifindex)
		return errf(ENOMEM, "tracking tables of VPC %s", t->vpcs[vpc].name);
	for (int i = 0; i < L->n_atts; i++)
		if (L->atts[i].vpc == vpc)
			ifindex[n++] = (uint32_t)L->atts[i].ifindex;
	for (int k = 0; k < spares; k++)
		ifindex[n++] = (uint32_t)(IFINDEX_ATT_BASE + first + k);
	err = dp_ct_tables_add(dp, ifindex, n, (uint32_t)t->conntrack_allowance);
	free(ifindex);
	return err;
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
	if (!err)
		err = ct_tables_add(L, vpc, dp);
	if (!err && L->vpc_igw[vpc] >= 0)
		err = dp_outside_link_add(dp, (uint32_t)L->links[L->vpc_igw[vpc]].ifindex[0]);
	/* Gateway endpoints lead outside too: only replies come in by them. */
	for (int e = 0; !err && e < v->n_endpoints; e++) {
		int l = layout_vpce_link(L, vpc, e, LINK_VPCE);

		if (l >= 0)
			err = dp_outside_link_add(dp, (uint32_t)L->links[l].ifindex[0]);
	}
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

int vpc_dp_members_add(const struct layout *L, const struct attachment *a)
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
			err = dp_member_set(dp, member_origin(L, v, a->vpc), a->ip, ids, n);
			dp_close(dp);
		}
		if (err < 0 && !first)
			first = err;
	}
	return first;
}

int vpc_dp_eni_leave(const struct layout *L, const struct attachment *a)
{
	int first = 0;

	for (int v = 0; v < L->t->n_vpcs; v++) {
		struct dataplane *dp;
		int err[3] = { 0 };

		if (v != a->vpc && !topo_peered(L->t, a->vpc, v))
			continue;
		err[0] = vpc_dp_open(L, v, &dp);
		if (err[0] == 0) {
			if (v == a->vpc)
				err[0] = dp_eni_remove(dp, (uint32_t)a->ifindex);
			err[1] = dp_member_remove(dp, member_origin(L, v, a->vpc), a->ip);
			err[2] = dp_ct_forget_peer(dp, a->ip);
			dp_close(dp);
		}
		for (int i = 0; i < 3 && !first; i++)
			if (err[i] < 0)
				first = errf_prefix(err[i], "removing ENI %s from the data plane "
						    "of VPC %s", a->eni_id[0] ? a->eni_id : "(none)",
						    L->t->vpcs[v].name);
	}
	return first;
}
