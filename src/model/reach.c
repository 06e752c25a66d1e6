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
		else if (L->routers[router].role == ROUTER_VPCE)
			ok = router_vpce(w, router, link, p, &n);
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

static int resolve_source(const struct layout *L, const struct reach_query *q, int src_node,
			  struct walk *w, struct source *s)
{
	int node = src_node >= 0 ? src_node : layout_find_node(L, q->from), fn;

	memset(s, 0, sizeof(*s));
	if (node >= 0) {
		s->att = &L->atts[L->nodes[node].att];
		s->vpc = L->nodes[node].vpc;
		return 0;
	}
	fn = layout_find_function(L, q->from);
	if (fn < 0)
		return errf(ENOENT, "no node '%s' in topology %s: name a resource, a function or an internet host%s",
			    q->from, L->t->name, layout_name_hint(L, q->from, false));
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
	if (reach_resolve_service(L, src_vpc, q->to, &w->r->dst_ip, &w->target_node))
		return 0;
	if (reach_resolve_distribution(L, q->to, &w->r->dst_ip, &w->target_node, &w->dist))
		return 0;
	if (!ip4_parse(q->to, &w->r->dst_ip))
		return errf(ENOENT, "no node '%s' in topology %s: name a resource, a function or an internet host, or give an IPv4 address%s",
			    q->to, L->t->name, layout_name_hint(L, q->to, false));
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
	/* The AWS zone's front: 443 and 80; an interface endpoint: 443. */
	if (proto == 6 && L->nodes[a->node].kind == NODE_AWS && (port == 443 || port == 80))
		return true;
	if (proto == 6 && L->nodes[a->node].kind == NODE_VPCE && port == 443)
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
	if (n && n->kind == NODE_AWS) /* the zone's front: services and distributions */
		snprintf(fix, sizeof(fix), "use port 443 (HTTPS) or 80 (HTTP): the AWS zone serves those");
	else
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

/* A node's own address: the kernel answers inside the node, no ENI, no
 * router on the way. For a function that is its hyperplane ENI's address:
 * the environment's packet reaches the hyperplane's namespace, which owns
 * the address and has nothing listening (vpcsim: refused; in AWS the
 * hyperplane is no host, and such a connection would rather time out). */
static int reach_local(struct walk *w, const struct attachment *a, const struct rpkt *p)
{
	bool hpl = w->L->nodes[a->node].kind == NODE_HYPERPLANE;

	walk_hop(w, w->L->nodes[a->node].name, "%s",
		 hpl ? "the function's own hyperplane ENI address: answered by the hyperplane, no VPC on the way" :
		 "its own address: delivered inside the node");
	if (listens(w->L, a, p->proto, p->dport)) {
		w->r->verdict = PROBE_OPEN;
		return 0;
	}
	no_listener(w, a, p);
	w->r->verdict = PROBE_REFUSED;
	return 0;
}

int reach_analyze(const struct layout *L, const struct policy *pol,
		  const struct reach_query *q, struct reach_result *r)
{
	return reach_analyze_from(L, pol, q, -1, r);
}

int reach_analyze_from(const struct layout *L, const struct policy *pol,
		       const struct reach_query *q, int src_node, struct reach_result *r)
{
	struct walk w = { .L = L, .pol = pol, .r = r, .record = true, .dist = -1 };
	struct source s;
	struct rpkt p;
	const struct attachment *end;
	bool open;
	int rc;

	memset(r, 0, sizeof(*r));
	r->verdict = PROBE_TIMEOUT;
	if (resolve_source(L, q, src_node, &w, &s) < 0)
		return -1;
	w.src_vpc = s.vpc;
	rc = resolve_target(L, q, s.vpc, &w);
	if (rc)
		return rc < 0 ? -1 : 0;
	p = (struct rpkt){ .src = s.att ? s.att->ip : w.service_ip, .dst = r->dst_ip,
			   .proto = q->proto, .sport = EPHEMERAL_LO, .dport = q->port,
			   .icmp = q->proto == 1 ? 0x0800 : 0 };
	if (s.att && p.dst == s.att->ip && s.att->node >= 0)
		return reach_local(&w, s.att, &p);
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
	if (open && w.dist >= 0)
		reach_origin_leg(L, pol, w.dist, r);
	return 0;
}
