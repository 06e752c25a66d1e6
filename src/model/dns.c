/* DNS names and record sets (dns.h). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "model/dns.h"
#include "model/rds_name.h"

int dns_n_views(const struct layout *L) { return L->t->n_vpcs + 2; }
int dns_view_lambda(const struct layout *L) { return L->t->n_vpcs; }
int dns_view_internet(const struct layout *L) { return L->t->n_vpcs + 1; }

int dns_view_vpc(const struct layout *L, int view)
{
	return view >= 0 && view < L->t->n_vpcs ? view : -1;
}

int dns_view_of_vpc(const struct layout *L, int vpc)
{
	return vpc >= 0 ? vpc : dns_view_internet(L);
}

bool dns_view_serves(const struct layout *L, int view)
{
	int v = dns_view_vpc(L, view);

	return v < 0 || L->t->vpcs[v].dns_support;
}

int dns_view_router(const struct layout *L, int view)
{
	int v = dns_view_vpc(L, view);

	if (v >= 0)
		return L->vpc_router[v];
	return view == dns_view_lambda(L) ? L->lambda : L->inet;
}

/* The Lambda service VPC hands out its base + 2 to environments (its
 * address plan predates the resolver), so it and the internet answer at
 * 169.254.169.253 alone. */
uint32_t dns_view_resolver(const struct layout *L, int view)
{
	int v = dns_view_vpc(L, view);

	return v >= 0 ? L->t->vpcs[v].cidr.addr + 2 : DNS_LINK_LOCAL;
}

void dns_view_folder(const struct layout *L, int view, char out[DNS_FOLDER_MAX])
{
	int v = dns_view_vpc(L, view);

	if (v >= 0)
		snprintf(out, DNS_FOLDER_MAX, "vpc.%s", L->t->vpcs[v].name);
	else
		snprintf(out, DNS_FOLDER_MAX, "%s", view == dns_view_lambda(L) ? "lambda" : "inet");
}

void dns_rds_token(const struct topology *t, char out[DNS_TOKEN_LEN])
{
	rds_name_token(t->account_id, t->region, t->name, out);
}

void dns_ip_name(const struct topology *t, uint32_t ip, char *out, size_t len)
{
	bool use1 = !strcmp(t->region, "us-east-1");

	snprintf(out, len, "ip-%u-%u-%u-%u.%s%s", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255, use1 ? "ec2.internal" : t->region, use1 ? "" : ".compute.internal");
}

bool dns_rds_endpoint(const struct topology *t, int resource, char *out, size_t len)
{
	const struct resource *r = &t->resources[resource];

	if (r->kind != RES_RDS && r->kind != RES_RDS_PROXY)
		return false;
	rds_name_endpoint(t->account_id, t->region, t->name, r->name, r->kind == RES_RDS_PROXY,
			  out, len);
	return true;
}

static bool private_names(const struct topology *t, int vpc)
{
	return vpc >= 0 && t->vpcs[vpc].dns_support && t->vpcs[vpc].dns_hostnames;
}

void dns_public_name(const struct topology *t, uint32_t pub, char *out, size_t len)
{
	bool use1 = !strcmp(t->region, "us-east-1");

	snprintf(out, len, "ec2-%u-%u-%u-%u.%s%s", pub >> 24, (pub >> 16) & 255, (pub >> 8) & 255,
		 pub & 255, use1 ? "compute-1" : t->region, use1 ? ".amazonaws.com" :
		 ".compute.amazonaws.com");
}

/* An instance's public DNS name: a resource that is not a database or a
 * proxy (RDS has its endpoint name), with a public address, in a VPC
 * with both DNS attributes, as EC2 gives one. */
static bool has_public_name(const struct layout *L, int n)
{
	const struct node *nd = &L->nodes[n];
	const struct resource *r;

	if (nd->kind != NODE_RESOURCE || !L->atts[nd->att].public_ip)
		return false;
	r = &L->t->resources[nd->index];
	return r->kind != RES_RDS && r->kind != RES_RDS_PROXY && private_names(L->t, nd->vpc);
}

/* The names of node n that do not depend on who asks (not its ip- name);
 * who gets which address is split horizon (node_records). */
static int public_names(const struct layout *L, int n, char names[][DNS_NAME_MAX], int max)
{
	const struct node *nd = &L->nodes[n];
	int k = 0;

	if (nd->kind != NODE_RESOURCE && nd->kind != NODE_HOST)
		return 0;
	if (k < max)
		snprintf(names[k++], DNS_NAME_MAX, "%s", nd->name);
	if (nd->kind == NODE_RESOURCE && k < max &&
	    dns_rds_endpoint(L->t, nd->index, names[k], DNS_NAME_MAX))
		k++;
	if (nd->kind == NODE_HOST && L->t->hosts[nd->index].dns_name && k < max)
		snprintf(names[k++], DNS_NAME_MAX, "%s", L->t->hosts[nd->index].dns_name);
	if (k < max && has_public_name(L, n))
		dns_public_name(L->t, L->atts[nd->att].public_ip, names[k++], DNS_NAME_MAX);
	return k;
}

int dns_eni_names(const struct topology *t, int vpc, uint32_t ip, char names[][DNS_NAME_MAX],
		  int max)
{
	if (max < 1 || !private_names(t, vpc))
		return 0;
	dns_ip_name(t, ip, names[0], DNS_NAME_MAX);
	return 1;
}

int dns_node_names(const struct layout *L, int node, char names[][DNS_NAME_MAX], int max)
{
	const struct attachment *a = &L->atts[L->nodes[node].att];
	int k = dns_eni_names(L->t, a->vpc, a->ip, names, max);

	return k + public_names(L, node, names + k, max - k);
}

void dns_view_addresses(const struct layout *L, int view, char *out, size_t len)
{
	char a[IP4_STRLEN], b[IP4_STRLEN];
	uint32_t own = dns_view_resolver(L, view);

	if (!dns_view_serves(L, view))
		snprintf(out, len, "%s", "");
	else if (own == DNS_LINK_LOCAL)
		snprintf(out, len, "%s", ip4_str(own, a));
	else
		snprintf(out, len, "%s,%s", ip4_str(own, a), ip4_str(DNS_LINK_LOCAL, b));
}

static void put_line(FILE *f, uint32_t ip, char names[][DNS_NAME_MAX], int n)
{
	char s[IP4_STRLEN];

	if (n == 0)
		return;
	fprintf(f, "%s\t", ip4_str(ip, s));
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", names[i]);
	fputc('\n', f);
}

/* The text of an open_memstream (which sets *buf only at fclose). */
static char *close_text(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* One node in `view`: its ip- name (a VPC ENI, where the view answers
 * private names) first, so that the reverse lookup of the private
 * address gives it as AWS does, then the names that follow split horizon. */
static void node_records(FILE *f, const struct layout *L, int view, int n)
{
	const struct attachment *a = &L->atts[L->nodes[n].att];
	int vpc = dns_view_vpc(L, view);
	uint32_t addr = layout_resolve_vpc(L, vpc, n);
	char names[DNS_NAMES_MAX + 1][DNS_NAME_MAX];
	int k = 0;

	if (a->vpc >= 0 && private_names(L->t, vpc))
		dns_ip_name(L->t, a->ip, names[k++], DNS_NAME_MAX);
	if (k && addr != a->ip) {
		put_line(f, a->ip, names, k);
		k = 0;
	}
	k += public_names(L, n, names + k, DNS_NAMES_MAX);
	put_line(f, addr, names, k);
}

char *dns_records_render(const struct layout *L, int view)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fprintf(f, "# written by vpcsim for topology %s; removed by vpcsim down\n", L->t->name);
	for (int n = 0; n < L->n_nodes; n++)
		node_records(f, L, view, n);
	return close_text(f, &buf);
}

char *dns_env_records_render(const struct layout *L, int view, const uint32_t *ips, int n)
{
	char names[1][DNS_NAME_MAX], *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fprintf(f, "# written by vpcsim for topology %s: execution environments' ENIs\n",
		L->t->name);
	for (int i = 0; i < n && private_names(L->t, dns_view_vpc(L, view)); i++) {
		dns_ip_name(L->t, ips[i], names[0], DNS_NAME_MAX);
		put_line(f, ips[i], names, 1);
	}
	return close_text(f, &buf);
}

char *dns_resolv_conf_view(const struct layout *L, int view)
{
	char *buf = NULL, s[IP4_STRLEN];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int vpc = dns_view_vpc(L, view);

	if (!f)
		return NULL;
	fprintf(f, "# written by vpcsim for topology %s: AmazonProvidedDNS\n", L->t->name);
	fprintf(f, "nameserver %s\n", ip4_str(dns_view_resolver(L, view), s));
	if (vpc >= 0 && !strcmp(L->t->region, "us-east-1"))
		fprintf(f, "search ec2.internal\n");
	else if (vpc >= 0)
		fprintf(f, "search %s.compute.internal\n", L->t->region);
	fprintf(f, "options timeout:2 attempts:5\n");
	return close_text(f, &buf);
}
