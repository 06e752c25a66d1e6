/* CloudFront distributions in the reach walk (docs/EDGE.md, docs/REACH.md
 * "CloudFront"): TO naming a distribution (its name or its
 * dXXXXXXXXXXXXX.cloudfront.net), its address on the AWS zone, and the
 * origin leg: CloudFront's own connection from the zone to the origin
 * host, walked as a second query and added to the first one's hops. */
#include <stdio.h>
#include <string.h>

#include "model/cloudfront.h"
#include "model/reach_internal.h"

int reach_distribution_at(const struct topology *t, uint32_t ip)
{
	for (int d = 0; d < t->n_cloudfront; d++)
		if (cf_ip(d) == ip)
			return d;
	return -1;
}

bool reach_resolve_distribution(const struct layout *L, const char *name, uint32_t *ip,
				int *node, int *dist)
{
	const struct topology *t = L->t;
	int d = L->aws_node >= 0 ? cf_route(t, name) : -1;

	for (int i = 0; d < 0 && L->aws_node >= 0 && i < t->n_cloudfront; i++)
		if (!strcmp(name, t->cloudfront[i].name))
			d = i;
	if (d < 0)
		return false;
	*ip = cf_ip(d);
	*node = L->aws_node;
	*dist = d;
	return true;
}

static void add_hop(struct reach_result *r, const struct reach_hop *h)
{
	if (r->n_hops < REACH_MAX_HOPS)
		r->hops[r->n_hops++] = *h;
}

/* The distribution's hop: where the viewer's connection ends, its
 * functions, and the connection CloudFront opens to the origin. */
static void distribution_hop(const struct topology *t, int d, struct reach_result *r)
{
	const struct cf_distribution *c = &t->cloudfront[d];
	struct reach_hop h = { .reply = false };
	char dom[CF_DOMAIN_MAX], fns[160] = "";
	size_t len = 0;

	cf_domain(t, d, dom);
	for (int e = 0; e < CF_EVENT_COUNT; e++)
		if (c->assoc[e].function >= 0 && len < sizeof(fns))
			len += (size_t)snprintf(fns + len, sizeof(fns) - len, "%s%s=%s", len ? " " : "",
						cf_event_name(e), t->functions[c->assoc[e].function].name);
	snprintf(h.component, sizeof(h.component), "CloudFront distribution %s", c->name);
	snprintf(h.detail, sizeof(h.detail), "%s: the viewer's connection ends here%s%s; CloudFront "
		 "connects to the origin %s on tcp %d (%s), from the AWS zone:", dom,
		 len ? "; Lambda@Edge " : "", fns, c->origin, c->origin_port,
		 c->origin_api ? "HTTPS, verified with the topology's CA" : "HTTP");
	add_hop(r, &h);
}

void reach_origin_leg(const struct layout *L, const struct policy *pol, int d,
		      struct reach_result *r)
{
	const struct cf_distribution *c = &L->t->cloudfront[d];
	struct reach_query q = { .from = "CloudFront", .to = c->origin, .proto = 6,
				 .port = (uint16_t)c->origin_port };
	struct reach_result o;
	struct reach_hop h = { .reply = false };
	char ip[IP4_STRLEN];

	distribution_hop(L->t, d, r);
	if (reach_analyze_from(L, pol, &q, L->aws_node, &o) < 0)
		return; /* the origin is validated to be a host: not reached */
	for (int i = 0; i < o.n_hops; i++)
		add_hop(r, &o.hops[i]);
	snprintf(h.component, sizeof(h.component), "origin %s (%s)", c->origin,
		 ip4_str(o.dst_ip, ip));
	snprintf(h.detail, sizeof(h.detail), "tcp %d %s%s", c->origin_port,
		 probe_result_str(o.verdict), o.verdict == PROBE_OPEN ?
		 ": its answer goes back through the distribution to the viewer" :
		 ": the distribution answers the viewer 502 (Error from cloudfront)");
	add_hop(r, &h);
	if (o.verdict == PROBE_OPEN)
		return;
	r->code = o.code;
	r->code2 = o.code2;
	r->on_reply = o.on_reply;
	if (!strcmp(o.component, c->origin))
		snprintf(r->component, sizeof(r->component), "origin %s", c->origin);
	else
		snprintf(r->component, sizeof(r->component), "%s (towards origin %s)", o.component,
			 c->origin);
	snprintf(r->explanation, sizeof(r->explanation), "the viewer's connection opens, but "
		 "CloudFront's connection to its origin %s: %s (viewers get 502): %s", c->origin,
		 probe_result_str(o.verdict), o.explanation);
	snprintf(r->fix, sizeof(r->fix), "%s", o.fix);
}
