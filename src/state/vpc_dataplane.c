/* A VPC's data plane from its layout: pins, policy, ENI entries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "state/vpc_dataplane.h"

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

static int att_groups(const struct layout *L, const struct attachment *a, uint16_t *ids)
{
	for (int i = 0; i < a->n_sgs; i++)
		ids[i] = policy_group_id(L->t, a->vpc, a->sgs[i]);
	return a->n_sgs;
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

		if (a->vpc < 0 || (a->vpc != vpc && !topo_peered(L->t, a->vpc, vpc)))
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
{	const struct subnet *sn = &L->t->vpcs[a->vpc].subnets[a->subnet];
	uint16_t ids[ENI_SG_MAX];
	int n = att_groups(L, a, ids);

	memset(out, 0, sizeof(*out));
	/* The low 32 bits of the ENI id's hex digits, for drop events. */
	out->eni_id = (uint32_t)strtoul(a->eni_id + strlen(a->eni_id) - 8, NULL, 16);
	out->ip = htonl(a->ip);
	out->subnet = htonl(sn->cidr.addr & cidr_mask(sn->cidr.len));
	out->subnet_mask = htonl(cidr_mask(sn->cidr.len));
	out->nacl_id = policy_nacl_id(L->t, a->vpc, sn->nacl);
	out->n_sgs = (uint8_t)n;
	memcpy(out->sg_ids, ids, sizeof(ids[0]) * (size_t)n);
	out->flags = policy_eni_flags(pol, ids, n);
	if (a->public_ip)
		out->flags |= DP_ENI_F_HAS_PUBLIC_IP;
	/* Hyperplane: functions reach the VPC through the ENI; nothing can
	 * connect into them, whatever their groups admit. Every flow is then
	 * tracked, so its replies find their entry. */
	if (a->node >= 0 && L->nodes[a->node].kind == NODE_HYPERPLANE) {
		out->flags &= (uint16_t)~(DP_ENI_F_INGRESS_OPEN | DP_ENI_F_EGRESS_OPEN);
		out->flags |= DP_ENI_F_NO_INBOUND;
	}
	/* A NAT gateway forwards for others and has no security groups. */
	if (a->node >= 0 && L->nodes[a->node].kind == NODE_NAT)
		out->flags |= DP_ENI_F_SRC_DST_CHECK_EXEMPT | DP_ENI_F_NO_SECURITY_GROUPS;
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
			err = add ? dp_member_set(dp, a->ip, ids, n) : dp_member_remove(dp, a->ip);
			dp_close(dp);
		}
		if (err < 0 && !first)
			first = err;
	}
	return first;
}
