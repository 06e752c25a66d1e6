/* VPC endpoints in `vpcsim status` (docs/AWS-SERVICES.md, "VPC
 * endpoints"): their vpce- ids, the prefix lists (pl-) gateway endpoints
 * route, interface endpoints' ENIs and DNS names. */
#include <stdio.h>
#include <string.h>

#include "cli/report_internal.h"
#include "model/endpoint.h"

static bool any_endpoint(const struct topology *t)
{
	for (int v = 0; v < t->n_vpcs; v++)
		if (t->vpcs[v].n_endpoints)
			return true;
	return false;
}

/* Where the endpoint acts: route tables (gateway), its ENIs (interface). */
static void where_str(const struct layout *L, int v, int e, char *buf, size_t len)
{
	const struct vpc_endpoint *ep = &L->t->vpcs[v].endpoints[e];
	char ip[IP4_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; ep->type == VPCE_GATEWAY && k < ep->n_route_tables && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? "," : "table ",
				      L->t->vpcs[v].route_tables[ep->route_tables[k]].name);
	for (int i = 0; i < L->n_vpce_enis && n < len; i++) {
		const struct vpce_eni *x = &L->vpce_enis[i];
		const struct attachment *a = &L->atts[L->nodes[x->node].att];

		if (x->vpc == v && x->endpoint == e)
			n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? "," : "", a->eni_id,
					      ip4_str(a->ip, ip));
	}
}

/* What the endpoint adds: the prefix list (gateway), DNS (interface). */
static void adds_str(const struct layout *L, int v, int e, char *buf, size_t len)
{
	const struct vpc_endpoint *ep = &L->t->vpcs[v].endpoints[e];
	char pl[PL_ID_LEN], c[CIDR_STRLEN], name[VPCE_NAME_MAX];

	if (ep->type == VPCE_GATEWAY) {
		vpce_prefix_list_id(L->t, ep->service, pl);
		snprintf(buf, len, "route %s (%s) -> endpoint", pl,
			 cidr_str(vpce_prefix_list_cidr(ep->service), c));
		return;
	}
	vpce_dns_name(L->t, v, e, name);
	snprintf(buf, len, "%s; private DNS %s", name, ep->private_dns ? "on" : "off");
}

void print_endpoints(const struct layout *L)
{
	struct table T = { .cols = 7 };
	char id[VPCE_ID_LEN], where[1024], adds[512];

	if (!any_endpoint(L->t))
		return;
	table_row(&T, "ENDPOINT", "VPC", "ID", "TYPE", "SERVICE", "WHERE", "ADDS");
	for (int v = 0; v < L->t->n_vpcs; v++)
		for (int e = 0; e < L->t->vpcs[v].n_endpoints; e++) {
			const struct vpc_endpoint *ep = &L->t->vpcs[v].endpoints[e];

			vpce_id(L->t, v, e, id);
			where_str(L, v, e, where, sizeof(where));
			adds_str(L, v, e, adds, sizeof(adds));
			table_row(&T, ep->name, L->t->vpcs[v].name, id, vpce_type_str(ep->type),
				  aws_service_name(ep->service), where, adds);
		}
	putchar('\n');
	table_print(&T);
}

static cJSON *json_endpoint(const struct layout *L, int v, int e)
{
	const struct vpc *vpc = &L->t->vpcs[v];
	const struct vpc_endpoint *ep = &vpc->endpoints[e];
	cJSON *o = cJSON_CreateObject(), *arr;
	char buf[VPCE_NAME_MAX], c[CIDR_STRLEN];

	cJSON_AddStringToObject(o, "name", ep->name);
	cJSON_AddStringToObject(o, "vpc", vpc->name);
	vpce_id(L->t, v, e, buf);
	cJSON_AddStringToObject(o, "id", buf);
	cJSON_AddStringToObject(o, "type", vpce_type_str(ep->type));
	cJSON_AddStringToObject(o, "service", aws_service_name(ep->service));
	vpce_service_name(L->t, ep->service, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "service_name", buf);
	if (ep->type == VPCE_GATEWAY) {
		cJSON *pl = cJSON_AddObjectToObject(o, "prefix_list");

		vpce_prefix_list_id(L->t, ep->service, buf);
		cJSON_AddStringToObject(pl, "id", buf);
		arr = cJSON_AddArrayToObject(pl, "cidrs");
		cJSON_AddItemToArray(arr, cJSON_CreateString(
			cidr_str(vpce_prefix_list_cidr(ep->service), c)));
		arr = cJSON_AddArrayToObject(o, "route_tables");
		for (int k = 0; k < ep->n_route_tables; k++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(
				vpc->route_tables[ep->route_tables[k]].name));
		return o;
	}
	arr = cJSON_AddArrayToObject(o, "enis");
	for (int i = 0; i < L->n_vpce_enis; i++) {
		const struct vpce_eni *x = &L->vpce_enis[i];
		const struct attachment *a = &L->atts[L->nodes[x->node].att];
		cJSON *eo;

		if (x->vpc != v || x->endpoint != e)
			continue;
		eo = cJSON_CreateObject();
		cJSON_AddStringToObject(eo, "id", a->eni_id);
		cJSON_AddStringToObject(eo, "subnet", vpc->subnets[x->subnet].name);
		cJSON_AddStringToObject(eo, "ip", ip4_str(a->ip, c));
		cJSON_AddItemToArray(arr, eo);
	}
	arr = cJSON_AddArrayToObject(o, "security_groups");
	for (int k = 0; k < ep->n_sgs; k++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(vpc->security_groups[ep->sgs[k]].name));
	cJSON_AddBoolToObject(o, "private_dns", ep->private_dns);
	arr = cJSON_AddArrayToObject(o, "dns_names");
	vpce_dns_name(L->t, v, e, buf);
	cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	return o;
}

void json_add_endpoints(cJSON *root, const struct layout *L)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "endpoints");

	for (int v = 0; v < L->t->n_vpcs; v++)
		for (int e = 0; e < L->t->vpcs[v].n_endpoints; e++)
			cJSON_AddItemToArray(arr, json_endpoint(L, v, e));
}
