/* The ENI table entry of an attachment; see eni_entry.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "model/eni_entry.h"

int eni_group_ids(const struct layout *L, const struct attachment *a, uint16_t *ids)
{
	for (int i = 0; i < a->n_sgs; i++)
		ids[i] = policy_group_id(L->t, a->vpc, a->sgs[i]);
	return a->n_sgs;
}

void eni_entry_build(const struct layout *L, const struct policy *pol,
		     const struct attachment *a, struct dp_eni *out)
{
	const struct subnet *sn = &L->t->vpcs[a->vpc].subnets[a->subnet];
	uint16_t ids[ENI_SG_MAX];
	int n = eni_group_ids(L, a, ids);

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
	/* Hyperplane and per-sandbox: functions reach the VPC through the ENI;
	 * nothing can connect into them, whatever their groups admit. Every
	 * flow is then tracked, so its replies find their entry. A per-sandbox
	 * ENI (an execution environment's attachment, which is no layout node:
	 * a->node < 0) is a function's too. */
	if (a->node < 0 || L->nodes[a->node].kind == NODE_HYPERPLANE) {
		out->flags &= (uint16_t)~(DP_ENI_F_INGRESS_OPEN | DP_ENI_F_EGRESS_OPEN);
		out->flags |= DP_ENI_F_NO_INBOUND;
	}
	/* A NAT gateway forwards for others and has no security groups. */
	if (a->node >= 0 && L->nodes[a->node].kind == NODE_NAT)
		out->flags |= DP_ENI_F_SRC_DST_CHECK_EXEMPT | DP_ENI_F_NO_SECURITY_GROUPS;
}
