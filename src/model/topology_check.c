/* Rules that span several objects of a parsed topology: unique names,
 * overlapping CIDRs, unique addresses, peerings, NAT placement, reserved
 * concurrency. Works on the model only; topology.c has already reported
 * what is wrong inside each object, so elements it could not read (NULL
 * names, CIDR_BAD, index -1) are skipped here rather than reported again. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/topology.h"
#include "model/topology_internal.h"

struct named {
	const char *name;
	char path[PATH_LEN];       /* of the object; ".name" is appended */
};

/* The names of one namespace, e.g. every subnet of the topology. */
struct namespace {
	struct named *v;
	int n, cap;
	const char *scope;         /* for the message: "subnet names ..." */
};

__attribute__((format(printf, 3, 4)))
static void ns_add(struct namespace *ns, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!name)
		return;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 16;
		ns->v = realloc(ns->v, (size_t)ns->cap * sizeof(*ns->v));
		if (!ns->v)
			abort();
	}
	ns->v[ns->n].name = name;
	va_start(ap, fmt);
	vsnprintf(ns->v[ns->n].path, PATH_LEN, fmt, ap);
	va_end(ap);
	ns->n++;
}

/* Reports every name already used earlier in the namespace, then empties
 * it. O(n log n): files with many thousands of objects validate fast. */
static void ns_check(struct namespace *ns, struct diags *d)
{
	char path[PATH_LEN + 8];
	const char **names = calloc((size_t)ns->n + 1, sizeof(*names));
	int *first = calloc((size_t)ns->n + 1, sizeof(*first));

	if (!names || !first)
		abort();
	for (int i = 0; i < ns->n; i++)
		names[i] = ns->v[i].name;
	topo_first_equal_str(names, ns->n, first);
	for (int i = 0; i < ns->n; i++) {
		if (first[i] < 0)
			continue;
		snprintf(path, sizeof(path), "%s.name", ns->v[i].path);
		topo_error(d, path, "DuplicateName",
			   "The name '%s' is already used by %s; %s", ns->v[i].name,
			   ns->v[first[i]].path, ns->scope);
	}
	free(names);
	free(first);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
	ns->cap = 0;
}

static void check_vpc_names(const struct vpc *v, int vi, struct diags *d)
{
	struct namespace ns = { .scope = "route table names are unique per VPC" };

	for (int i = 0; i < v->n_route_tables; i++)
		if (!v->route_tables[i].implicit_main)
			ns_add(&ns, v->route_tables[i].name, "vpcs[%d].route_tables[%d]", vi, i);
	ns_check(&ns, d);
	ns.scope = "NAT gateway names are unique per VPC";
	for (int i = 0; i < v->n_nat_gateways; i++)
		ns_add(&ns, v->nat_gateways[i].name, "vpcs[%d].nat_gateways[%d]", vi, i);
	ns_check(&ns, d);
	ns.scope = "security group names are unique per VPC";
	for (int i = 0; i < v->n_security_groups; i++)
		if (!v->security_groups[i].implicit)
			ns_add(&ns, v->security_groups[i].name, "vpcs[%d].security_groups[%d]", vi, i);
	ns_check(&ns, d);
	ns.scope = "network ACL names are unique per VPC";
	for (int i = 0; i < v->n_nacls; i++)
		if (!v->nacls[i].implicit)
			ns_add(&ns, v->nacls[i].name, "vpcs[%d].network_acls[%d]", vi, i);
	ns_check(&ns, d);
}

static void check_names(const struct topology *t, struct diags *d)
{
	struct namespace ns = { .scope = "VPC names are unique" };

	for (int i = 0; i < t->n_vpcs; i++)
		ns_add(&ns, t->vpcs[i].name, "vpcs[%d]", i);
	ns_check(&ns, d);
	ns.scope = "subnet names are unique across the whole topology";
	for (int i = 0; i < t->n_vpcs; i++)
		for (int k = 0; k < t->vpcs[i].n_subnets; k++)
			ns_add(&ns, t->vpcs[i].subnets[k].name, "vpcs[%d].subnets[%d]", i, k);
	ns_check(&ns, d);
	ns.scope = "peering names are unique";
	for (int i = 0; i < t->n_peerings; i++)
		ns_add(&ns, t->peerings[i].name, "peerings[%d]", i);
	ns_check(&ns, d);
	/* Nodes share one namespace: they are host names inside every node. */
	ns.scope = "functions, resources and internet hosts share one namespace";
	for (int i = 0; i < t->n_hosts; i++)
		ns_add(&ns, t->hosts[i].name, "internet.hosts[%d]", i);
	for (int i = 0; i < t->n_resources; i++)
		ns_add(&ns, t->resources[i].name, "resources[%d]", i);
	for (int i = 0; i < t->n_functions; i++)
		ns_add(&ns, t->functions[i].name, "functions[%d]", i);
	ns_check(&ns, d);
	for (int i = 0; i < t->n_vpcs; i++)
		check_vpc_names(&t->vpcs[i], i, d);
}

struct span {
	uint64_t lo, hi;
	int i;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Subnets of a VPC never overlap. Sorted by start, a subnet overlaps an
 * earlier-starting one iff it starts before the furthest end seen so far;
 * the later of the two in the file is reported, once. O(n log n). */
static void check_subnet_overlaps(const struct vpc *v, int vi, struct diags *d)
{
	char path[PATH_LEN], a[CIDR_STRLEN], b[CIDR_STRLEN];
	struct span *sp = calloc((size_t)v->n_subnets + 1, sizeof(*sp));
	bool *done = calloc((size_t)v->n_subnets + 1, sizeof(*done));
	int n = 0, far = -1;

	if (!sp || !done)
		abort();
	for (int i = 0; i < v->n_subnets; i++) {
		struct cidr c = v->subnets[i].cidr;

		if (!cidr_valid(c))
			continue;
		sp[n].lo = c.addr;
		sp[n].hi = (uint64_t)c.addr + (c.len ? (1ull << (32 - c.len)) : (1ull << 32)) - 1;
		sp[n++].i = i;
	}
	qsort(sp, (size_t)n, sizeof(*sp), span_cmp);
	for (int j = 0; j < n; j++) {
		if (far >= 0 && sp[j].lo <= sp[far].hi) {
			int late = sp[j].i > sp[far].i ? sp[j].i : sp[far].i;
			int early = sp[j].i > sp[far].i ? sp[far].i : sp[j].i;
			const struct subnet *s = &v->subnets[late], *o = &v->subnets[early];

			if (!done[late]) {
				done[late] = true;
				snprintf(path, sizeof(path), "vpcs[%d].subnets[%d].cidr", vi, late);
				topo_error(d, path, "InvalidSubnet.Conflict",
					   "The CIDR '%s' conflicts with subnet %s %s (vpcs[%d].subnets[%d])",
					   cidr_str(s->cidr, a), o->name ? o->name : "?",
					   cidr_str(o->cidr, b), vi, early);
			}
		}
		if (far < 0 || sp[j].hi > sp[far].hi)
			far = j;
	}
	free(sp);
	free(done);
}

/* A NAT gateway source-NATs onto its Elastic IP, which only an internet
 * gateway route can carry out: it must sit in a public subnet. */
static void check_nat_placement(const struct vpc *v, int vi, struct diags *d)
{
	char path[PATH_LEN];

	for (int i = 0; i < v->n_nat_gateways; i++) {
		const struct nat_gateway *n = &v->nat_gateways[i];
		const struct subnet *s;

		if (n->subnet < 0)
			continue;
		s = &v->subnets[n->subnet];
		if (s->is_public || s->route_table < 0)
			continue;
		snprintf(path, sizeof(path), "vpcs[%d].nat_gateways[%d].subnet", vi, i);
		topo_error(d, path, "InvalidSubnet.NotPublic",
			   "The NAT gateway %s is in subnet %s, which is not public (its route table %s has no route to igw); put it in a public subnet",
			   n->name ? n->name : "?", s->name,
			   v->route_tables[s->route_table].name);
	}
}

/* Sandboxes live in the Lambda service VPC and reach a VPC through NAT
 * onto its ENI; when the two ranges overlap, the sandbox's own local route
 * captures the VPC's addresses. AWS hides its service addresses, so this
 * is the simulator's limit: a warning with the fix, not a refusal. */
static void check_service_cidr(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN], a[CIDR_STRLEN], b[CIDR_STRLEN];

	for (int i = 0; i < t->n_vpcs; i++) {
		const struct vpc *v = &t->vpcs[i];

		if (!cidr_valid(v->cidr) || !cidr_valid(t->service_cidr) ||
		    !cidr_overlaps(v->cidr, t->service_cidr))
			continue;
		snprintf(path, sizeof(path), "vpcs[%d].cidr", i);
		topo_warning(d, path, "OverlappingCidrs",
			     "VPC %s (%s) overlaps lambda.service_cidr %s: functions may not reach its addresses; set lambda.service_cidr to a range no VPC uses",
			     v->name ? v->name : "?", cidr_str(v->cidr, a), cidr_str(t->service_cidr, b));
	}
}

/* AWS refuses to peer overlapping CIDRs; the peering request just fails
 * ("overlapping CIDRs") without an API error code, so the code here is our
 * own: OverlappingCidrs. The same pair twice is AWS's
 * VpcPeeringConnectionAlreadyExists. */
static void check_peerings(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN], a[CIDR_STRLEN], b[CIDR_STRLEN];
	int n = t->n_peerings, *first = calloc((size_t)n + 1, sizeof(*first));
	uint64_t *pairs = calloc((size_t)n + 1, sizeof(*pairs));
	bool *skip = calloc((size_t)n + 1, sizeof(*skip));

	if (!first || !pairs || !skip)
		abort();
	for (int i = 0; i < n; i++) {
		const int *v = t->peerings[i].vpc;
		int lo = v[0] < v[1] ? v[0] : v[1], hi = v[0] < v[1] ? v[1] : v[0];

		skip[i] = lo < 0;
		pairs[i] = (uint64_t)(uint32_t)lo << 32 | (uint32_t)hi;
	}
	topo_first_equal_u64(pairs, skip, n, first);
	for (int i = 0; i < n; i++) {
		const struct peering *p = &t->peerings[i];
		const struct vpc *x, *y;

		if (p->vpc[0] < 0 || p->vpc[1] < 0)
			continue;
		x = &t->vpcs[p->vpc[0]];
		y = &t->vpcs[p->vpc[1]];
		snprintf(path, sizeof(path), "peerings[%d].vpcs", i);
		if (cidr_valid(x->cidr) && cidr_valid(y->cidr) && cidr_overlaps(x->cidr, y->cidr))
			topo_error(d, path, "OverlappingCidrs",
				   "VPCs %s (%s) and %s (%s) cannot be peered: their CIDRs overlap",
				   x->name, cidr_str(x->cidr, a), y->name, cidr_str(y->cidr, b));
		if (first[i] >= 0)
			topo_error(d, path, "VpcPeeringConnectionAlreadyExists",
				   "VPCs %s and %s are already peered by peerings[%d]",
				   x->name, y->name, first[i]);
	}
	free(pairs);
	free(skip);
	free(first);
}

/* A fixed private address: inside its subnet, not reserved, unique in the
 * VPC. Addresses allocated later (NAT gateways, ENIs) avoid these. */
static void check_resource_ip(const struct topology *t, int ri, int first, struct diags *d)
{
	const struct resource *r = &t->resources[ri];
	const struct subnet *s = &t->vpcs[r->vpc].subnets[r->subnet];
	char path[PATH_LEN], ip[IP4_STRLEN], cb[CIDR_STRLEN];

	snprintf(path, sizeof(path), "resources[%d].ip", ri);
	ip4_str(r->ip, ip);
	if (!cidr_valid(s->cidr))
		return;
	if (!cidr_contains_ip(s->cidr, r->ip)) {
		topo_error(d, path, "InvalidParameterValue",
			   "The address %s is outside subnet %s (%s)", ip, s->name, cidr_str(s->cidr, cb));
		return;
	}
	if (subnet_reserved(s->cidr, r->ip)) {
		topo_error(d, path, "InvalidParameterValue",
			   "The address %s is reserved in subnet %s (%s): AWS keeps the first four and the last address",
			   ip, s->name, cidr_str(s->cidr, cb));
		return;
	}
	if (first >= 0)
		topo_error(d, path, "InvalidIPAddress.InUse",
			   "The address %s is already used by resource %s (resources[%d])",
			   ip, t->resources[first].name ? t->resources[first].name : "?", first);
}

/* Fixed public addresses are unique across the topology, hosts included. */
static void check_public_ips(const struct topology *t, struct diags *d)
{
	struct { uint32_t ip; char path[PATH_LEN]; } *v;
	char ip[IP4_STRLEN];
	int n = 0;

	v = calloc((size_t)(t->n_hosts + t->n_resources) + 1, sizeof(*v));
	if (!v)
		abort();
	for (int i = 0; i < t->n_hosts; i++) {
		v[n].ip = t->hosts[i].ip;
		snprintf(v[n++].path, PATH_LEN, "internet.hosts[%d].ip", i);
	}
	for (int i = 0; i < t->n_resources; i++) {
		v[n].ip = t->resources[i].public_ip;
		snprintf(v[n++].path, PATH_LEN, "resources[%d].public_ip", i);
	}
	uint64_t *ips = calloc((size_t)n + 1, sizeof(*ips));
	bool *skip = calloc((size_t)n + 1, sizeof(*skip));
	int *first = calloc((size_t)n + 1, sizeof(*first));

	if (!ips || !skip || !first)
		abort();
	for (int i = 0; i < n; i++) {
		ips[i] = v[i].ip;
		skip[i] = !v[i].ip;
	}
	topo_first_equal_u64(ips, skip, n, first);
	for (int i = 0; i < n; i++)
		if (first[i] >= 0)
			topo_error(d, v[i].path, "InvalidIPAddress.InUse",
				   "The public address %s is already used by %s",
				   ip4_str(v[i].ip, ip), v[first[i]].path);
	free(ips);
	free(skip);
	free(first);
	free(v);
}

static void check_resources(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN];
	int n = t->n_resources, *first = calloc((size_t)n + 1, sizeof(*first));
	uint64_t *keys = calloc((size_t)n + 1, sizeof(*keys));
	bool *skip = calloc((size_t)n + 1, sizeof(*skip));

	if (!first || !keys || !skip)
		abort();
	/* Fixed private addresses are unique per VPC. */
	for (int i = 0; i < n; i++) {
		keys[i] = (uint64_t)(uint32_t)t->resources[i].vpc << 32 | t->resources[i].ip;
		skip[i] = t->resources[i].vpc < 0 || !t->resources[i].ip;
	}
	topo_first_equal_u64(keys, skip, n, first);
	free(keys);
	free(skip);
	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];
		const struct subnet *s;

		if (r->vpc < 0)
			continue;
		if (r->ip)
			check_resource_ip(t, i, first[i], d);
		s = &t->vpcs[r->vpc].subnets[r->subnet];
		if (!(r->public_ip || r->public_ip_auto) || s->is_public ||
		    s->route_table < 0 || r->kind == RES_RDS_PROXY)
			continue;
		/* AWS accepts this and the address is simply unreachable. */
		snprintf(path, sizeof(path), "resources[%d].%s", i,
			 r->publicly_accessible ? "publicly_accessible" : "public_ip");
		topo_warning(d, path, "PublicIpInPrivateSubnet",
			     "Resource %s gets a public address, but subnet %s is not public (no route to igw): the address will be unreachable",
			     r->name ? r->name : "?", s->name);
	}
	free(first);
	check_public_ips(t, d);
}

/* Reserved concurrency comes out of the account's limit. AWS also keeps
 * 100 unreserved; with the small limits of a simulation that would forbid
 * any reservation, so we only require the sum to fit in the limit. */
static void check_reserved_concurrency(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN];
	long sum = 0;

	for (int i = 0; i < t->n_functions; i++) {
		const struct function *f = &t->functions[i];

		if (f->reserved_concurrency <= 0)
			continue;
		sum += f->reserved_concurrency;
		if (sum <= t->concurrency_limit)
			continue;
		snprintf(path, sizeof(path), "functions[%d].reserved_concurrency", i);
		topo_error(d, path, "InvalidParameterValueException",
			   "Reserved concurrency adds up to %ld, above lambda.concurrency_limit %d; lower it or raise the limit",
			   sum, t->concurrency_limit);
		return;
	}
}

void topology_check(const struct topology *t, struct diags *d)
{
	check_names(t, d);
	for (int i = 0; i < t->n_vpcs; i++) {
		check_subnet_overlaps(&t->vpcs[i], i, d);
		check_nat_placement(&t->vpcs[i], i, d);
	}
	check_peerings(t, d);
	check_service_cidr(t, d);
	check_resources(t, d);
	check_reserved_concurrency(t, d);
	topology_check_limits(t, d);
}
