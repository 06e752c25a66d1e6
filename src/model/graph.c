/* The topology as Graphviz DOT text (see graph.h). Node ids are quoted
 * "kind:name" strings: fn:, res:, host:, nat:VPC/, hpl:, psb:FN/SUBNET,
 * igw:, vpc:, sn:, pcx:, bh:, cf:, addr:, unknown:. Names are validated
 * ([a-z0-9-]), so they need no escaping inside quotes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/aws_zone.h"
#include "model/cloudfront.h"
#include "model/dns.h"
#include "model/endpoint.h"
#include "model/graph.h"
#include "model/route_key.h"

#define ID_LEN 96

const char *graph_result_colour(enum probe_result r)
{
	switch (r) {
	case PROBE_OPEN:
		return "green3";
	case PROBE_REFUSED:
		return "orange";
	default:
		return "red3";
	}
}

struct graph_edge *graph_expect_edges(const struct topology *t, int *n)
{
	struct graph_edge *e;

	*n = 0;
	if (t->n_expects == 0)
		return NULL;
	e = calloc((size_t)t->n_expects, sizeof(*e));
	if (!e)
		return NULL;
	for (int i = 0; i < t->n_expects; i++) {
		const struct expectation *x = &t->expects[i];

		e[i] = (struct graph_edge){ x->from, x->to, x->port, x->proto, x->result };
	}
	*n = t->n_expects;
	return e;
}

static const char *node_id(const struct layout *L, int node, char buf[ID_LEN])
{
	const struct node *nd = &L->nodes[node];

	switch (nd->kind) {
	case NODE_RESOURCE:
		snprintf(buf, ID_LEN, "res:%s", nd->name);
		break;
	case NODE_HOST:
		snprintf(buf, ID_LEN, "host:%s", nd->name);
		break;
	case NODE_NAT:
		snprintf(buf, ID_LEN, "nat:%s/%s", L->t->vpcs[nd->vpc].name, nd->name);
		break;
	case NODE_HYPERPLANE:
		snprintf(buf, ID_LEN, "hpl:%s", nd->name);
		break;
	case NODE_AWS:
		snprintf(buf, ID_LEN, "aws:%s", nd->name);
		break;
	case NODE_VPCE:
		snprintf(buf, ID_LEN, "vpce-eni:%s/%s", L->t->vpcs[nd->vpc].name, nd->name);
		break;
	}
	return buf;
}

/* "tcp/443 udp/53" */
static void listen_str(const struct listen_port *l, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%u", i ? " " : "",
					 l[i].proto == 17 ? "udp" : "tcp", l[i].port);
}

static void sg_names(const struct vpc *v, const int *sgs, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "",
					 v->security_groups[sgs[i]].name);
}

/* The node's DNS names other than its node name (docs/DNS.md), one per
 * line of a label. */
static void dns_lines(const struct layout *L, int node, FILE *o)
{
	char names[DNS_NAMES_MAX][DNS_NAME_MAX];
	int n = node >= 0 ? dns_node_names(L, node, names, DNS_NAMES_MAX) : 0;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], L->nodes[node].name))
			fprintf(o, "\\n%s", names[i]);
}

/* An ENI: a resource, a NAT gateway or a hyperplane ENI, in its subnet. */
static void w_eni(FILE *o, const struct layout *L, int node)
{
	const struct node *nd = &L->nodes[node];
	const struct attachment *a = &L->atts[nd->att];
	const struct vpc *v = &L->t->vpcs[nd->vpc];
	char id[ID_LEN], ip[IP4_STRLEN], pub[IP4_STRLEN], sgs[160], title[160];
	const char *shape = "box";

	if (nd->kind == NODE_RESOURCE) {
		const struct resource *r = &L->t->resources[nd->index];

		snprintf(title, sizeof(title), "%s (%s)", r->name, resource_kind_str(r->kind));
		if (r->kind == RES_RDS)
			shape = "cylinder";
	} else if (nd->kind == NODE_NAT) {
		snprintf(title, sizeof(title), "NAT gateway %s", nd->name);
		shape = "box, style=filled, fillcolor=\"#fff2cc\"";
	} else if (nd->kind == NODE_VPCE) {
		const struct vpc_endpoint *ep = &v->endpoints[L->vpce_enis[nd->index].endpoint];

		snprintf(title, sizeof(title), "interface endpoint %s\\n%s%s", ep->name,
			 aws_service_name(ep->service), ep->private_dns ? " (private DNS)" : "");
		shape = "box, style=filled, fillcolor=\"#ead9f2\"";
	} else {
		snprintf(title, sizeof(title), "Lambda hyperplane ENI\\n%s",
			 L->hpls[nd->index].functions);
		shape = "component";
	}
	sg_names(v, a->sgs, a->n_sgs, sgs, sizeof(sgs));
	fprintf(o, "      \"%s\" [shape=%s, label=\"%s\\n%s\\n%s", node_id(L, node, id), shape,
		title, a->eni_id, ip4_str(a->ip, ip));
	if (a->public_ip)
		fprintf(o, " / %s", ip4_str(a->public_ip, pub));
	if (sgs[0])
		fprintf(o, "\\nsg: %s", sgs);
	dns_lines(L, node, o);
	fprintf(o, "\"];\n");
}

static bool fn_in_subnet(const struct function *f, int v, int s)
{
	if (!f->has_vpc || f->vpc != v)
		return false;
	for (int i = 0; i < f->n_subnets; i++)
		if (f->subnets[i] == s)
			return true;
	return false;
}

/* Per-sandbox mode: the ENIs a function's environments get in a subnet. */
static void w_sandbox_enis(FILE *o, const struct layout *L, int v, int s)
{
	const struct topology *t = L->t;

	if (t->eni_mode != ENI_MODE_PER_SANDBOX)
		return;
	for (int f = 0; f < t->n_functions; f++)
		if (fn_in_subnet(&t->functions[f], v, s))
			fprintf(o, "      \"psb:%s/%s\" [shape=component, style=dashed, "
				"label=\"ENIs of %s\\n(one per execution environment)\"];\n",
				t->functions[f].name, t->vpcs[v].subnets[s].name,
				t->functions[f].name);
}

static void w_subnet(FILE *o, const struct layout *L, int v, int s)
{
	const struct vpc *vp = &L->t->vpcs[v];
	const struct subnet *sn = &vp->subnets[s];
	char c[CIDR_STRLEN];

	fprintf(o, "    subgraph cluster_subnet_%d_%d {\n", v, s);
	fprintf(o, "      label=\"%s subnet %s\\n%s · route table %s · NACL %s\";\n",
		sn->is_public ? "public" : "private", sn->name, cidr_str(sn->cidr, c),
		vp->route_tables[sn->route_table].name, vp->nacls[sn->nacl].name);
	fprintf(o, "      style=filled; fillcolor=\"%s\"; color=gray50;\n",
		sn->is_public ? "#e8f4e8" : "#e8eef8");
	fprintf(o, "      \"sn:%s\" [shape=point, style=invis, width=0.01];\n", sn->name);
	for (int n = 0; n < L->n_nodes; n++) {
		const struct node *nd = &L->nodes[n];

		if (nd->vpc == v && L->atts[nd->att].subnet == s)
			w_eni(o, L, n);
	}
	w_sandbox_enis(o, L, v, s);
	fprintf(o, "    }\n");
}

static bool vpc_has_blackhole(const struct vpc *v)
{
	for (int r = 0; r < v->n_route_tables; r++)
		for (int i = 0; i < v->route_tables[r].n_routes; i++)
			if (v->route_tables[r].routes[i].kind == RT_BLACKHOLE)
				return true;
	return false;
}

/* Gateway endpoints: a node each in their VPC, linked to the AWS zone. */
static void w_gateway_endpoints(FILE *o, const struct layout *L, int v)
{
	const struct vpc *vp = &L->t->vpcs[v];
	char id[VPCE_ID_LEN];

	for (int e = 0; e < vp->n_endpoints; e++) {
		if (vp->endpoints[e].type != VPCE_GATEWAY)
			continue;
		vpce_id(L->t, v, e, id);
		fprintf(o, "    \"vpce:%s/%s\" [shape=cds, style=filled, fillcolor=\"#ead9f2\", "
			"label=\"gateway endpoint %s\\n%s\\n%s\"];\n", vp->name, vp->endpoints[e].name,
			vp->endpoints[e].name, id, aws_service_name(vp->endpoints[e].service));
	}
}

/* Each subnet whose table routes a gateway endpoint's prefix list to it;
 * every endpoint to the AWS zone, over AWS's network. */
static void w_endpoint_routes(FILE *o, const struct layout *L, int v)
{
	const struct vpc *vp = &L->t->vpcs[v];
	char pl[PL_ID_LEN], id[ID_LEN];

	for (int e = 0; e < vp->n_endpoints; e++) {
		const struct vpc_endpoint *ep = &vp->endpoints[e];

		vpce_prefix_list_id(L->t, ep->service, pl);
		for (int s = 0; ep->type == VPCE_GATEWAY && s < vp->n_subnets; s++)
			if (vpce_gateway_for(L->t, v, vp->subnets[s].route_table, ep->service) == e)
				fprintf(o, "  \"sn:%s\" -> \"vpce:%s/%s\" [ltail=cluster_subnet_%d_%d, "
					"color=\"#7b4f9d\", fontcolor=\"#7b4f9d\", label=\"%s\"];\n",
					vp->subnets[s].name, vp->name, ep->name, v, s, pl);
		if (ep->type == VPCE_GATEWAY && L->aws_node >= 0)
			fprintf(o, "  \"vpce:%s/%s\" -> \"%s\" [style=dashed, color=\"#7b4f9d\"];\n",
				vp->name, ep->name, node_id(L, L->aws_node, id));
	}
	for (int i = 0; i < L->n_vpce_enis && L->aws_node >= 0; i++) {
		char from[ID_LEN];

		if (L->vpce_enis[i].vpc == v)
			fprintf(o, "  \"%s\" -> \"%s\" [style=dashed, color=\"#7b4f9d\"];\n",
				node_id(L, L->vpce_enis[i].node, from), node_id(L, L->aws_node, id));
	}
}

static void w_vpc(FILE *o, const struct layout *L, int v)
{
	const struct vpc *vp = &L->t->vpcs[v];
	char c[CIDR_STRLEN];

	fprintf(o, "  subgraph cluster_vpc_%d {\n", v);
	fprintf(o, "    label=\"VPC %s  %s\"; style=rounded; color=\"#4a6fa5\"; penwidth=2;\n",
		vp->name, cidr_str(vp->cidr, c));
	fprintf(o, "    \"vpc:%s\" [shape=point, style=invis, width=0.01];\n", vp->name);
	if (vp->internet_gateway)
		fprintf(o, "    \"igw:%s\" [shape=house, style=filled, fillcolor=\"#fff2cc\", "
			"label=\"internet gateway\"];\n", vp->name);
	if (vpc_has_blackhole(vp))
		fprintf(o, "    \"bh:%s\" [shape=octagon, label=\"blackhole\"];\n", vp->name);
	for (int s = 0; s < vp->n_subnets; s++)
		w_subnet(o, L, v, s);
	w_gateway_endpoints(o, L, v);
	fprintf(o, "  }\n");
}

static void route_target_id(const struct topology *t, int v, const struct route *r,
			    char buf[ID_LEN])
{
	const struct vpc *vp = &t->vpcs[v];

	switch (r->kind) {
	case RT_IGW:
		snprintf(buf, ID_LEN, "igw:%s", vp->name);
		break;
	case RT_NAT:
		snprintf(buf, ID_LEN, "nat:%s/%s", vp->name, vp->nat_gateways[r->target].name);
		break;
	case RT_PEERING:
		snprintf(buf, ID_LEN, "pcx:%s", t->peerings[r->target].name);
		break;
	default:
		snprintf(buf, ID_LEN, "bh:%s", vp->name);
		break;
	}
}

/* One edge per (subnet, route): the subnet's route table, as it sees it. */
static void w_routes(FILE *o, const struct layout *L, int v)
{
	const struct vpc *vp = &L->t->vpcs[v];
	char id[ID_LEN], c[CIDR_STRLEN];

	for (int s = 0; s < vp->n_subnets; s++) {
		const struct route_table *rt = &vp->route_tables[vp->subnets[s].route_table];

		for (int i = 0; i < rt->n_routes; i++) {
			route_target_id(L->t, v, &rt->routes[i], id);
			fprintf(o, "  \"sn:%s\" -> \"%s\" [ltail=cluster_subnet_%d_%d, color=gray35, "
				"fontcolor=gray35, label=\"%s\"];\n", vp->subnets[s].name, id, v, s,
				cidr_str(rt->routes[i].dst, c));
		}
	}
	if (vp->internet_gateway)
		fprintf(o, "  \"igw:%s\" -> \"internet\" [dir=both, color=gray35];\n", vp->name);
	w_endpoint_routes(o, L, v);
}

static void w_internet(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;
	char ip[IP4_STRLEN], ports[256];

	fprintf(o, "  subgraph cluster_internet {\n");
	fprintf(o, "    label=\"the internet (simulated, closed)\"; style=dashed; color=gray50;\n");
	fprintf(o, "    \"internet\" [shape=ellipse, style=filled, fillcolor=\"#fff2cc\", "
		"label=\"internet\"];\n");
	for (int h = 0; h < t->n_hosts; h++) {
		listen_str(t->hosts[h].listen, t->hosts[h].n_listen, ports, sizeof(ports));
		fprintf(o, "    \"host:%s\" [shape=box, style=rounded, label=\"%s\\n%s%s%s",
			t->hosts[h].name, t->hosts[h].name, ip4_str(t->hosts[h].ip, ip),
			ports[0] ? "\\n" : "", ports);
		dns_lines(L, layout_find_node(L, t->hosts[h].name), o);
		fprintf(o, "\"];\n");
		fprintf(o, "    \"internet\" -> \"host:%s\" [dir=none, color=gray60];\n",
			t->hosts[h].name);
	}
	if (L->aws_node >= 0) {
		char id[ID_LEN];

		node_id(L, L->aws_node, id);
		fprintf(o, "    \"%s\" [shape=box3d, style=filled, fillcolor=\"#fde9d9\", "
			"label=\"AWS services\\n%s\"];\n", id, AWS_ZONE_CIDR_STR);
		fprintf(o, "    \"internet\" -> \"%s\" [dir=none, color=gray60];\n", id);
	}
	fprintf(o, "  }\n");
}

static void w_lambda(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;
	char c[CIDR_STRLEN], ip[IP4_STRLEN];

	fprintf(o, "  subgraph cluster_lambda {\n");
	fprintf(o, "    label=\"Lambda service VPC  %s\\n(%s ENIs)\"; style=rounded; "
		"color=\"#d86613\"; penwidth=2;\n", cidr_str(t->service_cidr, c),
		t->eni_mode == ENI_MODE_PER_SANDBOX ? "per-sandbox" : "hyperplane");
	fprintf(o, "    \"lambda:egress\" [shape=box, style=filled, fillcolor=\"#fff2cc\", "
		"label=\"service egress\\n%s\"];\n",
		ip4_str(L->lambda_egress_ip, ip));
	for (int f = 0; f < t->n_functions; f++) {
		const struct function *fn = &t->functions[f];

		fprintf(o, "    \"fn:%s\" [shape=box, style=\"rounded,filled\", fillcolor=\"#fde9d9\", "
			"label=\"λ %s\\n%d MB · %d s%s\"];\n", fn->name, fn->name, fn->memory_mb,
			fn->timeout_s, fn->has_vpc ? " · VPC" : "");
	}
	fprintf(o, "  }\n");
	fprintf(o, "  \"lambda:egress\" -> \"internet\" [color=gray35];\n");
}

/* Functions to the ENIs they reach their VPC through. */
/* The event sources (docs/GRAPH.md): the HTTP API in the AWS zone with
 * an edge per route, an S3 bucket per notified bucket, a schedule per
 * rule, each pointing at its function. */
static void w_event_sources(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;
	char host[AWS_HOST_MAX], key[HTTP_ROUTE_KEY_MAX], id[ID_LEN];

	if (aws_serves(t, AWS_EXECUTE_API) && L->aws_node >= 0) {
		aws_service_host(t, AWS_EXECUTE_API, 0, host);
		fprintf(o, "  \"api:http\" [shape=component, style=filled, fillcolor=\"#fde9d9\", "
			"label=\"HTTP API\\n%s\\n198.18.0.%u\"];\n", host,
			AWS_SERVICE_IP_BASE + AWS_EXECUTE_API);
		fprintf(o, "  \"%s\" -> \"api:http\" [dir=none, color=gray60];\n",
			node_id(L, L->aws_node, id));
	}
	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];
			const char *fn = t->functions[i].name;

			if (e->type == FN_EVENT_HTTP_API) {
				http_route_key(e->method, e->path, key);
				fprintf(o, "  \"api:http\" -> \"fn:%s\" [color=\"#d86613\", "
					"label=\"%s\"];\n", fn, key);
			} else if (e->type == FN_EVENT_S3) {
				fprintf(o, "  \"s3:%s\" [shape=cylinder, label=\"S3 %s\"];\n", e->bucket,
					e->bucket);
				fprintf(o, "  \"s3:%s\" -> \"fn:%s\" [style=dashed, color=\"#d86613\", "
					"label=\"%s%s%s\"];\n", e->bucket, fn, e->prefix ? e->prefix : "",
					e->prefix || e->suffix ? "*" : "", e->suffix ? e->suffix : "");
			} else {
				fprintf(o, "  \"schedule:%s:%d\" [shape=note, label=\"EventBridge\\n%s\"];\n",
					fn, k, e->expression);
				fprintf(o, "  \"schedule:%s:%d\" -> \"fn:%s\" [style=dashed, "
					"color=\"#d86613\"];\n", fn, k, fn);
			}
		}
}

/* CloudFront distributions (docs/EDGE.md): a node beside the AWS zone
 * with the distribution's name, domain and address, an arrow to its
 * origin host (labelled with the port) and a dashed arrow to each
 * Lambda@Edge function, labelled with its event type. */
static void w_distributions(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;
	char dom[CF_DOMAIN_MAX], id[ID_LEN], ip[IP4_STRLEN];

	for (int d = 0; d < t->n_cloudfront && L->aws_node >= 0; d++) {
		const struct cf_distribution *c = &t->cloudfront[d];
		int h = layout_find_node(L, c->origin);

		cf_domain(t, d, dom);
		fprintf(o, "  \"cf:%s\" [shape=component, style=filled, fillcolor=\"#e8e0f8\", "
			"label=\"CloudFront %s\\n%s\\n%s\"];\n", c->name, c->name, dom,
			ip4_str(cf_ip(d), ip));
		fprintf(o, "  \"%s\" -> \"cf:%s\" [dir=none, color=gray60];\n",
			node_id(L, L->aws_node, id), c->name);
		if (h >= 0 || c->origin_api)
			fprintf(o, "  \"cf:%s\" -> \"%s\" [color=\"#8c4fff\", label=\"origin :%d\"];\n",
				c->name, c->origin_api ? "api:http" : node_id(L, h, id), c->origin_port);
		for (int e = 0; e < CF_EVENT_COUNT; e++)
			if (c->assoc[e].function >= 0)
				fprintf(o, "  \"cf:%s\" -> \"fn:%s\" [style=dashed, color=\"#8c4fff\", "
					"label=\"%s\"];\n", c->name, t->functions[c->assoc[e].function].name,
					cf_event_name(e));
	}
}

static void w_function_enis(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;
	char id[ID_LEN];

	for (int f = 0; f < t->n_functions; f++) {
		const struct function *fn = &t->functions[f];

		for (int i = 0; fn->has_vpc && i < fn->n_subnets; i++) {
			int h = layout_fn_hyperplane(L, f, i);

			if (h >= 0)
				node_id(L, L->hpls[h].node, id);
			else
				snprintf(id, ID_LEN, "psb:%s/%s", fn->name,
					 t->vpcs[fn->vpc].subnets[fn->subnets[i]].name);
			fprintf(o, "  \"fn:%s\" -> \"%s\" [style=dashed, color=\"#d86613\", "
				"arrowhead=none];\n", fn->name, id);
		}
	}
}

static void w_peerings(FILE *o, const struct layout *L)
{
	const struct topology *t = L->t;

	for (int p = 0; p < t->n_peerings; p++) {
		const struct peering *pc = &t->peerings[p];

		fprintf(o, "  \"pcx:%s\" [shape=diamond, style=filled, fillcolor=\"#eeeeee\", "
			"label=\"peering\\n%s\"];\n", pc->name, pc->name);
		for (int i = 0; i < 2; i++)
			fprintf(o, "  \"pcx:%s\" -> \"vpc:%s\" [lhead=cluster_vpc_%d, dir=none, "
				"style=dashed, color=gray35];\n", pc->name, t->vpcs[pc->vpc[i]].name,
				pc->vpc[i]);
	}
}

/* The node id an edge endpoint names, declaring a node for an address or
 * name that is no node of the topology. */
static const char *endpoint_id(FILE *o, const struct layout *L, const char *name,
			       char buf[ID_LEN])
{
	uint32_t ip;
	int n;

	if (layout_find_function(L, name) >= 0) {
		snprintf(buf, ID_LEN, "fn:%s", name);
		return buf;
	}
	n = layout_find_node(L, name);
	if (n >= 0)
		return node_id(L, n, buf);
	if (!strcmp(name, HTTP_API_TARGET) && aws_serves(L->t, AWS_EXECUTE_API))
		return strcpy(buf, "api:http");
	for (int d = 0; d < L->t->n_cloudfront && L->aws_node >= 0; d++)
		if (!strcmp(name, L->t->cloudfront[d].name)) {
			snprintf(buf, ID_LEN, "cf:%s", name);
			return buf;
		}
	if (ip4_parse(name, &ip)) {
		for (int a = 0; a < L->n_atts; a++)
			if (L->atts[a].ip == ip || L->atts[a].public_ip == ip)
				return node_id(L, L->atts[a].node, buf);
		snprintf(buf, ID_LEN, "addr:%s", name);
		fprintf(o, "  \"%s\" [shape=plaintext, label=\"%s\"];\n", buf, name);
		return buf;
	}
	snprintf(buf, ID_LEN, "unknown:%.80s", name);
	fprintf(o, "  \"%s\" [shape=plaintext, label=\"unknown\"];\n", buf);
	return buf;
}

static void w_edges(FILE *o, const struct layout *L, const struct graph_edge *e, int n)
{
	char from[ID_LEN], to[ID_LEN], proto[8], port[16] = "";

	for (int i = 0; i < n; i++) {
		const char *colour = graph_result_colour(e[i].result);

		endpoint_id(o, L, e[i].from, from);
		endpoint_id(o, L, e[i].to, to);
		if (e[i].proto != 1)
			snprintf(port, sizeof(port), "/%d", e[i].port);
		else
			port[0] = '\0';
		fprintf(o, "  \"%s\" -> \"%s\" [color=%s, fontcolor=%s, penwidth=2, "
			"constraint=false, label=\"%s%s %s\"];\n", from, to, colour, colour,
			proto_str(e[i].proto, proto), port, probe_result_str(e[i].result));
	}
}

static void w_legend(FILE *o)
{
	static const enum probe_result r[] = { PROBE_OPEN, PROBE_TIMEOUT, PROBE_REFUSED };

	fprintf(o, "  subgraph cluster_legend {\n    label=\"expected\"; color=gray70;\n");
	for (int i = 0; i < 3; i++)
		fprintf(o, "    \"legend:%s\" [shape=plaintext, fontcolor=%s, label=\"%s\"];\n",
			probe_result_str(r[i]), graph_result_colour(r[i]), probe_result_str(r[i]));
	fprintf(o, "  }\n");
}

int graph_write_dot(const struct layout *L, const struct graph_edge *edges, int n_edges,
		    FILE *o)
{
	const struct topology *t = L->t;

	fprintf(o, "digraph \"vpcsim %s\" {\n", t->name);
	fprintf(o, "  graph [compound=true, rankdir=LR, fontname=\"Helvetica\", fontsize=12, "
		"labeljust=l, nodesep=0.3, label=\"topology %s\", labelloc=t];\n", t->name);
	fprintf(o, "  node [fontname=\"Helvetica\", fontsize=10];\n");
	fprintf(o, "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	w_internet(o, L);
	w_lambda(o, L);
	for (int v = 0; v < t->n_vpcs; v++)
		w_vpc(o, L, v);
	w_peerings(o, L);
	for (int v = 0; v < t->n_vpcs; v++)
		w_routes(o, L, v);
	w_function_enis(o, L);
	w_event_sources(o, L);
	w_distributions(o, L);
	w_edges(o, L, edges, n_edges);
	if (n_edges > 0)
		w_legend(o);
	fprintf(o, "}\n");
	if (fflush(o) != 0 || ferror(o))
		return -1;
	return 0;
}
