/* Names of things, rules and traffic in plain words, for hops, blocks and
 * fixes. */
#include <stdio.h>
#include <string.h>

#include "model/reach_internal.h"

static const char *const code_names[REACH__COUNT] = {
	[REACH_OK] = "OK",
	[REACH_ENI_SG_RULES_MISMATCH] = "ENI_SG_RULES_MISMATCH",
	[REACH_SG_HAS_NO_RULES] = "SG_HAS_NO_RULES",
	[REACH_SUBNET_ACL_RESTRICTION] = "SUBNET_ACL_RESTRICTION",
	[REACH_NO_ROUTE_TO_DESTINATION] = "NO_ROUTE_TO_DESTINATION",
	[REACH_BAD_STATE_ROUTE] = "BAD_STATE_ROUTE",
	[REACH_MORE_SPECIFIC_ROUTE] = "MORE_SPECIFIC_ROUTE",
	[REACH_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS] = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
	[REACH_DISCONNECTED_VPCS] = "DISCONNECTED_VPCS",
	[REACH_PEERING_NOT_TRANSITIVE] = "PEERING_NOT_TRANSITIVE",
	[REACH_NO_PATH] = "NO_PATH",
	[REACH_LAMBDA_NO_INBOUND] = "LAMBDA_NO_INBOUND",
	[REACH_LAMBDA_NO_VPC_CONFIG] = "LAMBDA_NO_VPC_CONFIG",
	[REACH_NO_LISTENER] = "NO_LISTENER",
	[REACH_NO_PUBLIC_IP] = "NO_PUBLIC_IP",
};

const char *reach_code_name(enum reach_code c)
{
	return c >= 0 && c < REACH__COUNT ? code_names[c] : "UNKNOWN";
}

void text_eni(const struct layout *L, const struct attachment *a, char *buf, size_t len)
{
	const struct node *n = a->node >= 0 ? &L->nodes[a->node] : NULL;

	if (!n)
		snprintf(buf, len, "%s (an environment's own ENI)", a->eni_id);
	else if (n->kind == NODE_HYPERPLANE)
		snprintf(buf, len, "%s (hyperplane ENI of %s)", a->eni_id,
			 L->hpls[n->index].functions);
	else if (n->kind == NODE_NAT)
		snprintf(buf, len, "%s (NAT gateway %s)", a->eni_id, n->name);
	else if (n->kind == NODE_VPCE)
		snprintf(buf, len, "%s (VPC endpoint %s)", a->eni_id,
			 L->t->vpcs[n->vpc].endpoints[L->vpce_enis[n->index].endpoint].name);
	else if (a->vpc >= 0)
		snprintf(buf, len, "%s (%s)", a->eni_id, n->name);
	else
		snprintf(buf, len, "internet host %s", n->name);
}

void text_traffic(uint8_t proto, uint16_t port, uint16_t icmp, char *buf, size_t len)
{
	if (proto == 6 || proto == 17)
		snprintf(buf, len, "%s %u", proto == 6 ? "tcp" : "udp", port);
	else if (proto == 1 && icmp == 0x0800)
		snprintf(buf, len, "icmp echo request");
	else if (proto == 1 && icmp == 0)
		snprintf(buf, len, "icmp echo reply");
	else if (proto == 1)
		snprintf(buf, len, "icmp type %u code %u", icmp >> 8, icmp & 0xff);
	else
		snprintf(buf, len, "protocol %u", proto);
}

void text_group(const struct topology *t, int vpc, int sg, char *buf, size_t len)
{
	snprintf(buf, len, "group %s/%s", t->vpcs[vpc].name, t->vpcs[vpc].security_groups[sg].name);
}

static void text_ports(int proto, struct port_range pr, int type, int code, char *buf, size_t len)
{
	char p[8];

	if (proto == PROTO_ALL)
		snprintf(buf, len, "all");
	else if (proto == 6 || proto == 17) {
		if (pr.lo == 0 && pr.hi == 65535)
			snprintf(buf, len, "%s all ports", proto_str(proto, p));
		else if (pr.lo == pr.hi)
			snprintf(buf, len, "%s %u", proto_str(proto, p), pr.lo);
		else
			snprintf(buf, len, "%s %u-%u", proto_str(proto, p), pr.lo, pr.hi);
	} else if (proto == 1) {
		if (type == ICMP_ANY)
			snprintf(buf, len, "icmp all");
		else if (code == ICMP_ANY)
			snprintf(buf, len, "icmp type %d", type);
		else
			snprintf(buf, len, "icmp type %d code %d", type, code);
	} else
		snprintf(buf, len, "protocol %d", proto);
}

void text_sg_rule(const struct topology *t, int vpc, const struct sg_rule *r,
		  bool ingress, char *buf, size_t len)
{
	char ports[48], peer[96], c[CIDR_STRLEN];

	text_ports(r->proto, r->ports, r->icmp_type, r->icmp_code, ports, sizeof(ports));
	if (r->peer_is_sg)
		text_group(t, r->peer_vpc, r->peer_sg, peer, sizeof(peer));
	else
		snprintf(peer, sizeof(peer), "%s", cidr_str(r->cidr, c));
	(void)vpc;
	snprintf(buf, len, "%s %s %s", ports, ingress ? "from" : "to", peer);
}

void text_nacl_rule(const struct nacl_rule *r, bool ingress, char *buf, size_t len)
{
	char ports[48], c[CIDR_STRLEN];

	text_ports(r->proto, r->ports, r->icmp_type, r->icmp_code, ports, sizeof(ports));
	snprintf(buf, len, "%s %s %s %s", r->allow ? "allow" : "deny", ports,
		 ingress ? "from" : "to", cidr_str(r->cidr, c));
}

void text_peer(const struct walk *w, int vpc, uint32_t ip, char *buf, size_t len)
{
	const struct attachment *m = walk_member(w, vpc, ip);
	char s[IP4_STRLEN];

	if (m && m->n_sgs > 0)
		text_group(w->L->t, m->vpc, m->sgs[0], buf, len);
	else
		snprintf(buf, len, "%s/32", ip4_str(ip, s));
}
