/* The layout of a topology in the kernel: names, addresses, ids. Pure
 * computation over the model; see layout.h for the vocabulary. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/layout.h"
#include "model/aws_zone.h"
#include "model/template.h"
#include "util/suggest.h"
#include "util/fs.h"
#include "util/hash.h"
#include "model/names.h"
#include "vpcsim/dataplane.h"

/* Free addresses of one subnet, as a bitmap over its offsets. */
struct pool {
	struct cidr cidr;
	uint8_t *used;
};

static bool pool_init(struct pool *p, struct cidr c)
{
	p->cidr = c;
	p->used = calloc((cidr_size(c) + 7) / 8, 1);
	return p->used != NULL;
}

static bool pool_test(const struct pool *p, uint32_t ip)
{
	uint32_t off = ip - p->cidr.addr;

	return p->used[off / 8] & (1u << (off % 8));
}

static void pool_take(struct pool *p, uint32_t ip)
{
	uint32_t off = ip - p->cidr.addr;

	p->used[off / 8] |= (uint8_t)(1u << (off % 8));
}

/* Lowest free address that a subnet (or pool) hands out, 0 if none. For a
 * subnet the five reserved addresses are never handed out. */
static uint32_t pool_next(struct pool *p, bool subnet)
{
	uint32_t first = p->cidr.addr + (subnet ? 4 : 1);
	uint32_t last = cidr_last(p->cidr) - 1;

	for (uint32_t ip = first; ip <= last; ip++) {
		if (!pool_test(p, ip)) {
			pool_take(p, ip);
			return ip;
		}
	}
	return 0;
}

#define diag_add diags_error

void eni_id_make(const char *topology, const char *what, char out[ENI_ID_LEN])
{
	uint64_t a = fnv1a(fnv1a(FNV1A_OFFSET, topology), "/");
	uint64_t b;

	a = fnv1a(a, what);
	b = fnv1a(a ^ 0x9e3779b97f4a7c15ull, what);
	/* 17 hex digits = 68 bits: 64 from a, 4 from b. */
	snprintf(out, ENI_ID_LEN, "eni-%01x%016llx", (unsigned)(b & 0xf),
		 (unsigned long long)a);
}

struct builder {
	const struct topology *t;
	struct layout *L;
	struct diags *d;
	struct pool **subnet_pool;   /* [vpc][subnet] */
	struct pool public_pool;
	struct pool link_pool;
};

/* Namespace names follow names.h: vpcsim-TOPO.KIND[.NAME...]. */
static int add_router(struct layout *L, enum router_role role, int vpc, const char *kind,
		      const char *name)
{
	struct router *r = &L->routers[L->n_routers];

	r->role = role;
	r->vpc = vpc;
	r->endpoint = -1;
	ns_name(r->netns, sizeof(r->netns), L->t->name, kind, name, NULL, NULL);
	return L->n_routers++;
}

static int add_node(struct layout *L, enum node_kind kind, int index, int vpc,
		    const char *name, const char *ns_kind)
{
	struct node *n = &L->nodes[L->n_nodes];

	n->kind = kind;
	n->index = index;
	n->vpc = vpc;
	n->name = name;
	n->att = -1;
	ns_name(n->netns, sizeof(n->netns), L->t->name, ns_kind, name, NULL, NULL);
	return L->n_nodes++;
}

/* The router end is e<k>: the next number, or a container's own `link`
 * (k_fixed >= 0, topology_cni.c), after which the next number continues. */
static int add_attachment_k(struct layout *L, int router, int node, uint32_t ip,
			    uint32_t gateway, uint8_t prefix, int k_fixed)
{
	struct router *r = &L->routers[router];
	struct attachment *a = &L->atts[L->n_atts];
	int k = k_fixed >= 0 ? k_fixed : r->n_attachments;

	if (k >= r->n_attachments)
		r->n_attachments = k + 1;

	a->router = router;
	a->node = node;
	snprintf(a->ifname, sizeof(a->ifname), "e%d", k);
	a->ifindex = IFINDEX_ATT_BASE + k;
	a->vpc = -1;
	a->subnet = -1;
	a->ip = ip;
	a->gateway = gateway;
	a->prefix = prefix;
	a->mtu = MTU_INTERNET;
	L->nodes[node].att = L->n_atts;
	return L->n_atts++;
}

static int add_attachment(struct layout *L, int router, int node, uint32_t ip,
			  uint32_t gateway, uint8_t prefix)
{
	return add_attachment_k(L, router, node, ip, gateway, prefix, -1);
}

/* An ENI: an attachment in subnet `s` of VPC `v`. */
static int add_eni_k(struct builder *b, int node, int v, int s, uint32_t ip,
		     const int *sgs, int n_sgs, const char *what, int k)
{
	const struct subnet *sn = &b->t->vpcs[v].subnets[s];
	struct attachment *a;
	char desc[256];
	int i;

	i = add_attachment_k(b->L, b->L->vpc_router[v], node, ip, subnet_router(sn->cidr),
			     sn->cidr.len, k);
	a = &b->L->atts[i];
	a->vpc = v;
	a->subnet = s;
	a->mtu = b->L->nodes[node].kind == NODE_NAT ? MTU_NAT : MTU_VPC;
	if (n_sgs > 0)
		memcpy(a->sgs, sgs, (size_t)n_sgs * sizeof(*sgs));
	a->n_sgs = n_sgs;
	snprintf(desc, sizeof(desc), "%s/%s/%s", b->t->vpcs[v].name, sn->name, what);
	eni_id_make(b->t->name, desc, a->eni_id);
	return i;
}

static int add_eni(struct builder *b, int node, int v, int s, uint32_t ip,
		   const int *sgs, int n_sgs, const char *what)
{
	return add_eni_k(b, node, v, s, ip, sgs, n_sgs, what, -1);
}

static int add_link(struct builder *b, enum link_kind kind, int ref, int ra, int rb,
		    const char *name_a, const char *name_b)
{
	struct layout *L = b->L;
	struct router_link *l = &L->links[L->n_links];
	uint32_t base = b->link_pool.cidr.addr + 4u * (uint32_t)L->n_links;

	l->kind = kind;
	l->mtu = kind == LINK_PEERING ? MTU_VPC : MTU_INTERNET;
	l->ref = ref;
	l->router[0] = ra;
	l->router[1] = rb;
	snprintf(l->ifname[0], IFNAMSIZ, "%s", name_a);
	snprintf(l->ifname[1], IFNAMSIZ, "%s", name_b);
	l->ifindex[0] = l->ifindex[1] = IFINDEX_LINK_BASE + L->n_links;
	l->ip[0] = base + 1;
	l->ip[1] = base + 2;
	return L->n_links++;
}

static uint32_t take_public(struct builder *b, const char *path, const char *what)
{
	uint32_t ip = pool_next(&b->public_pool, false);

	if (!ip)
		diag_add(b->d, path, "AddressLimitExceeded",
			 "no public address left in %s for %s; give it a fixed public_ip or use fewer",
			 PUBLIC_POOL, what);
	return ip;
}

static uint32_t take_private(struct builder *b, int v, int s, const char *path, const char *what)
{
	struct pool *p = &b->subnet_pool[v][s];
	uint32_t ip = pool_next(p, true);
	char buf[CIDR_STRLEN];

	if (!ip)
		diag_add(b->d, path, "InsufficientFreeAddressesInSubnet",
			 "subnet %s (%s, %u usable addresses) has no free address left for %s; use a larger subnet",
			 b->t->vpcs[v].subnets[s].name, cidr_str(p->cidr, buf),
			 subnet_usable(p->cidr), what);
	return ip;
}

static bool builder_init(struct builder *b)
{
	const struct topology *t = b->t;
	struct cidr pub, lnk;

	cidr_parse(PUBLIC_POOL, &pub, NULL);
	cidr_parse(LINK_POOL, &lnk, NULL);
	if (!pool_init(&b->public_pool, pub) || !pool_init(&b->link_pool, lnk))
		return false;
	b->subnet_pool = calloc((size_t)t->n_vpcs + 1, sizeof(*b->subnet_pool));
	if (!b->subnet_pool)
		return false;
	for (int v = 0; v < t->n_vpcs; v++) {
		b->subnet_pool[v] = calloc((size_t)t->vpcs[v].n_subnets + 1, sizeof(struct pool));
		if (!b->subnet_pool[v])
			return false;
		for (int s = 0; s < t->vpcs[v].n_subnets; s++)
			if (!pool_init(&b->subnet_pool[v][s], t->vpcs[v].subnets[s].cidr))
				return false;
	}
	/* Addresses fixed in the file are never handed out. */
	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];

		if (r->ip)
			pool_take(&b->subnet_pool[r->vpc][r->subnet], r->ip);
		if (r->public_ip && cidr_contains_ip(pub, r->public_ip))
			pool_take(&b->public_pool, r->public_ip);
	}
	for (int i = 0; i < t->n_hosts; i++)
		if (cidr_contains_ip(pub, t->hosts[i].ip))
			pool_take(&b->public_pool, t->hosts[i].ip);
	return true;
}

static void builder_free(struct builder *b)
{
	if (b->subnet_pool) {
		for (int v = 0; v < b->t->n_vpcs; v++) {
			for (int s = 0; b->subnet_pool[v] && s < b->t->vpcs[v].n_subnets; s++)
				free(b->subnet_pool[v][s].used);
			free(b->subnet_pool[v]);
		}
		free(b->subnet_pool);
	}
	free(b->public_pool.used);
	free(b->link_pool.used);
}

static bool layout_alloc(struct layout *L, const struct topology *t)
{
	int n_nat = 0, n_nodes, n_gw = 0;

	int n_vpce = 0;

	for (int v = 0; v < t->n_vpcs; v++) {
		n_nat += t->vpcs[v].n_nat_gateways;
		for (int e = 0; e < t->vpcs[v].n_endpoints; e++) {
			n_gw += t->vpcs[v].endpoints[e].type == VPCE_GATEWAY;
			if (t->vpcs[v].endpoints[e].type == VPCE_INTERFACE)
				n_vpce += t->vpcs[v].endpoints[e].n_subnets;
		}
	}
	/* At most one hyperplane per function subnet. */
	n_nodes = t->n_resources + t->n_hosts + n_nat + n_vpce + 1; /* + the AWS zone */
	for (int f = 0; f < t->n_functions; f++)
		n_nodes += t->functions[f].n_subnets;
	L->hpls = calloc((size_t)n_nodes + 1, sizeof(*L->hpls));
	L->routers = calloc((size_t)(t->n_vpcs + n_gw) + 2, sizeof(*L->routers));
	L->vpc_router = calloc((size_t)t->n_vpcs + 1, sizeof(int));
	L->vpc_igw = calloc((size_t)t->n_vpcs + 1, sizeof(int));
	L->nodes = calloc((size_t)n_nodes + 1, sizeof(*L->nodes));
	L->atts = calloc((size_t)n_nodes + 1, sizeof(*L->atts));
	L->links = calloc((size_t)(t->n_vpcs + t->n_peerings + 2 * n_gw + 1), sizeof(*L->links));
	L->nat_node = calloc((size_t)t->n_vpcs + 1, sizeof(int *));
	L->vpce_enis = calloc((size_t)n_vpce + 1, sizeof(*L->vpce_enis));
	if (!L->vpce_enis || !L->routers || !L->vpc_router || !L->vpc_igw || !L->nodes || !L->atts ||
	    !L->links || !L->nat_node || !L->hpls)
		return false;
	for (int v = 0; v < t->n_vpcs; v++) {
		L->nat_node[v] = calloc((size_t)t->vpcs[v].n_nat_gateways + 1, sizeof(int));
		if (!L->nat_node[v])
			return false;
	}
	return true;
}

/* A gateway endpoint is a router between its VPC's router (which routes
 * the prefix list to it from the listed tables) and the internet router
 * (behind which the AWS zone answers); it source-NATs onto its link
 * address there, so the zone's replies find their way back whatever the
 * VPC's CIDR. Laid out after every other link: topologies without
 * endpoints keep their numbering. */
static void lay_gateway_endpoints(struct builder *b)
{
	const struct topology *t = b->t;
	struct layout *L = b->L;

	for (int v = 0; v < t->n_vpcs; v++)
		for (int e = 0; e < t->vpcs[v].n_endpoints; e++) {
			char vpc_end[IFNAMSIZ], inet_end[IFNAMSIZ];
			int r;

			if (t->vpcs[v].endpoints[e].type != VPCE_GATEWAY)
				continue;
			r = add_router(L, ROUTER_VPCE, v, "vpce", t->vpcs[v].name);
			ns_name(L->routers[r].netns, NETNS_NAME_MAX, t->name, "vpce", t->vpcs[v].name,
				t->vpcs[v].endpoints[e].name, NULL);
			L->routers[r].endpoint = e;
			snprintf(vpc_end, sizeof(vpc_end), "x%d", e);
			snprintf(inet_end, sizeof(inet_end), "x%d", r);
			add_link(b, LINK_VPCE, r, L->vpc_router[v], r, vpc_end, "vpc");
			add_link(b, LINK_VPCE_ZONE, r, r, L->inet, "inet", inet_end);
		}
}

static void lay_routers_and_links(struct builder *b)
{
	const struct topology *t = b->t;
	struct layout *L = b->L;

	L->inet = add_router(L, ROUTER_INTERNET, -1, "inet", NULL);
	L->lambda = add_router(L, ROUTER_LAMBDA, -1, "lambda", NULL);
	for (int v = 0; v < t->n_vpcs; v++)
		L->vpc_router[v] = add_router(L, ROUTER_VPC, v, "vpc", t->vpcs[v].name);
	add_link(b, LINK_LAMBDA, -1, L->lambda, L->inet, "inet", "lambda");
	for (int v = 0; v < t->n_vpcs; v++) {
		char inet_end[IFNAMSIZ];

		L->vpc_igw[v] = -1;
		if (!t->vpcs[v].internet_gateway)
			continue;
		snprintf(inet_end, sizeof(inet_end), "g%d", v);
		L->vpc_igw[v] = add_link(b, LINK_IGW, v, L->vpc_router[v], L->inet, "igw", inet_end);
	}
	for (int p = 0; p < t->n_peerings; p++) {
		char end[IFNAMSIZ];

		snprintf(end, sizeof(end), "p%d", p);
		add_link(b, LINK_PEERING, p, L->vpc_router[t->peerings[p].vpc[0]],
			 L->vpc_router[t->peerings[p].vpc[1]], end, end);
	}
	lay_gateway_endpoints(b);
}

/* NAT gateways first, then resources, then functions: "the lowest free
 * address in file order", VPCs (and their gateways) coming first. */
static void lay_vpc_nodes(struct builder *b)
{
	const struct topology *t = b->t;
	struct layout *L = b->L;
	char path[128], what[128];

	for (int v = 0; v < t->n_vpcs; v++) {
		const struct vpc *vpc = &t->vpcs[v];

		for (int g = 0; g < vpc->n_nat_gateways; g++) {
			const struct nat_gateway *ng = &vpc->nat_gateways[g];
			int node, att;
			uint32_t ip;

			snprintf(path, sizeof(path), "vpcs[%d].nat_gateways[%d]", v, g);
			snprintf(what, sizeof(what), "NAT gateway %s", ng->name);
			ip = take_private(b, v, ng->subnet, path, what);
			node = add_node(L, NODE_NAT, g, v, ng->name, "nat");
			ns_name(L->nodes[node].netns, NETNS_NAME_MAX, t->name, "nat", vpc->name,
				ng->name, NULL);
			snprintf(what, sizeof(what), "nat/%s", ng->name);
			/* A NAT gateway's ENI has no security group in AWS. */
			att = add_eni(b, node, v, ng->subnet, ip, NULL, 0, what);
			L->atts[att].public_ip = take_public(b, path, "a NAT gateway");
			L->nat_node[v][g] = node;
		}
	}
	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];
		uint32_t ip = r->ip;
		int node, att;

		if (r->cni) /* lay_containers() */
			continue;
		snprintf(path, sizeof(path), "resources[%d]", i);
		snprintf(what, sizeof(what), "resource %s", r->name);
		if (!ip)
			ip = take_private(b, r->vpc, r->subnet, path, what);
		node = add_node(L, NODE_RESOURCE, i, r->vpc, r->name, "res");
		snprintf(what, sizeof(what), "resource/%s", r->name);
		att = add_eni(b, node, r->vpc, r->subnet, ip, r->sgs, r->n_sgs, what);
		if (r->public_ip)
			L->atts[att].public_ip = r->public_ip;
		else if (r->public_ip_auto || r->publicly_accessible)
			L->atts[att].public_ip = take_public(b, path, "a public resource");
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The hyperplane of (vpc, subnet, sorted groups), made if new. */
static int hyperplane_of(struct builder *b, int fn, int s, const int *sgs, int n_sgs)
{
	const struct topology *t = b->t;
	const struct function *f = &t->functions[fn];
	struct layout *L = b->L;
	struct hyperplane *h;
	char path[128], what[192], kname[16];
	int k = 0, node;

	for (int i = 0; i < L->n_hpls; i++) {
		h = &L->hpls[i];
		if (h->vpc != f->vpc || h->subnet != s)
			continue;
		k++;
		if (h->n_sgs == n_sgs && !memcmp(h->sgs, sgs, (size_t)n_sgs * sizeof(*sgs))) {
			size_t len = strlen(h->functions);

			snprintf(h->functions + len, sizeof(h->functions) - len, ",%s", f->name);
			return i;
		}
	}
	h = &L->hpls[L->n_hpls];
	h->vpc = f->vpc;
	h->subnet = s;
	memcpy(h->sgs, sgs, (size_t)n_sgs * sizeof(*sgs));
	h->n_sgs = n_sgs;
	snprintf(h->name, sizeof(h->name), "hpl-%s-%d", t->vpcs[f->vpc].subnets[s].name, k);
	snprintf(h->functions, sizeof(h->functions), "%s", f->name);
	snprintf(path, sizeof(path), "functions[%d].vpc_config", fn);
	snprintf(what, sizeof(what), "the hyperplane ENI of function %s", f->name);
	uint32_t ip = take_private(b, f->vpc, s, path, what);

	node = add_node(L, NODE_HYPERPLANE, L->n_hpls, f->vpc, h->name, "hpl");
	snprintf(kname, sizeof(kname), "%d", k);
	ns_name(L->nodes[node].netns, NETNS_NAME_MAX, t->name, "hpl", t->vpcs[f->vpc].name,
		t->vpcs[f->vpc].subnets[s].name, kname);
	h->node = node;
	snprintf(what, sizeof(what), "hyperplane/%d", k);
	add_eni(b, node, f->vpc, s, ip, sgs, n_sgs, what);
	return L->n_hpls++;
}

/* Functions get no node at `up`: their execution environments are made
 * by attach and invoke (env.c). In hyperplane mode, the ENIs they share
 * are laid out here. */
static void lay_functions_and_hosts(struct builder *b)
{
	const struct topology *t = b->t;
	struct layout *L = b->L;

	for (int i = 0; t->eni_mode == ENI_MODE_HYPERPLANE && i < t->n_functions; i++) {
		const struct function *f = &t->functions[i];
		int sgs[ENI_SG_MAX];

		if (!f->has_vpc)
			continue;
		memcpy(sgs, f->sgs, (size_t)f->n_sgs * sizeof(*sgs));
		qsort(sgs, (size_t)f->n_sgs, sizeof(*sgs), cmp_int);
		for (int k = 0; k < f->n_subnets; k++)
			hyperplane_of(b, i, f->subnets[k], sgs, f->n_sgs);
	}
	for (int i = 0; i < t->n_hosts; i++) {
		const struct internet_host *h = &t->hosts[i];
		int node = add_node(L, NODE_HOST, i, -1, h->name, "host");

		add_attachment(L, L->inet, node, h->ip, INET_GATEWAY, 32);
	}
	L->lambda_egress_ip = take_public(b, "lambda", "the Lambda service egress");
	L->aws_node = -1;
	if (t->aws.enabled) {
		L->aws_node = add_node(L, NODE_AWS, 0, -1, "aws", "aws");
		add_attachment(L, L->inet, L->aws_node, AWS_ZONE_IP, INET_GATEWAY, 32);
	}
}

/* Interface endpoints: one ENI per listed subnet, laid out after every
 * other VPC node, so topologies without endpoints keep their addresses. */
static void lay_interface_endpoints(struct builder *b)
{
	const struct topology *t = b->t;
	struct layout *L = b->L;
	char path[128], what[160];

	for (int v = 0; v < t->n_vpcs; v++)
		for (int e = 0; e < t->vpcs[v].n_endpoints; e++) {
			const struct vpc_endpoint *ep = &t->vpcs[v].endpoints[e];

			for (int k = 0; ep->type == VPCE_INTERFACE && k < ep->n_subnets; k++) {
				const char *sn = t->vpcs[v].subnets[ep->subnets[k]].name;
				struct vpce_eni *x = &L->vpce_enis[L->n_vpce_enis];
				uint32_t ip;

				snprintf(path, sizeof(path), "vpcs[%d].endpoints[%d].subnets[%d]", v, e, k);
				snprintf(what, sizeof(what), "the ENI of endpoint %s", ep->name);
				ip = take_private(b, v, ep->subnets[k], path, what);
				*x = (struct vpce_eni){ .vpc = v, .endpoint = e, .subnet = ep->subnets[k] };
				snprintf(x->name, sizeof(x->name), "%s-%s", ep->name, sn);
				x->node = add_node(L, NODE_VPCE, L->n_vpce_enis, v, x->name, "vpce");
				ns_name(L->nodes[x->node].netns, NETNS_NAME_MAX, t->name, "vpce",
					t->vpcs[v].name, ep->name, sn);
				snprintf(what, sizeof(what), "vpce/%s", ep->name);
				add_eni(b, x->node, v, ep->subnets[k], ip, ep->sgs, ep->n_sgs, what);
				L->n_vpce_enis++;
			}
		}
}

/* Containers the CNI plugin placed (topology_cni.c) come last, each on
 * its own e<link> with its own address, so that they never move what `up`
 * laid out. Their namespace is the container's, bound under the name
 * vpcsim-TOPO.cni.NAME while it is attached. */
static void lay_containers(struct builder *b)
{
	const struct topology *t = b->t;

	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];
		char what[128];
		int node;

		if (!r->cni || r->vpc < 0)
			continue;
		node = add_node(b->L, NODE_RESOURCE, i, r->vpc, r->name, "cni");
		snprintf(what, sizeof(what), "container/%s/%s", r->cni->container_id,
			 r->cni->ifname);
		add_eni_k(b, node, r->vpc, r->subnet, r->ip, r->sgs, r->n_sgs, what, r->cni->link);
	}
}

/* Every ENI of a VPC has an entry in its enis map (DP_ENIS_MAX): more
 * than that could not be loaded, so `validate` refuses it here. */
static void check_enis_per_vpc(const struct layout *L, struct diags *d)
{
	int *n = calloc((size_t)L->t->n_vpcs + 1, sizeof(*n));
	char path[64];

	if (!n)
		return;
	for (int i = 0; i < L->n_atts; i++)
		if (L->atts[i].vpc >= 0)
			n[L->atts[i].vpc]++;
	for (int v = 0; v < L->t->n_vpcs; v++) {
		if (n[v] <= DP_ENIS_MAX)
			continue;
		snprintf(path, sizeof(path), "vpcs[%d]", v);
		diag_add(d, path, "NetworkInterfaceLimitExceeded",
			 "VPC %s would have %d ENIs (resources, NAT gateways, hyperplane ENIs); "
			 "its data plane holds %d: spread them over more VPCs",
			 L->t->vpcs[v].name, n[v], DP_ENIS_MAX);
	}
	free(n);
}

int layout_build(const struct topology *t, struct layout *L, struct diags *d)
{
	struct builder b = { .t = t, .L = L, .d = d };
	int errors = d->n_errors;

	memset(L, 0, sizeof(*L));
	L->t = t;
	if (!layout_alloc(L, t) || !builder_init(&b)) {
		diag_add(d, "$", "OutOfMemory", "out of memory laying out the topology");
		builder_free(&b);
		return -1;
	}
	lay_routers_and_links(&b);
	lay_vpc_nodes(&b);
	lay_functions_and_hosts(&b);
	lay_interface_endpoints(&b);
	lay_containers(&b);
	check_enis_per_vpc(L, d);
	builder_free(&b);
	return d->n_errors > errors ? -1 : 0;
}

void layout_free(struct layout *L)
{
	if (L->nat_node)
		for (int v = 0; v < L->t->n_vpcs; v++)
			free(L->nat_node[v]);
	free(L->nat_node);
	free(L->routers);
	free(L->vpc_router);
	free(L->vpc_igw);
	free(L->nodes);
	free(L->atts);
	free(L->links);
	free(L->hpls);
	free(L->vpce_enis);
	memset(L, 0, sizeof(*L));
}

int layout_find_node(const struct layout *L, const char *name)
{
	for (int i = 0; i < L->n_nodes; i++)
		if (L->nodes[i].kind != NODE_NAT && L->nodes[i].kind != NODE_HYPERPLANE &&
		    L->nodes[i].kind != NODE_AWS && L->nodes[i].kind != NODE_VPCE &&
		    strcmp(L->nodes[i].name, name) == 0)
			return i;
	return -1;
}

int layout_find_function(const struct layout *L, const char *name)
{
	for (int i = 0; i < L->t->n_functions; i++)
		if (strcmp(L->t->functions[i].name, name) == 0)
			return i;
	return -1;
}

const char *layout_name_hint(const struct layout *L, const char *name, bool functions_only)
{
	static char hint[96];
	struct nearest nr = NEAREST_INIT;

	for (int i = 0; i < L->t->n_functions; i++)
		nearest_offer(&nr, name, L->t->functions[i].name);
	for (int i = 0; !functions_only && i < L->t->n_resources; i++)
		nearest_offer(&nr, name, L->t->resources[i].name);
	for (int i = 0; !functions_only && i < L->t->n_hosts; i++)
		nearest_offer(&nr, name, L->t->hosts[i].name);
	if (!nr.best)
		return "";
	snprintf(hint, sizeof(hint), "; did you mean '%s'?", nr.best);
	return hint;
}

int layout_fn_hyperplane(const struct layout *L, int fn, int subnet_i)
{
	const struct function *f = &L->t->functions[fn];
	int sgs[ENI_SG_MAX];

	if (!f->has_vpc || subnet_i >= f->n_subnets)
		return -1;
	memcpy(sgs, f->sgs, (size_t)f->n_sgs * sizeof(*sgs));
	qsort(sgs, (size_t)f->n_sgs, sizeof(*sgs), cmp_int);
	for (int i = 0; i < L->n_hpls; i++) {
		const struct hyperplane *h = &L->hpls[i];

		if (h->vpc == f->vpc && h->subnet == f->subnets[subnet_i] &&
		    h->n_sgs == f->n_sgs && !memcmp(h->sgs, sgs, (size_t)f->n_sgs * sizeof(*sgs)))
			return i;
	}
	return -1;
}

int layout_vpce_router(const struct layout *L, int vpc, int ep)
{
	for (int r = 0; r < L->n_routers; r++)
		if (L->routers[r].role == ROUTER_VPCE && L->routers[r].vpc == vpc &&
		    L->routers[r].endpoint == ep)
			return r;
	return -1;
}

int layout_vpce_link(const struct layout *L, int vpc, int ep, enum link_kind kind)
{
	int r = layout_vpce_router(L, vpc, ep);

	for (int i = 0; r >= 0 && i < L->n_links; i++)
		if (L->links[i].kind == kind && L->links[i].ref == r)
			return i;
	return -1;
}

int layout_peering_link(const struct layout *L, int peering)
{
	for (int i = 0; i < L->n_links; i++)
		if (L->links[i].kind == LINK_PEERING && L->links[i].ref == peering)
			return i;
	return -1;
}

uint32_t layout_resolve(const struct layout *L, int asker, int target)
{
	return layout_resolve_vpc(L, asker >= 0 ? L->nodes[asker].vpc : -1, target);
}

uint32_t layout_resolve_vpc(const struct layout *L, int av, int target)
{
	const struct node *tn = &L->nodes[target];
	const struct attachment *ta = &L->atts[tn->att];

	if (tn->vpc >= 0 && av >= 0 && (av == tn->vpc || topo_peered(L->t, av, tn->vpc)))
		return ta->ip;
	return ta->public_ip ? ta->public_ip : ta->ip;
}

struct topology *topology_open_as(const char *file, const struct template_opts *o,
				  struct layout *L, struct diags *d, char **text, size_t *len)
{
	struct topology *t = NULL;
	size_t n = 0;
	char *buf = file_read(file, &n);

	if (!buf) {
		diags_error(d, "", "FileNotReadable", "cannot read: %s", strerror(errno));
	} else if (template_is(file, buf, n)) {
		/* A template becomes its topology document, parsed as the file's
		 * (relative code paths stay relative to the template). */
		static const struct template_opts none = { 0 };
		char *topo = template_import(file, buf, n, o ? o : &none, d);

		free(buf);
		buf = topo;
		n = topo ? strlen(topo) : 0;
		if (buf)
			t = topology_parse(file, buf, n, d);
	} else {
		t = topology_parse(file, buf, n, d);
	}
	if (t && layout_build(t, L, d) < 0) {
		layout_free(L);
		topology_free(t);
		t = NULL;
	}
	if (t && text) {
		*text = buf;
		*len = n;
	} else {
		free(buf);
	}
	return t;
}

struct topology *topology_open_bytes(const char *file, struct layout *L, struct diags *d,
				     char **text, size_t *len)
{
	return topology_open_as(file, NULL, L, d, text, len);
}

struct topology *topology_open(const char *file, struct layout *L, struct diags *d)
{
	return topology_open_bytes(file, L, d, NULL, NULL);
}
