/* Tables and JSON for `up` and `status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "vpcsim/journal.h"
#include "vpcsim/proc.h"
#include "vpcsim/report.h"
#include "report_internal.h"

static const char *node_kind_str(const struct layout *L, const struct node *n)
{
	switch (n->kind) {
	case NODE_RESOURCE:
		return resource_kind_str(L->t->resources[n->index].kind);
	case NODE_FUNCTION:
		return "function";
	case NODE_HOST:
		return "internet host";
	case NODE_NAT:
		return "nat gateway";
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

static int subnet_used(const struct layout *L, int v, int s)
{
	int n = 0;

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
		snprintf(what, sizeof(what), "%s %s", node_kind_str(L, n), n->name);
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

static cJSON *json_layout(const struct layout *L)
{
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

void report_status(const struct live *lv, bool json)
{
	char path[STATE_PATH_MAX + 32];
	struct journal J;
	bool have_j;

	snprintf(path, sizeof(path), "%s/journal", lv->dir);
	have_j = journal_read(&J, path) == 0;
	if (json) {
		cJSON *root = json_layout(&lv->L);

		json_add_drops(cJSON_GetObjectItem(root, "vpcs"), &lv->L);
		print_json(root);
	} else {
		printf("topology %s (%s)\n\n", lv->name, lv->dir);
		print_vpcs(&lv->L);
		putchar('\n');
		print_enis(&lv->L);
		putchar('\n');
		print_nodes(&lv->L, have_j ? &J : NULL);
		putchar('\n');
		print_drops(&lv->L);
	}
	if (have_j)
		journal_close(&J);
}
