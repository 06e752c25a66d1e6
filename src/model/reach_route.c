/* The routers of the reach walk: a VPC router (its rules and route
 * tables, the internet gateway's 1:1 NAT), the simulated internet and the
 * Lambda service VPC, as plan.c builds them. See reach.h. */
#include <stdio.h>
#include <string.h>

#include "model/reach_internal.h"

/* ENIs of VPC vpc (the router's /32s), the per-sandbox one included. */
const struct attachment *walk_vpc_att(const struct walk *w, int vpc, uint32_t ip)
{
	if (w->sandbox && w->sandbox->vpc == vpc && w->sandbox->ip == ip)
		return w->sandbox;
	for (int i = 0; i < w->L->n_atts; i++)
		if (w->L->atts[i].vpc == vpc && w->L->atts[i].ip == ip)
			return &w->L->atts[i];
	return NULL;
}

static int vpc_of_ip(const struct topology *t, uint32_t ip)
{
	for (int v = 0; v < t->n_vpcs; v++)
		if (cidr_contains_ip(t->vpcs[v].cidr, ip))
			return v;
	return -1;
}

static int subnet_of(const struct vpc *v, uint32_t ip)
{
	for (int s = 0; s < v->n_subnets; s++)
		if (cidr_contains_ip(v->subnets[s].cidr, ip))
			return s;
	return -1;
}

static int peering_between(const struct topology *t, int a, int b)
{
	for (int p = 0; p < t->n_peerings; p++) {
		const int *v = t->peerings[p].vpc;

		if ((v[0] == a && v[1] == b) || (v[0] == b && v[1] == a))
			return p;
	}
	return -1;
}

/* The VPC the walk is trying to reach, from TO's node (or -1). */
static int target_vpc(const struct walk *w)
{
	return w->target_node >= 0 ? w->L->nodes[w->target_node].vpc : -1;
}

/* Nothing in VPC v has address dst (rule "to VPC_CIDR lookup main" ends
 * in main's blackhole). */
static bool block_no_eni(struct walk *w, int v, uint32_t dst)
{
	const struct topology *t = w->L->t;
	int tv = target_vpc(w);
	char comp[96], ip[IP4_STRLEN], c[CIDR_STRLEN], fix[REACH_TEXT];

	snprintf(comp, sizeof(comp), "VPC %s (%s)", t->vpcs[v].name, cidr_str(t->vpcs[v].cidr, c));
	ip4_str(dst, ip);
	if (tv >= 0 && tv != v) {
		snprintf(fix, sizeof(fix), "%s/%s overlap or are not connected: give %s a CIDR of its own, peer the VPCs and route between them",
			 t->vpcs[v].name, t->vpcs[tv].name, t->vpcs[tv].name);
		return walk_block(w, REACH_DISCONNECTED_VPCS, comp, fix,
				  "%s is the private address of %s in VPC %s, which VPC %s cannot reach: %s falls in its own CIDR, where no ENI has it",
				  ip, w->L->nodes[w->target_node].name, t->vpcs[tv].name, t->vpcs[v].name, ip);
	}
	return walk_block(w, REACH_NO_PATH, comp, "use the address of an existing ENI",
			  "no ENI of VPC %s has address %s", t->vpcs[v].name, ip);
}

/* Longest prefix match in table rt; NULL: only the blackhole default. */
static const struct route *route_lookup(const struct route_table *rt, uint32_t dst,
					const struct route **broader)
{
	const struct route *best = NULL;

	*broader = NULL;
	for (int i = 0; i < rt->n_routes; i++) {
		const struct route *r = &rt->routes[i];

		if (!cidr_contains_ip(r->dst, dst))
			continue;
		if (!best || r->dst.len > best->dst.len) {
			if (best && (!*broader || best->dst.len > (*broader)->dst.len))
				*broader = best;
			best = r;
		} else if (!*broader || r->dst.len > (*broader)->dst.len) {
			*broader = r;
		}
	}
	return best;
}

static void route_text(const struct topology *t, int v, const struct route *r, char *buf, size_t len)
{
	char c[CIDR_STRLEN];
	const char *k = "";
	const char *name = "";

	switch (r->kind) {
	case RT_IGW: k = "igw"; break;
	case RT_NAT: k = "nat:"; name = t->vpcs[v].nat_gateways[r->target].name; break;
	case RT_PEERING: k = "peering:"; name = t->peerings[r->target].name; break;
	case RT_BLACKHOLE: k = "blackhole"; break;
	case RT_LOCAL: k = "local"; break;
	}
	snprintf(buf, len, "%s -> %s%s", cidr_str(r->dst, c), k, name);
}

/* What the fix for a missing route should point at. */
static void suggest_route(const struct walk *w, int v, uint32_t dst, char *buf, size_t len)
{
	const struct topology *t = w->L->t;
	int dv = vpc_of_ip(t, dst), p = dv >= 0 ? peering_between(t, v, dv) : -1;
	char c[CIDR_STRLEN];

	if (p >= 0)
		snprintf(buf, len, "%s -> peering:%s", cidr_str(t->vpcs[dv].cidr, c), t->peerings[p].name);
	else if (t->vpcs[v].n_nat_gateways)
		snprintf(buf, len, "0.0.0.0/0 -> nat:%s", t->vpcs[v].nat_gateways[0].name);
	else
		snprintf(buf, len, "0.0.0.0/0 -> igw (with an internet gateway and a public address)");
}

static bool block_no_route(struct walk *w, int v, const struct route_table *rt, uint32_t dst)
{
	const struct topology *t = w->L->t;
	int dv = vpc_of_ip(t, dst);
	char comp[96], ip[IP4_STRLEN], sug[160], fix[REACH_TEXT];

	snprintf(comp, sizeof(comp), "route table %s/%s", t->vpcs[v].name, rt->name);
	ip4_str(dst, ip);
	suggest_route(w, v, dst, sug, sizeof(sug));
	if (dv >= 0 && dv != v && peering_between(t, v, dv) < 0 && !w->reply) {
		snprintf(fix, sizeof(fix), "peer VPC %s with VPC %s and route %s's CIDR to the peering on both sides",
			 t->vpcs[v].name, t->vpcs[dv].name, t->vpcs[dv].name);
		return walk_block(w, REACH_DISCONNECTED_VPCS, comp, fix,
				  "VPC %s and VPC %s (%s) are not connected: no peering, no route", t->vpcs[v].name,
				  t->vpcs[dv].name, ip);
	}
	snprintf(fix, sizeof(fix), "add a route %s to route table %s/%s", sug, t->vpcs[v].name, rt->name);
	if (reach_zone_service(t, dst) >= 0 && !w->reply) {
		reach_service_no_route(w, v, rt, dst, fix, sizeof(fix));
		return walk_block(w, REACH_NO_ROUTE_TO_DESTINATION, comp, fix,
				  "no route for %s (%s's public endpoint): the subnet has neither a NAT "
				  "gateway nor a VPC endpoint for it, so the SDK's connection times out",
				  ip, aws_service_name(reach_zone_service(t, dst)));
	}
	return walk_block(w, REACH_NO_ROUTE_TO_DESTINATION, comp, fix,
			  "no route for %s%s: the packet is dropped", ip,
			  w->reply ? " (the reply's way back)" : "");
}

static bool route_blackhole(struct walk *w, int v, const struct route_table *rt,
			    const struct route *r, const struct route *broader)
{
	const struct topology *t = w->L->t;
	char comp[96], rt_s[96], b_s[96], fix[REACH_TEXT];

	snprintf(comp, sizeof(comp), "route table %s/%s", t->vpcs[v].name, rt->name);
	route_text(t, v, r, rt_s, sizeof(rt_s));
	snprintf(fix, sizeof(fix), "point route %s of table %s/%s at a live target, or remove it",
		 rt_s, t->vpcs[v].name, rt->name);
	walk_block(w, REACH_BAD_STATE_ROUTE, comp, fix, "route %s is a blackhole: matching traffic is dropped", rt_s);
	if (broader && broader->kind != RT_BLACKHOLE && w->r->code == REACH_BAD_STATE_ROUTE) {
		route_text(t, v, broader, b_s, sizeof(b_s));
		w->r->code2 = REACH_MORE_SPECIFIC_ROUTE;
		snprintf(w->r->explanation + strlen(w->r->explanation),
			 sizeof(w->r->explanation) - strlen(w->r->explanation),
			 " (it is more specific than %s, which would carry it)", b_s);
	}
	return false;
}

static bool route_igw(struct walk *w, int v, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	const struct attachment *a = walk_vpc_att(w, v, p->src);
	char comp[96], ip[IP4_STRLEN], pub[IP4_STRLEN];

	snprintf(comp, sizeof(comp), "internet gateway of VPC %s", L->t->vpcs[v].name);
	ip4_str(p->src, ip);
	if (!a || !a->public_ip) {
		bool fn = a && a->node >= 0 && L->nodes[a->node].kind == NODE_HYPERPLANE;

		return walk_block(w, REACH_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS, comp,
				  fn || !a ? "functions never get a public address: route the subnet's internet traffic to a NAT gateway in a public subnet" :
				  "give the source a public address (public_ip: auto) or route its subnet's internet traffic to a NAT gateway",
				  "source %s has no public address: the internet gateway drops its packets", ip);
	}
	walk_hop(w, comp, "1:1 NAT: source %s becomes its public address %s", ip,
		 ip4_str(a->public_ip, pub));
	p->src = a->public_ip;
	n->router = L->inet;
	n->link = L->vpc_igw[v];
	return true;
}

static bool route_target(struct walk *w, int v, const struct route *r, struct rpkt *p,
			 struct next *n)
{
	const struct layout *L = w->L;
	int l;

	switch (r->kind) {
	case RT_IGW:
		return route_igw(w, v, p, n);
	case RT_NAT:
		n->att = &L->atts[L->nodes[L->nat_node[v][r->target]].att];
		return true;
	case RT_PEERING:
		l = layout_peering_link(L, r->target);
		if (l < 0 || (L->links[l].router[0] != L->vpc_router[v] &&
			      L->links[l].router[1] != L->vpc_router[v]))
			return walk_block(w, REACH_NO_PATH, "peering", "route to a peering of this VPC",
					  "the route's peering does not connect VPC %s", L->t->vpcs[v].name);
		n->router = L->links[l].router[0] == L->vpc_router[v] ? L->links[l].router[1]
									: L->links[l].router[0];
		n->link = l;
		walk_hop(w, "peering", "%s to VPC %s", L->t->peerings[r->target].name,
			 L->t->vpcs[L->routers[n->router].vpc].name);
		return true;
	default:
		return false;
	}
}

/* An Elastic IP of VPC v arriving from its internet gateway: the 1:1 NAT
 * turns it into the private address (a new connection by DNAT, a reply
 * by the connection's translation: the same mapping). */
static void igw_inbound(struct walk *w, int v, struct rpkt *p)
{
	char comp[96], pub[IP4_STRLEN], ip[IP4_STRLEN];

	for (int i = 0; i < w->L->n_atts; i++) {
		const struct attachment *a = &w->L->atts[i];

		if (a->vpc != v || !a->public_ip || a->public_ip != p->dst)
			continue;
		snprintf(comp, sizeof(comp), "internet gateway of VPC %s", w->L->t->vpcs[v].name);
		walk_hop(w, comp, "1:1 NAT: destination %s becomes %s", ip4_str(p->dst, pub),
			 ip4_str(a->ip, ip));
		p->dst = a->ip;
		return;
	}
}

bool router_vpc(struct walk *w, int router, int in_link, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	int v = L->routers[router].vpc, s;
	const struct vpc *vpc = &L->t->vpcs[v];
	const struct route *r, *broader;
	const struct route_table *rt;
	char comp[96], rs[96], c[CIDR_STRLEN];

	if (in_link >= 0 && L->links[in_link].kind == LINK_IGW)
		igw_inbound(w, v, p);
	snprintf(comp, sizeof(comp), "VPC router %s", vpc->name);
	if (cidr_contains_ip(vpc->cidr, p->dst)) {
		n->att = walk_vpc_att(w, v, p->dst);
		if (!n->att)
			return block_no_eni(w, v, p->dst);
		walk_hop(w, comp, "local route %s", cidr_str(vpc->cidr, c));
		return true;
	}
	s = subnet_of(vpc, p->src);
	if (s < 0) {
		if (reach_peer_gateway_endpoint(w, v, in_link, p->dst))
			return false;
		if (in_link >= 0 && L->links[in_link].kind == LINK_PEERING)
			return walk_block(w, REACH_PEERING_NOT_TRANSITIVE, comp,
					  "peering is not transitive: peer the two VPCs directly and route to that peering",
					  "traffic that came in by peering %s may only go to VPC %s itself, not beyond it",
					  L->t->peerings[L->links[in_link].ref].name, vpc->name);
		return walk_block(w, REACH_NO_PATH, comp, "only traffic from the VPC's subnets is routed onwards",
				  "a packet from outside the VPC to an address outside it is dropped");
	}
	rt = &vpc->route_tables[vpc->subnets[s].route_table];
	r = route_lookup(rt, p->dst, &broader);
	if (reach_gateway_endpoint(w, v, s, vpc->subnets[s].route_table, r, p, n))
		return true;
	if (!r)
		return block_no_route(w, v, rt, p->dst);
	if (r->kind == RT_BLACKHOLE)
		return route_blackhole(w, v, rt, r, broader);
	route_text(L->t, v, r, rs, sizeof(rs));
	snprintf(comp, sizeof(comp), "route table %s/%s", vpc->name, rt->name);
	walk_hop(w, comp, "subnet %s: route %s", vpc->subnets[s].name, rs);
	return route_target(w, v, r, p, n);
}

static bool is_private(uint32_t ip)
{
	static const struct cidr priv[] = {
		{ 0x0a000000, 8 }, { 0xac100000, 12 }, { 0xc0a80000, 16 }, { 0x64400000, 10 },
	};

	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		if (cidr_contains_ip(priv[i], ip))
			return true;
	return false;
}

bool router_inet(struct walk *w, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	char ip[IP4_STRLEN];

	if (router_inet_zone(w, p, n))
		return true;
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];

		if (a->router == L->inet && a->ip == p->dst) {
			n->att = a;
			return true;
		}
		if (a->vpc < 0 || !a->public_ip || a->public_ip != p->dst)
			continue;
		if (L->vpc_igw[a->vpc] < 0)
			return walk_block(w, REACH_NO_PATH, "internet", "give the VPC an internet gateway",
					  "%s is a public address in VPC %s, which has no internet gateway",
					  ip4_str(p->dst, ip), L->t->vpcs[a->vpc].name);
		walk_hop(w, "internet", "to the internet gateway of VPC %s", L->t->vpcs[a->vpc].name);
		n->router = L->vpc_router[a->vpc];
		n->link = L->vpc_igw[a->vpc];
		return true;
	}
	for (int l = 0; l < L->n_links && p->dst == L->lambda_egress_ip; l++)
		if (L->links[l].kind == LINK_LAMBDA) {
			n->router = L->lambda;
			n->link = l;
			return true;
		}
	ip4_str(p->dst, ip);
	if (w->from_service && !w->reply && is_private(p->dst))
		return walk_block(w, REACH_LAMBDA_NO_VPC_CONFIG, "Lambda service VPC",
				  "give the function a vpc_config with subnets of the target's VPC and a group the target admits",
				  "a function without vpc_config runs in the Lambda service VPC: it reaches the internet and no private address (%s)", ip);
	return walk_block(w, REACH_NO_ROUTE_TO_DESTINATION, "internet",
			  is_private(p->dst) ? "a private address is reachable only from inside its VPC (or a peered one); give the target a public address" :
			  "use an address of an internet host or a public address of the topology",
			  "the internet has no route to %s", ip);
}

bool router_lambda(struct walk *w, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	char ip[IP4_STRLEN];

	if (w->reply && p->dst == L->lambda_egress_ip && w->from_service) {
		walk_hop(w, "Lambda service VPC", "the reply, back to the environment");
		n->done = true;
		return true;
	}
	if (p->dst == L->lambda_egress_ip || cidr_contains_ip(L->t->service_cidr, p->dst))
		return walk_block(w, REACH_LAMBDA_NO_INBOUND, "Lambda service VPC",
				  "nothing can connect into a function: have the function connect out",
				  "the Lambda service VPC accepts no new connection");
	walk_hop(w, "Lambda service VPC", "source NAT to its public address %s",
		 ip4_str(L->lambda_egress_ip, ip));
	p->src = L->lambda_egress_ip;
	for (int l = 0; l < L->n_links; l++)
		if (L->links[l].kind == LINK_LAMBDA) {
			n->router = L->inet;
			n->link = l;
		}
	return true;
}
