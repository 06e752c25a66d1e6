/* HTTP API routes; see http_route.h. */
#include <stdio.h>
#include <string.h>

#include "model/http_route.h"

/* One candidate route: how specific it is. */
struct cand {
	int fn, ev;
	bool greedy;
	int n_segs;                /* route segments */
	unsigned literal;          /* bit i: segment i is literal */
	bool any;                  /* method ANY */
};

/* Is a more specific than b (API Gateway's order)? */
static bool better(const struct cand *a, const struct cand *b)
{
	if (a->greedy != b->greedy)
		return !a->greedy;
	if (a->greedy && a->n_segs != b->n_segs)
		return a->n_segs > b->n_segs;
	for (int i = 0; i < a->n_segs && i < b->n_segs; i++) {
		unsigned x = a->literal >> i & 1, y = b->literal >> i & 1;

		if (x != y)
			return x > y;
	}
	return a->any != b->any ? !a->any : false;
}

/* Split the request path (after its leading '/') into buf; segment
 * starts into segs. The number of segments, or -1 if it does not fit. */
static int split(const char *path, char *buf, const char *segs[HTTP_ROUTE_SEGS_MAX * 8])
{
	int n = 0;
	char *s;

	if (path[0] != '/' || strlen(path) >= HTTP_PATH_MAX)
		return -1;
	strcpy(buf, path + 1);
	if (!buf[0])
		return 0;
	for (s = buf;; s++) {
		if (n == HTTP_ROUTE_SEGS_MAX * 8)
			return -1;
		segs[n++] = s;
		s = strchr(s, '/');
		if (!s)
			return n;
		*s = '\0';
	}
}

/* Does route e match the request's segments? Fill c. */
static bool route_matches(const struct fn_event *e, const char *const *segs, int n, struct cand *c)
{
	char name[HTTP_PARAM_NAME_MAX];
	const char *s = e->path + 1;
	int i = 0;

	c->greedy = false;
	c->literal = 0;
	for (; *s; i++) {
		size_t len = strcspn(s, "/");
		int kind = http_route_seg(s, len, name);

		if (kind == 2) {
			c->greedy = true;
			c->n_segs = i + 1;
			return n > i;
		}
		if (i >= n || (kind == 0 && (strlen(segs[i]) != len || memcmp(segs[i], s, len))) ||
		    (kind == 1 && !segs[i][0]))
			return false;
		if (kind == 0 && i < 32)
			c->literal |= 1u << i;
		s += len + (s[len] == '/');
	}
	c->n_segs = i;
	return i == n;
}

/* Fill m's params from route e and the split request path. */
static void fill(const struct fn_event *e, const char **segs, int n, struct http_match *m)
{
	const char *s = e->path + 1;

	m->n_params = 0;
	http_route_key(e->method, e->path, m->route_key);
	for (int i = 0; *s && strcmp(e->path, HTTP_ROUTE_DEFAULT); i++) {
		size_t len = strcspn(s, "/");
		struct http_param *p = &m->params[m->n_params];
		int kind = http_route_seg(s, len, p->name);

		if (kind) {
			p->value = segs[i];
			m->n_params++;
		}
		if (kind == 2) /* the rest of the path, joined again */
			for (int k = i + 1; k < n; k++)
				((char *)segs[k])[-1] = '/';
		s += len + (s[len] == '/');
	}
}

int http_route_find(const struct topology *t, const char *method, const char *path,
		    struct http_match *m)
{
	const char *segs[HTTP_ROUTE_SEGS_MAX * 8];
	struct cand best = { .fn = -1 }, c;
	int n = split(path ? path : "", m->buf, segs), dfn = -1, dev = -1;

	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];

			if (e->type != FN_EVENT_HTTP_API)
				continue;
			if (!strcmp(e->path, HTTP_ROUTE_DEFAULT)) {
				dfn = i, dev = k;
				continue;
			}
			c = (struct cand){ .fn = i, .ev = k, .any = !strcmp(e->method, "ANY") };
			if (n < 0 || (!c.any && strcmp(e->method, method)) ||
			    !route_matches(e, segs, n, &c))
				continue;
			if (best.fn < 0 || better(&c, &best))
				best = c;
		}
	if (best.fn < 0 && dfn < 0)
		return -1;
	m->fn = best.fn >= 0 ? best.fn : dfn;
	m->ev = best.fn >= 0 ? best.ev : dev;
	fill(&t->functions[m->fn].events[m->ev], segs, n < 0 ? 0 : n, m);
	return 0;
}
