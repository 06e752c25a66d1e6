/* VPC endpoints in the reach walk (docs/REACH.md, "VPC endpoints"): the
 * prefix-list route a gateway endpoint adds to its tables, the endpoint's
 * router (source NAT towards the zone, and back), the AWS zone's
 * addresses on the internet, and why a VPC subnet without NAT or endpoint
 * cannot reach a service. As plan.c builds them. */
#include <stdio.h>
#include <string.h>

#include "model/aws_zone.h"
#include "model/endpoint.h"
#include "model/reach_internal.h"

int reach_zone_service(const struct topology *t, uint32_t ip)
{
	for (int s = 0; s < AWS_SERVICE_COUNT; s++)
		if (aws_serves(t, s) && aws_service_ip(s) == ip)
			return s;
	return -1;
}

bool reach_gateway_endpoint(struct walk *w, int v, int s, int rt, const struct route *r,
			    struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	const struct vpc *vpc = &L->t->vpcs[v];
	int svc = reach_zone_service(L->t, p->dst), e, router;
	char comp[96], pl[PL_ID_LEN], id[VPCE_ID_LEN], sn[96];

	if (svc < 0 || (e = vpce_gateway_for(L->t, v, rt, svc)) < 0)
		return false;
	/* The longest prefix wins: a /32 route of the table's own to the
	 * same address is as specific and wins (AWS). */
	if (r && r->dst.len >= 32)
		return false;
	vpce_prefix_list_id(L->t, svc, pl);
	vpce_id(L->t, v, e, id);
	vpce_service_name(L->t, svc, sn, sizeof(sn));
	snprintf(comp, sizeof(comp), "route table %s/%s", vpc->name, vpc->route_tables[rt].name);
	walk_hop(w, comp, "subnet %s: route %s (%s) -> %s", vpc->subnets[s].name, pl, sn, id);
	router = layout_vpce_router(L, v, e);
	n->router = router;
	n->link = layout_vpce_link(L, v, e, LINK_VPCE);
	return true;
}

bool router_vpce(struct walk *w, int router, int in_link, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	const struct router *rt = &L->routers[router];
	const struct vpc *vpc = &L->t->vpcs[rt->vpc];
	int zl = layout_vpce_link(L, rt->vpc, rt->endpoint, LINK_VPCE_ZONE);
	char comp[128], id[VPCE_ID_LEN], a1[IP4_STRLEN], a2[IP4_STRLEN];

	vpce_id(L->t, rt->vpc, rt->endpoint, id);
	snprintf(comp, sizeof(comp), "VPC endpoint %s (%s, gateway)", id,
		 vpc->endpoints[rt->endpoint].name);
	if (in_link == zl) {
		if (!w->reply || p->dst != L->links[zl].ip[0] || !w->vpce_orig)
			return walk_block(w, REACH_NO_PATH, comp,
					  "a gateway endpoint carries only its VPC's own connections",
					  "a gateway endpoint accepts no connection from outside its VPC");
		walk_hop(w, comp, "the reply: destination back to %s", ip4_str(w->vpce_orig, a1));
		p->dst = w->vpce_orig;
		n->router = L->vpc_router[rt->vpc];
		n->link = layout_vpce_link(L, rt->vpc, rt->endpoint, LINK_VPCE);
		return true;
	}
	w->vpce_orig = p->src;
	walk_hop(w, comp, "to %s privately (the AWS network, no internet gateway); source NAT %s "
		 "becomes %s", aws_service_name(vpc->endpoints[rt->endpoint].service),
		 ip4_str(p->src, a1), ip4_str(L->links[zl].ip[0], a2));
	p->src = L->links[zl].ip[0];
	n->router = L->inet;
	n->link = zl;
	return true;
}

bool router_inet_zone(struct walk *w, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;

	int svc = reach_zone_service(L->t, p->dst), d = reach_distribution_at(L->t, p->dst);

	if (L->aws_node >= 0 && (svc >= 0 || d >= 0)) {
		if (svc >= 0)
			walk_hop(w, "internet", "to the AWS zone (%s)", aws_service_name(svc));
		else
			walk_hop(w, "internet", "to the AWS zone (CloudFront distribution %s)",
				 L->t->cloudfront[d].name);
		n->att = &L->atts[L->nodes[L->aws_node].att];
		return true;
	}
	for (int l = 0; l < L->n_links; l++)
		if (L->links[l].kind == LINK_VPCE_ZONE && L->links[l].ip[0] == p->dst) {
			n->router = L->links[l].router[0];
			n->link = l;
			return true;
		}
	return false;
}

void reach_service_no_route(const struct walk *w, int v, const struct route_table *rt,
			    uint32_t dst, char *fix, size_t len)
{
	const struct topology *t = w->L->t;
	int svc = reach_zone_service(t, dst);
	const char *name = aws_service_name(svc);

	if (svc == AWS_S3 || svc == AWS_DYNAMODB)
		snprintf(fix, len, "add a gateway endpoint {\"service\": \"%s\", \"type\": \"gateway\", "
			 "\"route_tables\": [\"%s\"]} to VPC %s, or route 0.0.0.0/0 to a NAT gateway",
			 name, rt->name, t->vpcs[v].name);
	else if (svc == AWS_EXECUTE_API) /* public: private APIs are not modelled */
		snprintf(fix, len, "route 0.0.0.0/0 to a NAT gateway: the HTTP API is a public "
			 "endpoint in the internet");
	else
		snprintf(fix, len, "add an interface endpoint {\"service\": \"%s\", \"type\": "
			 "\"interface\"} to VPC %s (its group admitting tcp 443), or route 0.0.0.0/0 to "
			 "a NAT gateway", name, t->vpcs[v].name);
}

bool reach_resolve_service(const struct layout *L, int src_vpc, const char *name, uint32_t *ip,
			   int *node)
{
	char bucket[AWS_HOST_MAX];
	int s = L->aws_node >= 0 ? aws_zone_route(L->t, name, bucket) : -1, e;

	if (!strcmp(name, HTTP_API_TARGET) && aws_serves(L->t, AWS_EXECUTE_API))
		s = AWS_EXECUTE_API; /* the topology's HTTP API by its short name */
	else if (s < 0 || !strchr(name, '.'))
		return false;
	*ip = aws_service_ip(s);
	*node = L->aws_node;
	e = src_vpc >= 0 ? vpce_private_dns_for(L->t, src_vpc, s) : -1;
	for (int i = 0; e >= 0 && i < L->n_vpce_enis; i++)
		if (L->vpce_enis[i].vpc == src_vpc && L->vpce_enis[i].endpoint == e) {
			*node = L->vpce_enis[i].node;
			*ip = L->atts[L->nodes[*node].att].ip;
			break;
		}
	return true;
}

bool reach_peer_gateway_endpoint(struct walk *w, int v, int in_link, uint32_t dst)
{
	const struct layout *L = w->L;
	int svc = reach_zone_service(L->t, dst);
	char comp[96];

	if (svc < 0 || in_link < 0 || L->links[in_link].kind != LINK_PEERING)
		return false;
	for (int rt = 0; rt < L->t->vpcs[v].n_route_tables; rt++)
		if (vpce_gateway_for(L->t, v, rt, svc) >= 0) {
			snprintf(comp, sizeof(comp), "VPC router %s", L->t->vpcs[v].name);
			walk_block(w, REACH_PEERING_NOT_TRANSITIVE, comp,
				   "give this VPC its own endpoint (or a NAT gateway): endpoints cannot be "
				   "used across a peering",
				   "the gateway endpoint of VPC %s for %s serves only that VPC's own subnets; "
				   "traffic that came in by peering %s cannot use it", L->t->vpcs[v].name,
				   aws_service_name(svc), L->t->peerings[L->links[in_link].ref].name);
			return true;
		}
	return false;
}
