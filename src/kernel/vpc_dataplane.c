/* A VPC's data plane from its layout: pins, policy, ENI entries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "kernel/vpc_dataplane.h"

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
	out->ct_allowance = (uint32_t)L->t->conntrack_allowance;
	if (a->node >= 0 && L->nodes[a->node].kind == NODE_RESOURCE) {
		const struct conntrack_spec *c =
			&L->t->resources[L->nodes[a->node].index].conntrack;

		out->ct_tcp_established_s = (uint32_t)c->tcp_established_s;
		out->ct_udp_s = (uint16_t)c->udp_s;
		out->ct_udp_stream_s = (uint16_t)c->udp_stream_s;
	}
	if (a->public_ip)
		out->flags |= DP_ENI_F_HAS_PUBLIC_IP;
	/* Hyperplane and per-sandbox: functions reach the VPC through the ENI; nothing can
	 * connect into them, whatever their groups admit. Every flow is then
	 * tracked, so its replies find their entry. */
	/* A per-sandbox ENI (an execution environment's attachment, which is
	 * no layout node: a->node < 0) is a function's too. */
	if (a->node < 0 || L->nodes[a->node].kind == NODE_HYPERPLANE) {
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
