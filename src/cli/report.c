/* Tables and JSON for `up` and `status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lambda/env.h"
#include "model/dns.h"
#include "model/pricing.h"
#include "state/journal.h"
#include "state/usage.h"
#include "kernel/proc.h"
#include "cli/report.h"
#include "cli/report_internal.h"

static const char *node_kind_str(const struct layout *L, const struct node *n)
{
	switch (n->kind) {
	case NODE_RESOURCE:
		return resource_kind_str(L->t->resources[n->index].kind);
	case NODE_HYPERPLANE:
		return "hyperplane";
	case NODE_HOST:
		return "internet host";
	case NODE_NAT:
		return "nat gateway";
	case NODE_AWS:
		return "aws services";
	case NODE_VPCE:
		return "vpc endpoint";
	}
	return "?";
}

static void groups_str(const struct layout *L, const struct attachment *a, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a->vpc < 0 || a->n_sgs == 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (int i = 0; i < a->n_sgs; i++) {
		strncat(buf, i ? "," : "", len - strlen(buf) - 1);
		strncat(buf, L->t->vpcs[a->vpc].security_groups[a->sgs[i]].name,
			len - strlen(buf) - 1);
	}
}

/* status: the environments of the topology shown, whose per-sandbox ENIs
 * take subnet addresses too. */
static const struct env_set *shown_envs;

static int subnet_used(const struct layout *L, int v, int s)
{
	int n = 0;

	for (int i = 0; shown_envs && i < shown_envs->n; i++)
		n += shown_envs->e[i].vpc == v && shown_envs->e[i].subnet == s;
	for (int i = 0; i < L->n_atts; i++)
		n += L->atts[i].vpc == v && L->atts[i].subnet == s;
	return n;
}

static void print_vpcs(const struct layout *L)
{
	const struct topology *t = L->t;
	struct table T = { .cols = 6 };
	char cidr[CIDR_STRLEN], free_s[32];

	table_row(&T, "VPC", "SUBNET", "CIDR", "ROUTE TABLE", "PUBLIC", "FREE");
	for (int v = 0; v < t->n_vpcs; v++) {
		const struct vpc *vpc = &t->vpcs[v];

		table_row(&T, vpc->name, "", cidr_str(vpc->cidr, cidr), "",
			  vpc->internet_gateway ? "igw" : "", "");
		for (int s = 0; s < vpc->n_subnets; s++) {
			const struct subnet *sn = &vpc->subnets[s];

			snprintf(free_s, sizeof(free_s), "%d/%u",
				 (int)subnet_usable(sn->cidr) - subnet_used(L, v, s),
				 subnet_usable(sn->cidr));
			table_row(&T, "", sn->name, cidr_str(sn->cidr, cidr),
				  vpc->route_tables[sn->route_table].name, sn->is_public ? "yes" : "no",
				  free_s);
		}
	}
	table_print(&T);
}

static void print_enis(const struct layout *L)
{
	struct table T = { .cols = 7 };
	char ip[IP4_STRLEN], pub[IP4_STRLEN], groups[256], what[128];

	table_row(&T, "ENI", "VPC", "SUBNET", "PRIVATE", "PUBLIC", "GROUPS", "ATTACHED TO");
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];
		const struct node *n = &L->nodes[a->node];

		if (a->vpc < 0)
			continue;
		groups_str(L, a, groups, sizeof(groups));
		snprintf(what, sizeof(what), "%s %s", node_kind_str(L, n),
			 n->kind == NODE_HYPERPLANE ? L->hpls[n->index].functions : n->name);
		table_row(&T, a->eni_id, L->t->vpcs[a->vpc].name,
			  L->t->vpcs[a->vpc].subnets[a->subnet].name, ip4_str(a->ip, ip),
			  a->public_ip ? ip4_str(a->public_ip, pub) : "-", groups, what);
	}
	table_print(&T);
}

static void print_nodes(const struct layout *L, const struct journal *J)
{
	struct table T = { .cols = 5 };
	char ip[IP4_STRLEN];

	table_row(&T, "NODE", "KIND", "ADDRESS", "NAMESPACE", "COMMAND");
	for (int i = 0; i < L->n_nodes; i++) {
		const struct node *n = &L->nodes[i];
		const char *cmd = "-";

		if (n->kind == NODE_NAT)
			continue;
		for (int k = 0; J && k < J->n; k++) {
			struct proc_id p = { J->e[k].pid, J->e[k].start_time };

			if (J->e[k].kind == J_PROC && strcmp(J->e[k].what, n->name) == 0)
				cmd = proc_alive(&p) ? "running" : "exited";
		}
		table_row(&T, n->name, node_kind_str(L, n), ip4_str(L->atts[n->att].ip, ip),
			  n->netns, cmd);
	}
	table_print(&T);
}

/* "dns_names": what the VPC resolvers answer for a node or ENI
 * (docs/DNS.md). */
static void json_dns_names(cJSON *o, char names[][DNS_NAME_MAX], int n)
{
	cJSON *a = cJSON_AddArrayToObject(o, "dns_names");

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
}

/* "dns": the VPC's DNS attributes and where its resolver answers. */
static void json_vpc_dns(const struct layout *L, int v, cJSON *jv)
{
	const struct vpc *vpc = &L->t->vpcs[v];
	cJSON *d = cJSON_AddObjectToObject(jv, "dns"), *r;
	char addrs[64], *save = NULL;

	cJSON_AddBoolToObject(d, "enable_dns_support", vpc->dns_support);
	cJSON_AddBoolToObject(d, "enable_dns_hostnames", vpc->dns_hostnames);
	r = cJSON_AddArrayToObject(d, "resolver");
	dns_view_addresses(L, dns_view_of_vpc(L, v), addrs, sizeof(addrs));
	for (char *p = strtok_r(addrs, ",", &save); p; p = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(r, cJSON_CreateString(p));
}

static cJSON *json_layout(const struct layout *L)
{
	char names[DNS_NAMES_MAX][DNS_NAME_MAX];
	const struct topology *t = L->t;
	cJSON *root = cJSON_CreateObject(), *vpcs, *enis, *nodes;
	char buf[CIDR_STRLEN];

	cJSON_AddStringToObject(root, "name", t->name);
	vpcs = cJSON_AddArrayToObject(root, "vpcs");
	for (int v = 0; v < t->n_vpcs; v++) {
		const struct vpc *vpc = &t->vpcs[v];
		cJSON *jv = cJSON_CreateObject(), *subnets;

		cJSON_AddStringToObject(jv, "name", vpc->name);
		cJSON_AddStringToObject(jv, "cidr", cidr_str(vpc->cidr, buf));
		cJSON_AddStringToObject(jv, "netns", L->routers[L->vpc_router[v]].netns);
		json_vpc_dns(L, v, jv);
		cJSON_AddBoolToObject(jv, "internet_gateway", vpc->internet_gateway);
		subnets = cJSON_AddArrayToObject(jv, "subnets");
		for (int s = 0; s < vpc->n_subnets; s++) {
			const struct subnet *sn = &vpc->subnets[s];
			cJSON *js = cJSON_CreateObject();

			cJSON_AddStringToObject(js, "name", sn->name);
			cJSON_AddStringToObject(js, "cidr", cidr_str(sn->cidr, buf));
			cJSON_AddStringToObject(js, "route_table", vpc->route_tables[sn->route_table].name);
			cJSON_AddBoolToObject(js, "public", sn->is_public);
			cJSON_AddNumberToObject(js, "usable_addresses", subnet_usable(sn->cidr));
			cJSON_AddNumberToObject(js, "free_addresses",
						(int)subnet_usable(sn->cidr) - subnet_used(L, v, s));
			cJSON_AddItemToArray(subnets, js);
		}
		cJSON_AddItemToArray(vpcs, jv);
	}
	enis = cJSON_AddArrayToObject(root, "enis");
	nodes = cJSON_AddArrayToObject(root, "nodes");
	for (int i = 0; i < L->n_atts; i++) {
		const struct attachment *a = &L->atts[i];
		const struct node *n = &L->nodes[a->node];
		cJSON *je;

		if (a->vpc >= 0) {
			cJSON *jg;

			je = cJSON_CreateObject();
			cJSON_AddStringToObject(je, "id", a->eni_id);
			cJSON_AddStringToObject(je, "vpc", t->vpcs[a->vpc].name);
			cJSON_AddStringToObject(je, "subnet", t->vpcs[a->vpc].subnets[a->subnet].name);
			cJSON_AddStringToObject(je, "private_ip", ip4_str(a->ip, buf));
			if (a->public_ip)
				cJSON_AddStringToObject(je, "public_ip", ip4_str(a->public_ip, buf));
			else
				cJSON_AddNullToObject(je, "public_ip");
			jg = cJSON_AddArrayToObject(je, "security_groups");
			for (int g = 0; g < a->n_sgs; g++)
				cJSON_AddItemToArray(jg, cJSON_CreateString(
					t->vpcs[a->vpc].security_groups[a->sgs[g]].name));
			cJSON_AddStringToObject(je, "attached_to", n->name);
			cJSON_AddStringToObject(je, "attached_kind", node_kind_str(L, n));
			cJSON_AddStringToObject(je, "router_interface", a->ifname);
			cJSON_AddItemToArray(enis, je);
		}
		je = cJSON_CreateObject();
		cJSON_AddStringToObject(je, "name", n->name);
		cJSON_AddStringToObject(je, "kind", node_kind_str(L, n));
		cJSON_AddStringToObject(je, "netns", n->netns);
		cJSON_AddStringToObject(je, "private_ip", ip4_str(a->ip, buf));
		if (a->public_ip)
			cJSON_AddStringToObject(je, "public_ip", ip4_str(a->public_ip, buf));
		else
			cJSON_AddNullToObject(je, "public_ip");
		if (a->eni_id[0])
			cJSON_AddStringToObject(je, "eni", a->eni_id);
		json_dns_names(je, names, dns_node_names(L, a->node, names, DNS_NAMES_MAX));
		cJSON_AddItemToArray(nodes, je);
	}
	cJSON_AddStringToObject(root, "lambda_egress_ip", ip4_str(L->lambda_egress_ip, buf));
	return root;
}

static void print_json(cJSON *root)
{
	char *s = cJSON_Print(root);

	if (s)
		puts(s);
	free(s);
	cJSON_Delete(root);
}

void report_up(const struct layout *L, double elapsed_ms, bool json)
{
	int enis = 0;

	if (json) {
		cJSON *root = json_layout(L);

		cJSON_AddNumberToObject(root, "elapsed_ms", elapsed_ms);
		print_json(root);
		return;
	}
	for (int i = 0; i < L->n_atts; i++)
		enis += L->atts[i].vpc >= 0;
	printf("topology %s is up: %d VPC%s, %d ENI%s, %d node%s in %.0f ms\n\n", L->t->name,
	       L->t->n_vpcs, L->t->n_vpcs == 1 ? "" : "s", enis, enis == 1 ? "" : "s",
	       L->n_nodes, L->n_nodes == 1 ? "" : "s", elapsed_ms);
	print_vpcs(L);
	putchar('\n');
	print_enis(L);
}

static const char *fn_mode(const struct topology *t, const struct function *f)
{
	if (!f->has_vpc)
		return "service";
	return t->eni_mode == ENI_MODE_HYPERPLANE ? "hyperplane" : "per-sandbox";
}

/* Requests, billed GB-seconds and their price so far, as table cells. */
static void usage_cells(const struct live *lv, const struct function *f, char req[24],
			char gbs[24], char usd[32])
{
	struct fn_usage u;
	struct lambda_cost c;

	if (usage_read(lv->name, f->name, &u) < 0) {
		snprintf(req, 24, "?");
		snprintf(gbs, 24, "?");
		snprintf(usd, 32, "?");
		return;
	}
	c = lambda_cost(u.requests, usage_gb_seconds(&u));
	snprintf(req, 24, "%lld", u.requests);
	snprintf(gbs, 24, "%.6f", c.gb_seconds);
	lambda_usd_str(c.total_usd, usd, 32);
}

static void print_functions(const struct live *lv, const struct env_set *s)
{
	const struct topology *t = lv->t;
	struct table T = { .cols = 8 };
	char reason[64], counts[32], req[24], gbs[24], usd[32], rates[128], free_tier[128];

	table_row(&T, "FUNCTION", "VPC", "MODE", "ENVIRONMENTS", "STATE REASON", "REQUESTS",
		  "BILLED GB-S", "PRICE");
	for (int i = 0; i < t->n_functions; i++) {
		const struct function *f = &t->functions[i];
		int n = 0, busy = 0;

		for (int k = 0; k < s->n; k++)
			if (!strcmp(s->e[k].function, f->name)) {
				n++;
				busy += s->e[k].busy;
			}
		snprintf(counts, sizeof(counts), "%d (%d busy)", n, busy);
		env_fn_state_reason(lv, f->name, reason, sizeof(reason));
		usage_cells(lv, f, req, gbs, usd);
		table_row(&T, f->name, f->has_vpc ? t->vpcs[f->vpc].name : "-", fn_mode(t, f),
			  counts, reason[0] ? reason : "-", req, gbs, usd);
	}
	table_print(&T);
	printf("PRICE at %s, before the %s\n", lambda_rates_str(rates, sizeof(rates)),
	       lambda_free_tier_str(free_tier, sizeof(free_tier)));
}

static void json_usage(const struct live *lv, const struct function *f, cJSON *o)
{
	struct fn_usage u;
	struct lambda_cost c;

	if (usage_read(lv->name, f->name, &u) < 0) {
		cJSON_AddNullToObject(o, "requests");
		return;
	}
	c = lambda_cost(u.requests, usage_gb_seconds(&u));
	cJSON_AddNumberToObject(o, "requests", (double)u.requests);
	cJSON_AddNumberToObject(o, "billed_gb_seconds", c.gb_seconds);
	cJSON_AddNumberToObject(o, "price_usd", c.total_usd);
}

static void print_envs(const struct env_set *s)
{
	struct table T = { .cols = 7 };
	char ip[IP4_STRLEN];

	table_row(&T, "ENVIRONMENT", "FUNCTION", "MODE", "ADDRESS", "ENI", "NAMESPACE", "STATE");
	for (int i = 0; i < s->n; i++) {
		const struct env_meta *m = &s->e[i];

		table_row(&T, m->id, m->function, env_mode_str(m->mode), ip4_str(m->ip, ip),
			  m->eni_id[0] ? m->eni_id : "-", m->netns, m->busy ? "busy" : "idle");
	}
	table_print(&T);
}

static void json_envs(const struct live *lv, cJSON *root, const struct env_set *s)
{
	char names[1][DNS_NAME_MAX];
	cJSON *fns = cJSON_AddArrayToObject(root, "functions");
	cJSON *envs = cJSON_AddArrayToObject(root, "environments");
	char buf[IP4_STRLEN], reason[64];

	for (int i = 0; i < lv->t->n_functions; i++) {
		const struct function *f = &lv->t->functions[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", f->name);
		cJSON_AddStringToObject(o, "mode", fn_mode(lv->t, f));
		env_fn_state_reason(lv, f->name, reason, sizeof(reason));
		if (reason[0])
			cJSON_AddStringToObject(o, "state_reason", reason);
		else
			cJSON_AddNullToObject(o, "state_reason");
		json_usage(lv, f, o);
		cJSON_AddItemToArray(fns, o);
	}
	for (int i = 0; i < s->n; i++) {
		const struct env_meta *m = &s->e[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", m->id);
		cJSON_AddStringToObject(o, "function", m->function);
		cJSON_AddStringToObject(o, "mode", env_mode_str(m->mode));
		cJSON_AddStringToObject(o, "private_ip", ip4_str(m->ip, buf));
		if (m->eni_id[0])
			cJSON_AddStringToObject(o, "eni", m->eni_id);
		else
			cJSON_AddNullToObject(o, "eni");
		cJSON_AddStringToObject(o, "netns", m->netns);
		json_dns_names(o, names, m->mode == ENV_PER_SANDBOX
						 ? dns_eni_names(lv->t, m->vpc, m->ip, names, 1) : 0);
		cJSON_AddBoolToObject(o, "busy", m->busy);
		cJSON_AddItemToArray(envs, o);
	}
}

void report_status(const struct live *lv, bool json)
{
	char path[STATE_PATH_MAX + 32];
	struct journal J;
	struct env_set envs;
	bool have_j;

	path_journal(path, sizeof(path), lv->name);
	have_j = journal_read(&J, path) == 0;
	if (env_list(lv, &envs) < 0)
		memset(&envs, 0, sizeof(envs));
	shown_envs = &envs;
	if (json) {
		cJSON *root = json_layout(&lv->L);

		json_add_drops(cJSON_GetObjectItem(root, "vpcs"), &lv->L);
		json_add_drop_reasons(root);
		json_envs(lv, root, &envs);
		json_add_engines(root, &lv->L, lv->dir);
		json_add_resolvers(root, &lv->L, have_j ? &J : NULL, lv->dir);
		json_add_event_service(root, lv);
		json_add_endpoints(root, &lv->L);
		json_add_aws_zone(root, lv, have_j ? &J : NULL);
		json_add_distributions(root, &lv->L);
		print_json(root);
	} else {
		printf("topology %s (%s)\n\n", lv->name, lv->dir);
		print_vpcs(&lv->L);
		putchar('\n');
		print_enis(&lv->L);
		putchar('\n');
		print_nodes(&lv->L, have_j ? &J : NULL);
		putchar('\n');
		print_resolvers(&lv->L, have_j ? &J : NULL, lv->dir);
		putchar('\n');
		print_drops(&lv->L);
		print_engines(&lv->L, lv->dir);
		print_endpoints(&lv->L);
		print_aws_zone(lv, have_j ? &J : NULL);
		print_distributions(&lv->L);
		if (lv->t->n_functions) {
			putchar('\n');
			print_functions(lv, &envs);
			print_event_service(lv);
			if (envs.n) {
				putchar('\n');
				print_envs(&envs);
			}
		}
	}
	shown_envs = NULL;
	env_set_free(&envs);
	if (have_j)
		journal_close(&J);
}
