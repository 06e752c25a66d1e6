/* The reach walk: a packet carried through routers, gateways and NAT the
 * way the kernel objects of the layout carry it (see reach.h and
 * docs/REACH.md). ENI checks are in reach_eni.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "model/reach_internal.h"

void walk_hop(struct walk *w, const char *component, const char *fmt, ...)
{
	struct reach_hop *h;
	va_list ap;

	if (!w->record || w->r->n_hops >= REACH_MAX_HOPS)
		return;
	h = &w->r->hops[w->r->n_hops++];
	h->reply = w->reply;
	snprintf(h->component, sizeof(h->component), "%s", component);
	va_start(ap, fmt);
	vsnprintf(h->detail, sizeof(h->detail), fmt, ap);
	va_end(ap);
}

bool walk_block(struct walk *w, enum reach_code code, const char *component,
		const char *fix, const char *fmt, ...)
{
	struct reach_result *r = w->r;
	va_list ap;

	if (!w->record || (r->code != REACH_OK && r->code != REACH_NO_LISTENER))
		return false;
	r->code = code;
	r->on_reply = w->reply;
	snprintf(r->component, sizeof(r->component), "%s", component);
	snprintf(r->fix, sizeof(r->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(r->explanation, sizeof(r->explanation), fmt, ap);
	va_end(ap);
	return false;
}

bool vpcs_are_peered(const struct topology *t, int a, int b)
{
	for (int p = 0; p < t->n_peerings; p++) {
		const int *v = t->peerings[p].vpc;

		if ((v[0] == a && v[1] == b) || (v[0] == b && v[1] == a))
			return true;
	}
	return false;
}

/* ENIs of VPC vpc (the router's /32s), the per-sandbox one included. */
static const struct attachment *vpc_att(const struct walk *w, int vpc, uint32_t ip)
{
	if (w->sandbox && w->sandbox->vpc == vpc && w->sandbox->ip == ip)
		return w->sandbox;
	for (int i = 0; i < w->L->n_atts; i++)
		if (w->L->atts[i].vpc == vpc && w->L->atts[i].ip == ip)
			return &w->L->atts[i];
	return NULL;
}

const struct attachment *walk_member(const struct walk *w, int vpc, uint32_t ip)
{
	const struct topology *t = w->L->t;

	if (w->sandbox && w->sandbox->ip == ip &&
	    (w->sandbox->vpc == vpc || vpcs_are_peered(t, vpc, w->sandbox->vpc)))
		return w->sandbox;
	for (int i = 0; i < w->L->n_atts; i++) {
		const struct attachment *a = &w->L->atts[i];

		if (a->vpc >= 0 && a->ip == ip && (a->vpc == vpc || vpcs_are_peered(t, vpc, a->vpc)))
			return a;
	}
	return NULL;
}

/* Where the packet goes next from a router. */
struct next {
	int router;                        /* >= 0: on to this router */
	int link;                          /* ... arriving by this link */
	const struct attachment *att;      /* or: delivered into this ENI/node */
	bool done;                         /* or: reply back at a service function */
};

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
	const struct attachment *a = vpc_att(w, v, p->src);
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

static bool router_vpc(struct walk *w, int router, int in_link, struct rpkt *p, struct next *n)
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
		n->att = vpc_att(w, v, p->dst);
		if (!n->att)
			return block_no_eni(w, v, p->dst);
		walk_hop(w, comp, "local route %s", cidr_str(vpc->cidr, c));
		return true;
	}
	s = subnet_of(vpc, p->src);
	if (s < 0) {
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

static bool router_inet(struct walk *w, struct rpkt *p, struct next *n)
{
	const struct layout *L = w->L;
	char ip[IP4_STRLEN];

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

static bool router_lambda(struct walk *w, struct rpkt *p, struct next *n)
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

/* A NAT gateway forwards what is routed to it: the request masqueraded
 * onto its own address, the reply translated back. False: the packet is
 * for the node itself (it arrived). */
static bool nat_forward(struct walk *w, const struct attachment *a, struct rpkt *p)
{
	const struct layout *L = w->L;
	char comp[96], a1[IP4_STRLEN], a2[IP4_STRLEN];

	if (a->node < 0 || L->nodes[a->node].kind != NODE_NAT)
		return false;
	snprintf(comp, sizeof(comp), "NAT gateway %s", L->nodes[a->node].name);
	if (!w->reply) {
		if (p->dst == a->ip || w->n_snat >= WALK_MAX_SNAT)
			return false;
		w->snat[w->n_snat].nat = a;
		w->snat[w->n_snat++].orig = p->src;
		walk_hop(w, comp, "source NAT: %s becomes %s", ip4_str(p->src, a1), ip4_str(a->ip, a2));
		p->src = a->ip;
		return true;
	}
	for (int i = w->n_snat - 1; i >= 0; i--)
		if (w->snat[i].nat == a && p->dst == a->ip) {
			walk_hop(w, comp, "the reply: destination back to %s", ip4_str(w->snat[i].orig, a1));
			p->dst = w->snat[i].orig;
			return true;
		}
	return false;
}

static struct next next_none(void)
{
	return (struct next){ .router = -1, .link = -1 };
}

/* Carry p from `start` (NULL: a function in the Lambda service VPC) until
 * it arrives at a node (w->arrived; NULL for the service VPC) or is
 * dropped (false, the block in w->r). */
static bool walk_run(struct walk *w, struct rpkt *p, const struct attachment *start)
{
	const struct layout *L = w->L;
	int router = L->lambda, link = -1;

	w->arrived = NULL;
	if (start) {
		if (start->vpc >= 0 && !eni_leave(w, start, p))
			return false;
		router = start->router;
	}
	for (int steps = 0; steps < 32; steps++) {
		struct next n = next_none();
		bool ok, outside;

		if (L->routers[router].role == ROUTER_VPC)
			ok = router_vpc(w, router, link, p, &n);
		else if (L->routers[router].role == ROUTER_INTERNET)
			ok = router_inet(w, p, &n);
		else
			ok = router_lambda(w, p, &n);
		if (!ok || n.done)
			return ok;
		if (n.router >= 0) {
			router = n.router;
			link = n.link;
			continue;
		}
		outside = link >= 0 && L->links[link].kind == LINK_IGW;
		if (n.att->vpc >= 0 && !eni_enter(w, n.att, p, outside))
			return false;
		if (!nat_forward(w, n.att, p)) {
			w->arrived = n.att;
			return true;
		}
		if (!eni_leave(w, n.att, p))
			return false;
		router = n.att->router;
		link = -1;
	}
	return walk_block(w, REACH_NO_PATH, "routing", "remove the routing loop",
			  "the packet loops between routers until it expires");
}

int reach_node_listen(const struct layout *L, int node, const struct listen_port **out)
{
	const struct node *n = &L->nodes[node];

	if (n->kind == NODE_RESOURCE) {
		if (out)
			*out = L->t->resources[n->index].listen;
		return L->t->resources[n->index].n_listen;
	}
	if (n->kind == NODE_HOST) {
		if (out)
			*out = L->t->hosts[n->index].listen;
		return L->t->hosts[n->index].n_listen;
	}
	return 0;
}

uint16_t reach_node_engine_port(const struct layout *L, int node)
{
	const struct resource *r;

	if (L->nodes[node].kind != NODE_RESOURCE)
		return 0;
	r = &L->t->resources[L->nodes[node].index];
	if (r->kind == RES_RDS && r->db.engine != ENGINE_NONE)
		return (uint16_t)r->db.port;
	if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0)
		return PROXY_PORT_POSTGRES;
	return 0;
}

int reach_policy_compile(const struct layout *L, struct policy *pol)
{
	int rc = 0;

	policy_init(pol);
	for (int v = 0; v < L->t->n_vpcs && !rc; v++)
		rc = policy_compile_vpc(pol, L->t, v);
	if (rc)
		policy_free(pol);
	return rc;
}

/* The source as the probe makes it: a node's ENI, a function's hyperplane
 * ENI (first subnet), its own per-sandbox ENI, or the service VPC. */
struct source {
	const struct attachment *att;   /* NULL: Lambda service VPC */
	struct attachment sandbox;
	int vpc;
};

static uint32_t sandbox_ip(const struct layout *L, int v, int s)
{
	struct cidr c = L->t->vpcs[v].subnets[s].cidr;

	for (uint32_t ip = c.addr + 4; ip < cidr_last(c); ip++) {
		bool used = false;

		for (int i = 0; i < L->n_atts && !used; i++)
			used = L->atts[i].vpc == v && L->atts[i].ip == ip;
		if (!used)
			return ip;
	}
	return 0;
}

static int source_of_function(const struct layout *L, int fn, const struct reach_query *q,
			      struct walk *w, struct source *s)
{
	const struct function *f = &L->t->functions[fn];
	int h;

	s->vpc = f->has_vpc ? f->vpc : -1;
	if (!f->has_vpc) {
		w->from_service = true;
		w->service_ip = q->sandbox_ip ? q->sandbox_ip : L->t->service_cidr.addr + 2;
		return 0;
	}
	h = layout_fn_hyperplane(L, fn, 0);
	if (h >= 0) {
		s->att = &L->atts[L->nodes[L->hpls[h].node].att];
		return 0;
	}
	memset(&s->sandbox, 0, sizeof(s->sandbox));
	s->sandbox.router = L->vpc_router[f->vpc];
	s->sandbox.node = -1;
	s->sandbox.vpc = f->vpc;
	s->sandbox.subnet = f->subnets[0];
	s->sandbox.ip = q->sandbox_ip ? q->sandbox_ip : sandbox_ip(L, f->vpc, f->subnets[0]);
	memcpy(s->sandbox.sgs, f->sgs, sizeof(f->sgs));
	s->sandbox.n_sgs = f->n_sgs;
	snprintf(s->sandbox.eni_id, sizeof(s->sandbox.eni_id), "eni-(environment)");
	s->att = &s->sandbox;
	w->sandbox = &s->sandbox;
	return 0;
}

static int resolve_source(const struct layout *L, const struct reach_query *q, struct walk *w,
			  struct source *s)
{
	int node = layout_find_node(L, q->from), fn;

	memset(s, 0, sizeof(*s));
	if (node >= 0) {
		s->att = &L->atts[L->nodes[node].att];
		s->vpc = L->nodes[node].vpc;
		return 0;
	}
	fn = layout_find_function(L, q->from);
	if (fn < 0)
		return errf(ENOENT, "no node '%s' in topology %s: name a resource, a function or an internet host",
			    q->from, L->t->name);
	return source_of_function(L, fn, q, w, s);
}

/* The node with address ip (private or public), or -1. */
static int node_by_ip(const struct layout *L, uint32_t ip)
{
	for (int i = 0; i < L->n_nodes; i++) {
		const struct attachment *a = &L->atts[L->nodes[i].att];

		if (a->ip == ip || (a->public_ip && a->public_ip == ip))
			return i;
	}
	return -1;
}

/* TO as FROM's hosts file resolves it. Returns 0, 1 when TO is a function
 * that has no address to connect to (blocked, in w->r), -1 unknown. */
static int resolve_target(const struct layout *L, const struct reach_query *q, int src_vpc,
			  struct walk *w)
{
	int node = layout_find_node(L, q->to), fn, h;

	w->target_node = -1;
	if (node >= 0) {
		w->target_node = node;
		w->r->dst_ip = layout_resolve_vpc(L, src_vpc, node);
		return 0;
	}
	fn = layout_find_function(L, q->to);
	if (fn >= 0) {
		h = layout_fn_hyperplane(L, fn, 0);
		if (h >= 0) {
			w->target_node = L->hpls[h].node;
			w->r->dst_ip = L->atts[L->nodes[w->target_node].att].ip;
			return 0;
		}
		walk_block(w, REACH_LAMBDA_NO_INBOUND, q->to,
			   "nothing can connect into a function: have the function connect out",
			   "function %s accepts no connection: it has no address one could connect to", q->to);
		return 1;
	}
	if (!ip4_parse(q->to, &w->r->dst_ip))
		return errf(ENOENT, "no node '%s' in topology %s: name a resource, a function or an internet host, or give an IPv4 address",
			    q->to, L->t->name);
	w->target_node = node_by_ip(L, w->r->dst_ip);
	return 0;
}

static bool listens(const struct layout *L, const struct attachment *a, uint8_t proto,
		    uint16_t port)
{
	const struct listen_port *lp;
	int n;

	if (proto == 1)
		return true; /* every node's kernel answers an echo request */
	if (a->node < 0)
		return false;
	if (proto == 6 && port && reach_node_engine_port(L, a->node) == port)
		return true;
	n = reach_node_listen(L, a->node, &lp);
	for (int i = 0; i < n; i++)
		if (lp[i].proto == proto && lp[i].port == port)
			return true;
	return false;
}

static void no_listener(struct walk *w, const struct attachment *a, const struct rpkt *p)
{
	const struct node *n = a->node >= 0 ? &w->L->nodes[a->node] : NULL;
	const char *name = n ? n->name : "the environment";
	char what[64], fix[REACH_TEXT];

	text_traffic(p->proto, p->dport, p->icmp, what, sizeof(what));
	snprintf(fix, sizeof(fix), "add {\"proto\": \"%s\", \"port\": %u} to the listen list of %s, or use a port it listens on",
		 p->proto == 6 ? "tcp" : "udp", p->dport, name);
	walk_block(w, REACH_NO_LISTENER, name, fix, "nothing listens on %s at %s: its kernel answers with %s",
		   what, name, p->proto == 6 ? "a reset (RST)" : "ICMP port unreachable");
}

#define MAX_EPHEMERAL_CANDIDATES 512

static void add_candidate(uint16_t *c, int *n, long port)
{
	if (port < EPHEMERAL_LO || port > EPHEMERAL_HI || *n >= MAX_EPHEMERAL_CANDIDATES)
		return;
	for (int i = 0; i < *n; i++)
		if (c[i] == port)
			return;
	c[(*n)++] = (uint16_t)port;
}

/* The client ports where some NACL rule's verdict can change: every
 * other port of the ephemeral range behaves like one of these. */
static int ephemeral_candidates(const struct topology *t, uint16_t *c)
{
	int n = 0;

	add_candidate(c, &n, EPHEMERAL_LO);
	add_candidate(c, &n, EPHEMERAL_HI);
	for (int v = 0; v < t->n_vpcs; v++)
		for (int a = 0; a < t->vpcs[v].n_nacls; a++) {
			const struct nacl *acl = &t->vpcs[v].nacls[a];

			for (int d = 0; d < 2; d++) {
				const struct nacl_rule *rl = d ? acl->egress : acl->ingress;
				int nr = d ? acl->n_egress : acl->n_ingress;

				for (int i = 0; i < nr; i++) {
					add_candidate(c, &n, rl[i].ports.lo);
					add_candidate(c, &n, (long)rl[i].ports.lo - 1);
					add_candidate(c, &n, rl[i].ports.hi);
					add_candidate(c, &n, (long)rl[i].ports.hi + 1);
				}
			}
		}
	return n;
}

/* The reply of the request `req` (as it arrived at `end`) walked back to
 * the source. True when it gets there. */
static bool reply_walk(struct walk *w, const struct rpkt *req, bool refused,
		       uint16_t client_port, const struct attachment *end,
		       const struct source *s)
{
	struct rpkt p = { .src = req->dst, .dst = req->src, .proto = req->proto,
			  .sport = req->dport, .dport = client_port };
	struct walk copy = *w;
	bool ok;

	if (req->proto == 1)
		p = (struct rpkt){ .src = req->dst, .dst = req->src, .proto = 1, .icmp = 0 };
	else if (req->proto == 17 && refused)
		p = (struct rpkt){ .src = req->dst, .dst = req->src, .proto = 1, .icmp = 0x0303 };
	copy.reply = true;
	ok = walk_run(&copy, &p, end);
	if (ok && copy.arrived != s->att)
		ok = walk_block(&copy, REACH_NO_PATH, "reply", "make the way back symmetric",
				"the reply does not get back to the client");
	w->r->n_hops = copy.r->n_hops;
	return ok;
}

static bool reply_all(struct walk *w, const struct rpkt *req, bool refused,
		      const struct attachment *end, const struct source *s)
{
	uint16_t c[MAX_EPHEMERAL_CANDIDATES] = { EPHEMERAL_LO };
	int n = 1, bad = -1, n_bad = 0;
	bool ok;

	if ((req->proto == 6 || req->proto == 17) && !(req->proto == 17 && refused))
		n = ephemeral_candidates(w->L->t, c);
	w->record = false;
	for (int i = 0; i < n; i++)
		if (!reply_walk(w, req, refused, c[i], end, s) && n_bad++ == 0)
			bad = i;
	w->record = true;
	ok = reply_walk(w, req, refused, c[bad >= 0 ? bad : 0], end, s);
	if (!ok && n_bad < n) {
		size_t len = strlen(w->r->explanation);

		snprintf(w->r->explanation + len, sizeof(w->r->explanation) - len,
			 " (only for some client ports, e.g. %u: the result depends on the port the client picks)",
			 c[bad]);
	}
	return ok;
}

int reach_analyze(const struct layout *L, const struct policy *pol,
		  const struct reach_query *q, struct reach_result *r)
{
	struct walk w = { .L = L, .pol = pol, .r = r, .record = true };
	struct source s;
	struct rpkt p;
	const struct attachment *end;
	bool open;
	int rc;

	memset(r, 0, sizeof(*r));
	r->verdict = PROBE_TIMEOUT;
	if (resolve_source(L, q, &w, &s) < 0)
		return -1;
	w.src_vpc = s.vpc;
	rc = resolve_target(L, q, s.vpc, &w);
	if (rc)
		return rc < 0 ? -1 : 0;
	p = (struct rpkt){ .src = s.att ? s.att->ip : w.service_ip, .dst = r->dst_ip,
			   .proto = q->proto, .sport = EPHEMERAL_LO, .dport = q->port,
			   .icmp = q->proto == 1 ? 0x0800 : 0 };
	if (!walk_run(&w, &p, s.att))
		return 0;
	end = w.arrived;
	if (!end)
		return walk_block(&w, REACH_NO_PATH, "path", "", "the packet does not reach a node"), 0;
	open = listens(L, end, q->proto, q->port);
	if (!open)
		no_listener(&w, end, &p);
	if (!reply_all(&w, &p, !open, end, &s))
		return 0;
	r->verdict = open ? PROBE_OPEN : PROBE_REFUSED;
	return 0;
}
