/* A probe between named nodes, and why it timed out (probe_named.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/probe_named.h"
#include "model/aws_zone.h"
#include "model/cloudfront.h"
#include "kernel/drop_events.h"
#include "state/vpc_dataplane.h"
#include "lambda/env.h"
#include "model/policy.h"
#include "model/reach.h"
#include "util/err.h"

/* Where a connection INTO function `fn` would go: a function has no name of
 * its own in AWS, only the addresses of its network interfaces. In
 * hyperplane mode that is the shared ENI of its first subnet (which admits
 * no new connection); otherwise the address of one of its environments. */
static int function_address(const struct live *lv, int fn, uint32_t *out)
{
	int hpl = layout_fn_hyperplane(&lv->L, fn, 0);
	struct env_set set;
	int found = -1;

	if (hpl >= 0) {
		*out = lv->L.atts[lv->L.nodes[lv->L.hpls[hpl].node].att].ip;
		return 0;
	}
	if (env_list(lv, &set) < 0)
		return -1;
	for (int i = 0; i < set.n && found < 0; i++)
		if (strcmp(set.e[i].function, lv->t->functions[fn].name) == 0)
			found = i;
	if (found >= 0)
		*out = set.e[found].ip;
	env_set_free(&set);
	if (found < 0)
		return errf(ENOENT, "function %s has no environment, so no address to connect to; "
			    "make one with `vpcsim attach %s`", lv->t->functions[fn].name,
			    lv->t->functions[fn].name);
	return 0;
}

/* ---- drop events of the probe ------------------------------------------ */

struct drops {
	const struct layout *L;
	uint8_t proto;
	uint16_t port, sport;     /* sport 0: unknown */
	uint32_t addr[2];         /* the probed address, and the one NAT makes of it */
	struct probe_outcome *out;
};

/* The probed address as seen on the far side of a 1:1 NAT too. */
static void drops_addrs(struct drops *d, uint32_t dst)
{
	d->addr[0] = d->addr[1] = dst;
	for (int i = 0; i < d->L->n_atts; i++) {
		const struct attachment *a = &d->L->atts[i];

		if (a->public_ip && a->public_ip == dst)
			d->addr[1] = a->ip;
	}
}

/* Is this event one of the probe's packets (request, reply or an ICMP
 * error about it)? Ports survive NAT (masquerade keeps them); addresses
 * are checked on the server's side, which only 1:1 NAT changes. */
static bool drop_is_ours(const struct drops *d, const struct dp_drop_event *ev)
{
	uint16_t sp = ntohs(ev->sport), dp = ntohs(ev->dport);
	uint32_t s = ntohl(ev->src), t = ntohl(ev->dst);
	bool addr = s == d->addr[0] || s == d->addr[1] || t == d->addr[0] || t == d->addr[1];

	if (!addr)
		return false;
	if (ev->proto == 1)
		return true;
	if (ev->proto != d->proto)
		return false;
	if (d->sport)
		return (sp == d->port && dp == d->sport) || (sp == d->sport && dp == d->port);
	return sp == d->port || dp == d->port;
}

/* The probe's packets: same protocol, and its port on one side (replies
 * and NAT change addresses, never the server's port). ICMP: any. */
static void on_drop(const struct dp_drop_event *ev, void *ctx)
{
	struct drops *d = ctx;
	const struct layout *L = d->L;
	struct probe_outcome *o = d->out;
	int vpc = (int)ev->vpc_id - 1;

	if (o->dropped || !drop_is_ours(d, ev))
		return;
	o->dropped = true;
	snprintf(o->eni_id, sizeof(o->eni_id), "eni-…%08x", ev->eni_id);
	snprintf(o->eni_of, sizeof(o->eni_of), "an environment's ENI");
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];

		if (a->vpc == vpc && a->ifindex == (int)ev->ifindex && a->node >= 0) {
			snprintf(o->eni_id, sizeof(o->eni_id), "%s", a->eni_id);
			snprintf(o->eni_of, sizeof(o->eni_of), "%s", L->nodes[a->node].name);
		}
	}
	o->dir = ev->dir == DP_DIR_INGRESS ? "ingress" : "egress";
	o->reason = dp_drop_reason_name(ev->reason);
	o->explain = dp_drop_reason_explain(ev->reason);
}

/* Drain every VPC's drop events (before the probe: to forget old ones;
 * after it: to find the probe's). Best effort: a VPC whose pins cannot be
 * opened gives no events. */
static void drain_all(const struct layout *L, struct drops *d)
{
	for (int v = 0; v < L->t->n_vpcs; v++) {
		struct dataplane *dp;

		if (vpc_dp_open(L, v, &dp) < 0)
			continue;
		drop_events_drain(dp, d ? on_drop : NULL, d);
		dp_close(dp);
	}
}

/* No ENI dropped the flow: what `reach` (the analysis) finds, which names
 * the component (a route, a gateway, a peering) as `vpcsim reach` does. */
static void explain_undropped(const struct live *lv, const struct reach_query *q,
			      struct probe_outcome *o)
{
	struct reach_result r;
	struct policy pol;
	int rc = reach_policy_compile(&lv->L, &pol);

	if (rc == 0) {
		rc = reach_analyze(&lv->L, &pol, q, &r);
		policy_free(&pol);
	}
	if (rc < 0)
		snprintf(o->why, sizeof(o->why), "no ENI dropped it, and reach could not say more: %s",
			 err_msg());
	else if (r.verdict == PROBE_TIMEOUT)
		snprintf(o->why, sizeof(o->why), "no ENI dropped it; reach: blocked at %s%s: %s: %s",
			 r.component, r.on_reply ? " (on the reply)" : "", reach_code_name(r.code),
			 r.explanation);
	else
		snprintf(o->why, sizeof(o->why),
			 "no ENI dropped it, and reach finds the way %s: nothing answered in time",
			 r.verdict == PROBE_OPEN ? "open" : "refused");
}

static void explain_timeout(const struct live *lv, const struct reach_query *q,
			    struct probe_outcome *o)
{
	if (o->dropped)
		snprintf(o->why, sizeof(o->why), "dropped at %s (%s) %s: %s: %s", o->eni_id,
			 o->eni_of, o->dir, o->reason, o->explain);
	else
		explain_undropped(lv, q, o);
}

/* Is `to` the topology's HTTP API (its short name or its host name)? */
static bool http_api_address(const struct topology *t, const char *to, uint32_t *ip)
{
	char bucket[AWS_HOST_MAX];

	if (!aws_serves(t, AWS_EXECUTE_API) || (strcmp(to, HTTP_API_TARGET) &&
						 aws_zone_route(t, to, bucket) != AWS_EXECUTE_API))
		return false;
	*ip = aws_service_ip(AWS_EXECUTE_API);
	return true;
}

/* Is `to` a CloudFront distribution (its name or its domain)? */
static bool distribution_address(const struct topology *t, const char *to, uint32_t *ip)
{
	int d = t->aws.enabled ? cf_route(t, to) : -1;

	for (int i = 0; d < 0 && t->aws.enabled && i < t->n_cloudfront; i++)
		if (!strcmp(to, t->cloudfront[i].name))
			d = i;
	if (d >= 0)
		*ip = cf_ip(d);
	return d >= 0;
}

/* FROM and TO to a namespace and an address; a function FROM takes an
 * environment into *h. */
static int resolve(struct live *lv, const char *from, const char *to, struct env_handle *h,
		   struct probe_req *rq)
{
	int node = layout_find_node(&lv->L, from), fn = -1, tn, to_fn;

	if (node < 0)
		fn = layout_find_function(&lv->L, from);
	tn = layout_find_node(&lv->L, to);
	to_fn = tn < 0 ? layout_find_function(&lv->L, to) : -1;
	if (node < 0 && fn < 0)
		return errf(EINVAL, "no node '%s' in topology %s: name a resource, a function or an internet host%s",
			    from, lv->name, layout_name_hint(&lv->L, from, false));
	if (to_fn >= 0) {
		if (function_address(lv, to_fn, &rq->dst) < 0)
			return errf_prefix(-ENOENT, "probe to %s", to);
	} else if (tn < 0 && http_api_address(lv->t, to, &rq->dst)) {
		/* the HTTP API: its address in the AWS zone */
	} else if (tn < 0 && distribution_address(lv->t, to, &rq->dst)) {
		/* a CloudFront distribution: its address in the AWS zone */
	} else if (tn < 0 && !ip4_parse(to, &rq->dst)) {
		return errf(EINVAL, "no node '%s' in topology %s: name a resource, a function or "
			    "an internet host, or give an IPv4 address%s", to, lv->name,
			    layout_name_hint(&lv->L, to, false));
	}
	if (fn >= 0) {
		const struct function *f = &lv->t->functions[fn];

		if (env_take(lv, fn, h) < 0)
			return errf_prefix(-EIO, "probe from %s", from);
		if (tn >= 0)
			rq->dst = layout_resolve_vpc(&lv->L, f->has_vpc ? f->vpc : -1, tn);
		rq->netns = h->m.netns;
	} else {
		if (tn >= 0)
			rq->dst = layout_resolve(&lv->L, node, tn);
		rq->netns = lv->L.nodes[node].netns;
	}
	return 0;
}

int probe_named(struct live *lv, const char *from, const char *to, uint8_t proto,
		uint16_t port, int timeout_ms, struct probe_outcome *out)
{
	struct env_handle h = { .lock_fd = -1 };
	struct probe_req rq = { .proto = proto, .port = port, .timeout_ms = timeout_ms };
	struct drops d = { .L = &lv->L, .proto = proto, .port = port, .out = out };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = resolve(lv, from, to, &h, &rq);
	if (rc < 0) {
		env_release(&h);
		return rc;
	}
	out->dst = rq.dst;
	drain_all(&lv->L, NULL);
	rc = probe_run(&rq, &out->ans);
	env_release(&h);
	if (rc < 0)
		return errf_prefix(rc, "probe from %s", from);
	if (out->ans.result == PROBE_TIMEOUT) {
		d.sport = out->ans.sport;
		drops_addrs(&d, rq.dst);
		struct reach_query q = { from, to, proto, port, 0 };

		drain_all(&lv->L, &d);
		explain_timeout(lv, &q, out);
	}
	return 0;
}
