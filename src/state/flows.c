/* Flow records of every VPC of a topology that is up, tied to ENI ids. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "state/flows.h"
#include "state/vpc_dataplane.h"

int flows_open(const struct layout *L, struct flow_source *src)
{
	int n = L->t->n_vpcs, err;

	src->L = L;
	src->dp = calloc((size_t)(n ? n : 1), sizeof(*src->dp));
	if (!src->dp)
		return errf(ENOMEM, "opening the data planes");
	for (int v = 0; v < n; v++) {
		err = vpc_dp_open(L, v, &src->dp[v]);
		if (err < 0) {
			flows_close(src);
			return errf_prefix(err, "data plane of VPC %s", L->t->vpcs[v].name);
		}
	}
	return 0;
}

void flows_close(struct flow_source *src)
{
	for (int v = 0; src->dp && v < src->L->t->n_vpcs; v++)
		dp_close(src->dp[v]);
	free(src->dp);
	src->dp = NULL;
}

static const char *eni_of(const struct layout *L, int vpc, uint32_t ifindex)
{
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];

		if (a->vpc == vpc && (uint32_t)a->ifindex == ifindex && a->eni_id[0])
			return a->eni_id;
	}
	return "-";
}

struct collect {
	struct flow_set *set;
	const struct layout *L;
	int vpc;
};

int flow_set_add(struct flow_set *s, const struct flow_entry *e)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		void *grown = realloc(s->e, (size_t)cap * sizeof(*s->e));

		if (!grown)
			return errf(ENOMEM, "keeping flow records");
		s->e = grown;
		s->cap = cap;
	}
	s->e[s->n++] = *e;
	return 0;
}

static int collect_one(const struct dp_flow_record *r, void *ctx)
{
	struct collect *c = ctx;
	struct flow_entry e = { .r = *r, .vpc = c->vpc,
				.eni_id = eni_of(c->L, c->vpc, r->ifindex) };

	return flow_set_add(c->set, &e);
}

#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

int flow_entry_cmp_key(const struct flow_entry *a, const struct flow_entry *b)
{
	CMP(a->vpc, b->vpc);
	CMP(a->r.ifindex, b->r.ifindex);
	CMP(a->r.accept, b->r.accept);
	CMP(a->r.proto, b->r.proto);
	CMP(a->r.src, b->r.src);
	CMP(a->r.dst, b->r.dst);
	CMP(a->r.sport, b->r.sport);
	CMP(a->r.dport, b->r.dport);
	return 0;
}

/* qsort has no context argument: the offset of the sort in progress. */
static int64_t sort_offset_ns;

static int cmp_start(const void *pa, const void *pb)
{
	const struct flow_entry *a = pa, *b = pb;
	int64_t sa = ((int64_t)a->r.first_ns + sort_offset_ns) / 1000000000LL;
	int64_t sb = ((int64_t)b->r.first_ns + sort_offset_ns) / 1000000000LL;
	int c;

	CMP(sa, sb);
	c = strcmp(a->eni_id, b->eni_id);
	if (c)
		return c;
	CMP(a->r.first_ns, b->r.first_ns);
	return flow_entry_cmp_key(a, b);
}

int flows_read(struct flow_source *src, struct flow_set *set)
{
	struct collect c = { .set = set, .L = src->L };
	int err;

	set->n = 0;
	for (c.vpc = 0; c.vpc < src->L->t->n_vpcs; c.vpc++) {
		err = dp_flows_read(src->dp[c.vpc], collect_one, &c);
		if (err < 0)
			return errf_prefix(err, "flow records of VPC %s",
					   src->L->t->vpcs[c.vpc].name);
	}
	return 0;
}

void flow_set_sort(struct flow_set *set, int64_t clock_offset_ns)
{
	sort_offset_ns = clock_offset_ns;
	if (set->n)
		qsort(set->e, (size_t)set->n, sizeof(*set->e), cmp_start);
}

static int cmp_key(const void *a, const void *b)
{
	return flow_entry_cmp_key(a, b);
}

void flow_set_sort_by_key(struct flow_set *set)
{
	if (set->n)
		qsort(set->e, (size_t)set->n, sizeof(*set->e), cmp_key);
}

int flow_set_diff(struct flow_set *seen, const struct flow_set *now, struct flow_set *out)
{
	int n_seen = seen->n, err = 0;

	out->n = 0;
	for (int i = 0; !err && i < now->n; i++) {
		const struct flow_entry *e = &now->e[i];
		struct flow_entry *was = bsearch(e, seen->e, (size_t)n_seen, sizeof(*e), cmp_key);
		struct flow_entry delta = *e;

		if (!was) {
			err = flow_set_add(out, e);
			if (!err)
				err = flow_set_add(seen, e);
			continue;
		}
		if (e->r.first_ns != was->r.first_ns || e->r.packets < was->r.packets ||
		    e->r.bytes < was->r.bytes) {
			err = flow_set_add(out, e);
		} else if (e->r.packets > was->r.packets || e->r.bytes > was->r.bytes) {
			delta.r.packets -= was->r.packets;
			delta.r.bytes -= was->r.bytes;
			delta.r.first_ns = was->r.last_ns;
			err = flow_set_add(out, &delta);
		} else {
			continue;
		}
		*was = *e;
	}
	if (seen->n > n_seen)
		flow_set_sort_by_key(seen);
	return err;
}

void flow_set_free(struct flow_set *set)
{
	free(set->e);
	memset(set, 0, sizeof(*set));
}
