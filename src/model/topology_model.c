/* The model's side of topology.h that needs no JSON: diagnostics, freeing,
 * lookups by name and the names of enum values. Shared by the parser
 * (topology.c) and the cross-object checks (topology_check.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/topology.h"
#include "model/topology_internal.h"

/* Allocation failure aborts, as everywhere in the parser (see topology.c). */
char *topo_strdup(const char *s)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		abort();
	return c;
}

/* ---- diagnostics ---- */

/* One diag per line: user text must not break the line or the terminal. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void diag_vadd(struct diags *d, bool warning, const char *path,
		      const char *code, const char *fmt, va_list ap)
{
	struct diag *g;

	/* Capacity doubles at 16, 32, 64...: linear in the number of diags. */
	if (d->n == 0 || (d->n >= 16 && !(d->n & (d->n - 1)))) {
		d->items = realloc(d->items, (size_t)(d->n ? 2 * d->n : 16) * sizeof(*d->items));
		if (!d->items)
			abort();
	}
	g = &d->items[d->n++];
	g->path = topo_strdup(path ? path : "");
	g->code = topo_strdup(code);
	if (vasprintf(&g->message, fmt, ap) < 0)
		abort();
	sanitize(g->path);
	sanitize(g->message);
	g->warning = warning;
	if (!warning)
		d->n_errors++;
}

void topo_error(struct diags *d, const char *path, const char *code,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, false, path, code, fmt, ap);
	va_end(ap);
}

void diags_error(struct diags *d, const char *path, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, false, path, code, fmt, ap);
	va_end(ap);
}

void topo_warning(struct diags *d, const char *path, const char *code,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, true, path, code, fmt, ap);
	va_end(ap);
}

void diags_print(const struct diags *d, const char *file, void *out)
{
	FILE *f = out;

	for (int i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];

		fprintf(f, "%s: ", file ? file : "-");
		if (g->path[0])
			fprintf(f, "%s: ", g->path);
		fprintf(f, "%s%s: %s\n", g->warning ? "warning: " : "",
			g->code, g->message);
	}
}

void diags_free(struct diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->items[i].path);
		free(d->items[i].code);
		free(d->items[i].message);
	}
	free(d->items);
	d->items = NULL;
	d->n = d->n_errors = 0;
}

/* Index of the element whose name is `name` in an array of structs, given
 * the address of the first element's name member and the element size. */
int topo_find_named(const void *first, size_t stride, int n, const char *name)
{
	for (int i = 0; name && i < n; i++) {
		const char *s = *(char *const *)((const char *)first + (size_t)i * stride);

		if (s && !strcmp(s, name))
			return i;
	}
	return -1;
}

/* ---- freeing ---- */

static void vpc_free(struct vpc *v)
{
	free(v->name);
	for (int i = 0; i < v->n_subnets; i++)
		free(v->subnets[i].name);
	free(v->subnets);
	for (int i = 0; i < v->n_route_tables; i++) {
		free(v->route_tables[i].name);
		free(v->route_tables[i].routes);
	}
	free(v->route_tables);
	for (int i = 0; i < v->n_nat_gateways; i++)
		free(v->nat_gateways[i].name);
	free(v->nat_gateways);
	for (int i = 0; i < v->n_security_groups; i++) {
		free(v->security_groups[i].name);
		free(v->security_groups[i].description);
		free(v->security_groups[i].ingress);
		free(v->security_groups[i].egress);
	}
	free(v->security_groups);
	for (int i = 0; i < v->n_nacls; i++) {
		free(v->nacls[i].name);
		free(v->nacls[i].ingress);
		free(v->nacls[i].egress);
	}
	free(v->nacls);
	for (int i = 0; i < v->n_endpoints; i++) {
		free(v->endpoints[i].name);
		free(v->endpoints[i].route_tables);
		free(v->endpoints[i].subnets);
	}
	free(v->endpoints);
}

void topology_free(struct topology *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n_vpcs; i++)
		vpc_free(&t->vpcs[i]);
	free(t->vpcs);
	for (int i = 0; i < t->n_hosts; i++) {
		free(t->hosts[i].name);
		free(t->hosts[i].dns_name);
		free(t->hosts[i].listen);
	}
	free(t->hosts);
	for (int i = 0; i < t->n_peerings; i++)
		free(t->peerings[i].name);
	free(t->peerings);
	for (int i = 0; i < t->n_resources; i++) {
		free(t->resources[i].name);
		free(t->resources[i].cni);
		free(t->resources[i].listen);
		free(t->resources[i].command);
		free(t->resources[i].user);
		free(t->resources[i].db.master_username);
		free(t->resources[i].db.master_password);
		free(t->resources[i].proxy.auth);
		free(t->resources[i].proxy.init_query);
	}
	free(t->resources);
	for (int i = 0; i < t->n_functions; i++) {
		struct function *f = &t->functions[i];

		for (int k = 0; k < f->n_env; k++) {
			free(f->env[k].key);
			free(f->env[k].value);
		}
		free(f->env);
		free(f->name);
		free(f->handler);
		free(f->role);
		for (int k = 0; k < f->n_events; k++) {
			free(f->events[k].expression);
			free(f->events[k].bucket);
			free(f->events[k].prefix);
			free(f->events[k].suffix);
			free(f->events[k].method);
			free(f->events[k].path);
		}
		free(f->events);
		function_code_free(&f->code);
	}
	free(t->functions);
	for (int i = 0; i < t->n_cloudfront; i++) {
		free(t->cloudfront[i].name);
		free(t->cloudfront[i].origin);
	}
	free(t->cloudfront);
	for (int i = 0; i < t->n_expects; i++) {
		free(t->expects[i].from);
		free(t->expects[i].to);
	}
	free(t->expects);
	for (int i = 0; i < t->n_secrets; i++) {
		free(t->secrets[i].name);
		free(t->secrets[i].username);
		free(t->secrets[i].password);
	}
	free(t->secrets);
	topo_aws_free(&t->aws);
	free(t->file);
	free(t->name);
	free(t->account_id);
	free(t->region);
	free(t);
}

/* ---- lookups and names ---- */

int topology_find_vpc(const struct topology *t, const char *name)
{
	return t->vpcs ? FIND(t->vpcs, t->n_vpcs, name) : -1;
}

int vpc_find_subnet(const struct vpc *v, const char *name)
{
	return v->subnets ? FIND(v->subnets, v->n_subnets, name) : -1;
}

int vpc_find_sg(const struct vpc *v, const char *name)
{
	return v->security_groups ? FIND(v->security_groups, v->n_security_groups, name) : -1;
}

int topo_find_peering(const struct topology *t, const char *name)
{
	return t->peerings ? FIND(t->peerings, t->n_peerings, name) : -1;
}

/* Functions, resources and internet hosts share one namespace of nodes. */
bool topo_has_node(const struct topology *t, const char *name)
{
	return (t->hosts && FIND(t->hosts, t->n_hosts, name) >= 0) ||
	       (t->resources && FIND(t->resources, t->n_resources, name) >= 0) ||
	       (t->functions && FIND(t->functions, t->n_functions, name) >= 0);
}

bool topo_has_http_api(const struct topology *t)
{
	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++)
			if (t->functions[i].events[k].type == FN_EVENT_HTTP_API)
				return true;
	return false;
}

bool topo_peered(const struct topology *t, int a, int b)
{
	for (int i = 0; i < t->n_peerings; i++) {
		const int *v = t->peerings[i].vpc;

		if ((v[0] == a && v[1] == b) || (v[0] == b && v[1] == a))
			return true;
	}
	return false;
}

const char *resource_kind_str(enum resource_kind k)
{
	switch (k) {
	case RES_GENERIC: return "generic";
	case RES_EC2: return "ec2";
	case RES_RDS: return "rds";
	case RES_RDS_PROXY: return "rds-proxy";
	}
	return "?";
}

const char *db_engine_str(enum db_engine e)
{
	return e == ENGINE_POSTGRES ? "postgres" : e == ENGINE_MYSQL ? "mysql" : "";
}

const char *probe_result_str(enum probe_result r)
{
	switch (r) {
	case PROBE_OPEN: return "open";
	case PROBE_REFUSED: return "refused";
	case PROBE_TIMEOUT: return "timeout";
	}
	return "?";
}

const char *proto_str(int proto, char buf[8])
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case PROTO_ALL: return "all";
	}
	snprintf(buf, 8, "%d", proto);
	return buf;
}

bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b)
{
	if (a->proto != b->proto)
		return false;
	if ((a->proto == 6 || a->proto == 17) &&
	    (a->ports.lo != b->ports.lo || a->ports.hi != b->ports.hi))
		return false;
	if (a->proto == 1 && (a->icmp_type != b->icmp_type || a->icmp_code != b->icmp_code))
		return false;
	if (a->peer_is_sg != b->peer_is_sg)
		return false;
	if (a->peer_is_sg)
		return a->peer_vpc == b->peer_vpc && a->peer_sg == b->peer_sg;
	return a->cidr.addr == b->cidr.addr && a->cidr.len == b->cidr.len;
}

/* ---- duplicates --------------------------------------------------------- */

struct dup_ref {
	const char *s;
	uint64_t u;
	int i;
};

static int dup_cmp_str(const void *a, const void *b)
{
	const struct dup_ref *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int dup_cmp_u64(const void *a, const void *b)
{
	const struct dup_ref *x = a, *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Sorted by (key, index), each run's head is the first of its key. */
static void dup_runs(struct dup_ref *r, int m, int *first,
		     int (*cmp)(const void *, const void *), bool by_str)
{
	qsort(r, (size_t)m, sizeof(*r), cmp);
	for (int j = 1; j < m; j++) {
		bool same = by_str ? !strcmp(r[j].s, r[j - 1].s) : r[j].u == r[j - 1].u;
		int head = first[r[j - 1].i] >= 0 ? first[r[j - 1].i] : r[j - 1].i;

		if (same)
			first[r[j].i] = head;
	}
}

void topo_first_equal_str(const char *const *keys, int n, int *first)
{
	struct dup_ref *r = calloc((size_t)n + 1, sizeof(*r));
	int m = 0;

	if (!r)
		abort();
	for (int i = 0; i < n; i++) {
		first[i] = -1;
		if (keys[i])
			r[m++] = (struct dup_ref){ .s = keys[i], .i = i };
	}
	dup_runs(r, m, first, dup_cmp_str, true);
	free(r);
}

void topo_first_equal_u64(const uint64_t *keys, const bool *skip, int n, int *first)
{
	struct dup_ref *r = calloc((size_t)n + 1, sizeof(*r));
	int m = 0;

	if (!r)
		abort();
	for (int i = 0; i < n; i++) {
		first[i] = -1;
		if (!skip || !skip[i])
			r[m++] = (struct dup_ref){ .u = keys[i], .i = i };
	}
	dup_runs(r, m, first, dup_cmp_u64, false);
	free(r);
}
