/* Power tuning's arithmetic; see tune.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/pricing.h"
#include "model/tune.h"
#include "util/err.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile of sorted v[0..n), nearest rank. */
static double rank(const double *v, int n, int p)
{
	int i = (n * p + 99) / 100;

	return v[i < 1 ? 0 : i - 1];
}

void tune_point_fill(struct tune_point *p, int memory_mb, const double *ms, int n)
{
	double *v = n > 0 ? malloc((size_t)n * sizeof(*v)) : NULL;

	memset(p, 0, sizeof(*p));
	p->memory_mb = memory_mb;
	if (!v)
		return;
	memcpy(v, ms, (size_t)n * sizeof(*v));
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	p->runs = n;
	p->p50_ms = rank(v, n, 50);
	p->p95_ms = rank(v, n, 95);
	p->billed_ms = (long long)p->p50_ms;
	if ((double)p->billed_ms < p->p50_ms)
		p->billed_ms++;
	if (p->billed_ms < 1)
		p->billed_ms = 1;
	p->usd = lambda_cost(1, lambda_gb_seconds(p->billed_ms, memory_mb)).total_usd;
	free(v);
}

void tune_pick(const struct tune_point *p, int n, int *cheapest, int *fastest)
{
	*cheapest = *fastest = 0;
	for (int i = 1; i < n; i++) {
		const struct tune_point *c = &p[*cheapest], *f = &p[*fastest];

		if (p[i].usd < c->usd || (p[i].usd == c->usd && p[i].p50_ms < c->p50_ms))
			*cheapest = i;
		if (p[i].p50_ms < f->p50_ms || (p[i].p50_ms == f->p50_ms && p[i].usd < f->usd))
			*fastest = i;
	}
}

int tune_sizes_parse(const char *list, int sizes[TUNE_SIZES_MAX])
{
	const char *p = list;
	int n = 0;

	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || (*end && *end != ',') || v < 128 || v > 10240 ||
		    (n && v <= sizes[n - 1]) || n == TUNE_SIZES_MAX) {
			errf(EINVAL, "--memory %s: give up to %d sizes in MB, each 128 to 10240 "
			     "(Lambda's range), in increasing order, separated by commas, e.g. "
			     "128,256,512,1024,1769,3008", list, TUNE_SIZES_MAX);
			return -1;
		}
		sizes[n++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (n == 0) {
		errf(EINVAL, "--memory: give at least one size in MB, e.g. 128,256,512");
		return -1;
	}
	return n;
}
