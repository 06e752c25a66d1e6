/* The planner: a layout in, the ordered kernel steps out. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/paths.h"
#include "model/dns.h"
#include "model/aws_zone.h"
#include "model/cloudfront.h"
#include "model/endpoint.h"
#include "model/plan.h"

#define RT_TABLE_MAIN_ID 254

static struct step *push(struct plan *P, enum step_op op, int ns, int ref)
{
	if (P->n == P->cap) {
		int cap = P->cap ? P->cap * 2 : 256;
		struct step *s = realloc(P->steps, (size_t)cap * sizeof(*s));

		if (!s)
			return NULL;
		P->steps = s;
		P->cap = cap;
	}
	P->steps[P->n] = (struct step){ .op = op, .ns = ns, .ref = ref };
	return &P->steps[P->n++];
}

const char *plan_ns_name(const struct layout *L, int ns)
{
	return ns < L->n_routers ? L->routers[ns].netns : L->nodes[ns - L->n_routers].netns;
}

static const struct cidr any = { 0, 0 };

static bool add_route(struct plan *P, int router, const struct route_spec *r)
{
	struct step *s = push(P, STEP_ROUTE, plan_ns_router(router), -1);

	if (s)
		s->route = *r;
	return s != NULL;
}

static bool add_rule(struct plan *P, int router, uint32_t pref, struct cidr src,
		     struct cidr dst, uint32_t table)
{
	struct step *s = push(P, STEP_RULE, plan_ns_router(router), -1);

	if (!s)
		return false;
	s->rule.pref = pref;
	s->rule.src = src;
	s->rule.dst = dst;
	s->rule.table = table;
	return true;
}

static bool blackhole(struct plan *P, int router, uint32_t table, struct cidr dst)
{
	struct route_spec r = { .table = table, .dst = dst, .kind = ROUTE_BLACKHOLE };

	return add_route(P, router, &r);
}

/* The far end of link l as seen from router `from`: its ifindex here and
 * the address of the other side. */
static struct route_spec via_link(const struct layout *L, int l, int from, uint32_t table,
				  struct cidr dst)
{
	const struct router_link *k = &L->links[l];
	int here = k->router[0] == from ? 0 : 1;

	return (struct route_spec){
		.table = table, .dst = dst, .kind = ROUTE_UNICAST,
		.oif = k->ifindex[here], .gateway = k->ip[!here],
	};
}

/* One topology route, translated to its kernel route in `table`. */
static bool plan_vpc_route(const struct layout *L, struct plan *P, int v, uint32_t table,
			   const struct route *rt)
{
	int router = L->vpc_router[v];
	struct route_spec r;

	switch (rt->kind) {
	case RT_IGW:
		r = via_link(L, L->vpc_igw[v], router, table, rt->dst);
		break;
	case RT_PEERING:
		r = via_link(L, layout_peering_link(L, rt->target), router, table, rt->dst);
		break;
	case RT_NAT: {
		const struct attachment *a = &L->atts[L->nodes[L->nat_node[v][rt->target]].att];

		r = (struct route_spec){
			.table = table, .dst = rt->dst, .kind = ROUTE_UNICAST,
			.oif = a->ifindex, .gateway = a->ip, .onlink = 1,
		};
		break;
	}
	case RT_BLACKHOLE:
	case RT_LOCAL:
	default:
		return blackhole(P, router, table, rt->dst);
	}
	return add_route(P, router, &r);
}

/* The routes gateway endpoints add to route table rt of VPC v: the
 * service's prefix list to the endpoint (docs/AWS-SERVICES.md). Only the
 * VPC's own subnets look these tables up (RULE_PREF_SUBNET), so a peered
 * VPC's packets never use them: they meet the main table's blackhole. */
static bool plan_prefix_list_routes(const struct layout *L, struct plan *P, int v, int rt)
{
	const struct vpc *vpc = &L->t->vpcs[v];
	struct route_spec r;

	for (int e = 0; e < vpc->n_endpoints; e++) {
		int s = vpc->endpoints[e].service;

		if (vpce_gateway_for(L->t, v, rt, s) != e)
			continue;
		r = via_link(L, layout_vpce_link(L, v, e, LINK_VPCE), L->vpc_router[v],
			     TABLE_BASE + (uint32_t)rt, vpce_prefix_list_cidr(s));
		if (!add_route(P, L->vpc_router[v], &r))
			return false;
	}
	return true;
}

/* A gateway endpoint's router: its service's prefix list towards the
 * zone, the VPC's CIDR back, nothing else. */
static bool plan_vpce_routing(const struct layout *L, struct plan *P)
{
	for (int r = 0; r < L->n_routers; r++) {
		const struct router *rt = &L->routers[r];
		struct route_spec s;
		int svc;

		if (rt->role != ROUTER_VPCE)
			continue;
		svc = L->t->vpcs[rt->vpc].endpoints[rt->endpoint].service;
		s = via_link(L, layout_vpce_link(L, rt->vpc, rt->endpoint, LINK_VPCE_ZONE), r,
			     RT_TABLE_MAIN_ID, vpce_prefix_list_cidr(svc));
		if (!add_route(P, r, &s))
			return false;
		s = via_link(L, layout_vpce_link(L, rt->vpc, rt->endpoint, LINK_VPCE), r,
			     RT_TABLE_MAIN_ID, L->t->vpcs[rt->vpc].cidr);
		if (!add_route(P, r, &s) || !blackhole(P, r, RT_TABLE_MAIN_ID, any) ||
		    !push(P, STEP_NAT, plan_ns_router(r),
			  layout_vpce_link(L, rt->vpc, rt->endpoint, LINK_VPCE_ZONE)))
			return false;
	}
	return true;
}

/* Routing of a VPC router: the main table holds the VPC-local /32s (added
 * with each ENI) and drops the rest of the VPC CIDR and everything else;
 * rule RULE_PREF_LOCAL sends VPC-local destinations there before any
 * subnet's table, which is the implicit local route of every AWS table. */
static bool plan_vpc_routing(const struct layout *L, struct plan *P, int v)
{
	const struct vpc *vpc = &L->t->vpcs[v];
	int router = L->vpc_router[v];

	if (!blackhole(P, router, RT_TABLE_MAIN_ID, vpc->cidr) ||
	    !blackhole(P, router, RT_TABLE_MAIN_ID, any) ||
	    !add_rule(P, router, RULE_PREF_LOCAL, any, vpc->cidr, RT_TABLE_MAIN_ID) ||
	    !add_rule(P, router, RULE_PREF_LOCAL, any, (struct cidr){ DNS_LINK_LOCAL, 32 },
		      RT_TABLE_MAIN_ID))
		return false;
	for (int i = 0; i < vpc->n_route_tables; i++) {
		const struct route_table *rt = &vpc->route_tables[i];
		uint32_t table = TABLE_BASE + (uint32_t)i;
		bool has_default = false;

		for (int k = 0; k < rt->n_routes; k++) {
			if (!plan_vpc_route(L, P, v, table, &rt->routes[k]))
				return false;
			has_default |= rt->routes[k].dst.len == 0;
		}
		/* No route: silently dropped, so clients time out as in AWS. */
		if (!has_default && !blackhole(P, router, table, any))
			return false;
		if (!plan_prefix_list_routes(L, P, v, i))
			return false;
	}
	for (int s = 0; s < vpc->n_subnets; s++) {
		const struct subnet *sn = &vpc->subnets[s];

		if (!add_rule(P, router, RULE_PREF_SUBNET + (uint32_t)s, sn->cidr, any,
			      TABLE_BASE + (uint32_t)sn->route_table))
			return false;
	}
	return true;
}

/* The addresses of every view's resolver on its router's lo: base + 2
 * (VPCs) and 169.254.169.253. None where DNS support is off: the queries
 * then meet the blackholes of the router's main table (see
 * plan_vpc_routing), and time out as in AWS. */
static bool plan_resolver_addrs(const struct layout *L, struct plan *P)
{
	for (int view = 0; view < dns_n_views(L); view++) {
		int router = plan_ns_router(dns_view_router(L, view));
		uint32_t own = dns_view_resolver(L, view);
		struct step *s;

		if (!dns_view_serves(L, view))
			continue;
		if (own != DNS_LINK_LOCAL) {
			if (!(s = push(P, STEP_GATEWAY_ADDR, router, -1)))
				return false;
			s->addr = own;
		}
		if (!(s = push(P, STEP_GATEWAY_ADDR, router, -1)))
			return false;
		s->addr = DNS_LINK_LOCAL;
	}
	return true;
}

static bool plan_gateway_addrs(const struct layout *L, struct plan *P)
{
	const struct topology *t = L->t;
	struct step *s;

	for (int v = 0; v < t->n_vpcs; v++)
		for (int i = 0; i < t->vpcs[v].n_subnets; i++) {
			s = push(P, STEP_GATEWAY_ADDR, plan_ns_router(L->vpc_router[v]), -1);
			if (!s)
				return false;
			s->addr = subnet_router(t->vpcs[v].subnets[i].cidr);
		}
	s = push(P, STEP_GATEWAY_ADDR, plan_ns_router(L->lambda), -1);
	if (!s)
		return false;
	s->addr = subnet_router(t->service_cidr);
	if (!plan_resolver_addrs(L, P))
		return false;
	s = push(P, STEP_GATEWAY_ADDR, plan_ns_router(L->inet), -1);
	if (!s)
		return false;
	s->addr = INET_GATEWAY;
	return true;
}

/* The internet routes each public address to the link it lives behind;
 * everything else ends in a blackhole (a private address on the internet
 * times out, as it would). The Lambda service VPC sends all but its own
 * CIDR to the internet. */
static bool plan_internet_routing(const struct layout *L, struct plan *P)
{
	const struct topology *t = L->t;
	struct route_spec r;

	if (!blackhole(P, L->inet, RT_TABLE_MAIN_ID, any))
		return false;
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];

		if (!a->public_ip || a->vpc < 0 || L->vpc_igw[a->vpc] < 0)
			continue;
		r = via_link(L, L->vpc_igw[a->vpc], L->inet, RT_TABLE_MAIN_ID,
			     (struct cidr){ a->public_ip, 32 });
		if (!add_route(P, L->inet, &r))
			return false;
	}
	for (int l = 0; l < L->n_links; l++) {
		if (L->links[l].kind != LINK_LAMBDA)
			continue;
		r = via_link(L, l, L->inet, RT_TABLE_MAIN_ID,
			     (struct cidr){ L->lambda_egress_ip, 32 });
		if (!add_route(P, L->inet, &r))
			return false;
		r = via_link(L, l, L->lambda, RT_TABLE_MAIN_ID, any);
		if (!add_route(P, L->lambda, &r))
			return false;
	}
	return blackhole(P, L->lambda, RT_TABLE_MAIN_ID, t->service_cidr);
}

static bool plan_nat(const struct layout *L, struct plan *P)
{
	for (int v = 0; v < L->t->n_vpcs; v++)
		if (L->vpc_igw[v] >= 0 &&
		    !push(P, STEP_NAT, plan_ns_router(L->vpc_router[v]), L->vpc_igw[v]))
			return false;
	for (int n = 0; n < L->n_nodes; n++)
		if ((L->nodes[n].kind == NODE_NAT || L->nodes[n].kind == NODE_HYPERPLANE) &&
		    !push(P, STEP_NAT, plan_ns_node(L, n), n))
			return false;
	for (int l = 0; l < L->n_links; l++)
		if (L->links[l].kind == LINK_LAMBDA &&
		    !push(P, STEP_NAT, plan_ns_router(L->lambda), l))
			return false;
	return true;
}

/* Databases first, then the proxies that connect to them, then resource
 * commands (which may use either). */
static bool plan_engines(const struct layout *L, struct plan *P)
{
	const struct topology *t = L->t;

	for (int n = 0; n < L->n_nodes; n++) {
		const struct node *nd = &L->nodes[n];

		if (nd->kind == NODE_RESOURCE && t->resources[nd->index].db.engine != ENGINE_NONE &&
		    (!push(P, STEP_DB_INIT, plan_ns_node(L, n), n) ||
		     !push(P, STEP_DB_START, plan_ns_node(L, n), n)))
			return false;
	}
	for (int n = 0; n < L->n_nodes; n++) {
		const struct node *nd = &L->nodes[n];

		if (nd->kind == NODE_RESOURCE && t->resources[nd->index].kind == RES_RDS_PROXY &&
		    t->resources[nd->index].proxy.target >= 0 &&
		    !push(P, STEP_PROXY_START, plan_ns_node(L, n), n))
			return false;
	}
	return true;
}

/* The AWS zone: each served service's address on the zone's lo, and the
 * internet router's route to all of them through the zone's eth0. */
static bool plan_aws_zone(const struct layout *L, struct plan *P)
{
	const struct attachment *a;
	struct route_spec r;

	if (L->aws_node < 0)
		return true;
	a = &L->atts[L->nodes[L->aws_node].att];
	for (int s = 0; s < AWS_SERVICE_COUNT; s++) {
		struct step *g;

		if (!aws_serves(L->t, s))
			continue;
		g = push(P, STEP_GATEWAY_ADDR, plan_ns_node(L, L->aws_node), -1);
		if (!g)
			return false;
		g->addr = aws_service_ip(s);
	}
	for (int i = 0; i < L->t->n_cloudfront; i++) {
		struct step *g = push(P, STEP_GATEWAY_ADDR, plan_ns_node(L, L->aws_node), -1);

		if (!g)
			return false;
		g->addr = cf_ip(i);
	}
	r = (struct route_spec){ .table = RT_TABLE_MAIN_ID, .dst = { AWS_ZONE_NET, AWS_ZONE_LEN },
				 .kind = ROUTE_UNICAST, .oif = a->ifindex, .gateway = a->ip };
	return add_route(P, a->router, &r);
}

static bool plan_services(const struct layout *L, struct plan *P)
{
	const struct topology *t = L->t;
	bool listens = false;

	for (int n = 0; n < L->n_nodes; n++) {
		const struct node *nd = &L->nodes[n];

		if (nd->kind != NODE_NAT && !push(P, STEP_HOSTS, plan_ns_node(L, n), n))
			return false;
		if (nd->kind == NODE_RESOURCE)
			listens |= t->resources[nd->index].n_listen > 0;
		if (nd->kind == NODE_HOST)
			listens |= t->hosts[nd->index].n_listen > 0;
	}
	for (int view = 0; view < dns_n_views(L); view++)
		if (dns_view_serves(L, view) &&
		    !push(P, STEP_RESOLVER, plan_ns_router(dns_view_router(L, view)), view))
			return false;
	if (listens && !push(P, STEP_RESPONDER, -1, -1))
		return false;
	if (!plan_engines(L, P))
		return false;
	/* The resolvers start at once and get ready while the engines
	 * start; commands may look names up. */
	if (!push(P, STEP_RESOLVERS_READY, -1, -1))
		return false;
	for (int n = 0; n < L->n_nodes; n++) {
		const struct node *nd = &L->nodes[n];

		if (nd->kind == NODE_RESOURCE && t->resources[nd->index].command &&
		    !push(P, STEP_COMMAND, plan_ns_node(L, n), n))
			return false;
	}
	return true;
}

int plan_build(const struct layout *L, struct plan *P)
{
	bool ok = true;

	memset(P, 0, sizeof(*P));
	/* A copy of a live topology holds its containers: their namespaces
	 * are the runtime's, attached by the CNI plugin's ADD. */
	for (int i = 0; i < L->t->n_resources; i++)
		if (L->t->resources[i].cni)
			return errf(EINVAL, "resources[%d].cni: InvalidParameterValue: resource %s "
				    "is a container the CNI plugin attached (docs/CNI.md); up makes "
				    "no container: remove it from the file", i,
				    L->t->resources[i].name);
	for (int r = 0; ok && r < L->n_routers; r++)
		ok = push(P, STEP_ROUTER, plan_ns_router(r), r) != NULL;
	ok = ok && plan_gateway_addrs(L, P);
	for (int l = 0; ok && l < L->n_links; l++)
		ok = push(P, STEP_LINK, plan_ns_router(L->links[l].router[0]), l) != NULL;
	/* Each node: its namespace, then its attachment (veth, addresses,
	 * routes on both ends). Routes to NAT gateways need their ENIs, so
	 * routing comes after. */
	for (int n = 0; ok && n < L->n_nodes; n++) {
		const struct attachment *a = &L->atts[L->nodes[n].att];

		ok = push(P, STEP_NODE, plan_ns_node(L, n), n) &&
		     push(P, STEP_ATTACH, plan_ns_router(a->router), L->nodes[n].att);
		/* A hyperplane is the router of its environments: the service
		 * VPC's router address on its lo. */
		if (ok && L->nodes[n].kind == NODE_HYPERPLANE) {
			struct step *g = push(P, STEP_GATEWAY_ADDR, plan_ns_node(L, n), -1);

			ok = g != NULL;
			if (g)
				g->addr = subnet_router(L->t->service_cidr);
		}
	}
	/* The data planes load while the nodes are made (see apply.c), so
	 * they come after the nodes, and the ENIs' entries after them. */
	for (int v = 0; ok && v < L->t->n_vpcs; v++)
		ok = push(P, STEP_DATAPLANE, plan_ns_router(L->vpc_router[v]), v) != NULL;
	for (int i = 0; ok && i < L->n_atts; i++)
		if (L->atts[i].vpc >= 0)
			ok = push(P, STEP_ENI_DATAPLANE, plan_ns_router(L->atts[i].router), i) != NULL;
	for (int v = 0; ok && v < L->t->n_vpcs; v++)
		ok = plan_vpc_routing(L, P, v);
	ok = ok && plan_internet_routing(L, P) && plan_aws_zone(L, P) && plan_vpce_routing(L, P);
	ok = ok && plan_nat(L, P) && plan_services(L, P);
	if (!ok) {
		plan_free(P);
		return errf(ENOMEM, "building the plan");
	}
	return 0;
}

void plan_free(struct plan *P)
{
	free(P->steps);
	memset(P, 0, sizeof(*P));
}

/* The steps that start processes: resolver, responder, engines, commands. */
static void describe_process(const struct layout *L, const struct step *s, const char *ns,
			     char *buf, size_t len)
{
	char ip[IP4_STRLEN];

	switch (s->op) {
	case STEP_RESOLVER: {
		char folder[DNS_FOLDER_MAX];

		dns_view_folder(L, s->ref, folder);
		snprintf(buf, len, "start the resolver of %s at %s in %s", folder,
			 ip4_str(dns_view_resolver(L, s->ref), ip), ns);
		break;
	}
	case STEP_RESOLVERS_READY:
		snprintf(buf, len, "wait until the resolvers answer");
		break;
	case STEP_RESPONDER:
		snprintf(buf, len, "start the responder");
		break;
	case STEP_DB_INIT:
		snprintf(buf, len, "initialise the %s data of %s",
			 db_engine_str(L->t->resources[L->nodes[s->ref].index].db.engine),
			 L->nodes[s->ref].name);
		break;
	case STEP_DB_START: {
		const struct resource *r = &L->t->resources[L->nodes[s->ref].index];

		snprintf(buf, len, "start %s of %s on %s:%d in %s", db_engine_str(r->db.engine),
			 r->name, ip4_str(L->atts[L->nodes[s->ref].att].ip, ip), r->db.port, ns);
		break;
	}
	case STEP_PROXY_START: {
		const struct resource *r = &L->t->resources[L->nodes[s->ref].index];

		snprintf(buf, len, "start vpcsim-rds-proxy of %s on %s:%d for %s in %s", r->name,
			 ip4_str(L->atts[L->nodes[s->ref].att].ip, ip), PROXY_PORT_POSTGRES,
			 L->t->resources[r->proxy.target].name, ns);
		break;
	}
	case STEP_COMMAND:
		snprintf(buf, len, "start the command of %s", L->nodes[s->ref].name);
		break;
	default:
		snprintf(buf, len, "step %d", (int)s->op);
		break;
	}
}

void plan_step_describe(const struct layout *L, const struct step *s, char *buf, size_t len)
{
	char a[CIDR_STRLEN], b[CIDR_STRLEN], ip[IP4_STRLEN];
	const char *ns = s->ns >= 0 ? plan_ns_name(L, s->ns) : "";

	switch (s->op) {
	case STEP_ROUTER:
		snprintf(buf, len, "create router namespace %s", ns);
		break;
	case STEP_NODE:
		snprintf(buf, len, "create node namespace %s", ns);
		break;
	case STEP_GATEWAY_ADDR:
		snprintf(buf, len, "add router address %s in %s", ip4_str(s->addr, ip), ns);
		break;
	case STEP_ATTACH: {
		const struct attachment *t = &L->atts[s->ref];

		snprintf(buf, len, "attach %s %s%s%s to %s as %s", L->nodes[t->node].netns,
			 ip4_str(t->ip, ip), t->eni_id[0] ? " " : "", t->eni_id, ns, t->ifname);
		break;
	}
	case STEP_LINK: {
		const struct router_link *k = &L->links[s->ref];

		snprintf(buf, len, "link %s %s <-> %s %s", L->routers[k->router[0]].netns,
			 k->ifname[0], L->routers[k->router[1]].netns, k->ifname[1]);
		break;
	}
	case STEP_ROUTE:
		snprintf(buf, len, "route %s %s%s table %u in %s", cidr_str(s->route.dst, a),
			 s->route.kind == ROUTE_BLACKHOLE ? "blackhole" : "via ",
			 s->route.kind == ROUTE_BLACKHOLE ? "" : ip4_str(s->route.gateway, ip),
			 s->route.table, ns);
		break;
	case STEP_RULE:
		snprintf(buf, len, "rule %u from %s to %s lookup %u in %s", s->rule.pref,
			 cidr_str(s->rule.src, a), cidr_str(s->rule.dst, b), s->rule.table, ns);
		break;
	case STEP_NAT:
		snprintf(buf, len, "install NAT in %s", ns);
		break;
	case STEP_DATAPLANE:
		snprintf(buf, len, "load the data plane of VPC %s", L->t->vpcs[s->ref].name);
		break;
	case STEP_ENI_DATAPLANE:
		snprintf(buf, len, "attach the data plane to %s (%s) in %s", L->atts[s->ref].ifname,
			 L->atts[s->ref].eni_id, ns);
		break;
	case STEP_HOSTS:
		snprintf(buf, len, "write %s/%s/hosts and resolv.conf", ETC_NETNS, ns);
		break;
	default:
		describe_process(L, s, ns, buf, len);
		break;
	}
}
