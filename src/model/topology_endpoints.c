/* A VPC's "endpoints" (TOPOLOGY.md, v3 additions; docs/AWS-SERVICES.md,
 * "VPC endpoints"): gateway endpoints for S3 and DynamoDB, interface
 * endpoints for any service the zone serves. Problems carry the codes and
 * the wording EC2's CreateVpcEndpoint answers with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/topology_internal_json.h"

#define CODE_EC2_PARAM "InvalidParameter"

/* com.amazonaws.REGION.SERVICE, as AWS names an endpoint service. */
static const char *service_name(const struct parse *p, const char *svc, char *buf, size_t n)
{
	snprintf(buf, n, "com.amazonaws.%s.%s", p->t->region, svc);
	return buf;
}

static void parse_type(struct parse *p, const cJSON *j, const char *path,
		       struct vpc_endpoint *e)
{
	const char *s;
	char kp[PATH_LEN];

	e->type = VPCE_GATEWAY;
	if (get_str(p, j, path, "type", false, &s) != 1)
		return;
	if (!strcmp(s, "interface"))
		e->type = VPCE_INTERFACE;
	else if (strcmp(s, "gateway"))
		ERR(p, path_key(kp, path, "type"), CODE_EC2_PARAM,
		    "The endpoint type '%s' is not valid: use \"gateway\" (s3, dynamodb) or "
		    "\"interface\"", s);
}

static void parse_service(struct parse *p, const cJSON *j, const char *path,
			  struct vpc_endpoint *e)
{
	const char *s;
	char kp[PATH_LEN], sn[128];

	e->service = -1;
	if (get_str(p, j, path, "service", true, &s) != 1)
		return;
	path_key(kp, path, "service");
	e->service = aws_service_from_name(s);
	if (e->service < 0 || !(AWS_SERVED & (1u << e->service))) {
		ERR(p, kp, "InvalidServiceName",
		    "The Vpc Endpoint Service '%s' does not exist: vpcsim serves s3, dynamodb, lambda, "
		    "secretsmanager and sts", service_name(p, s, sn, sizeof(sn)));
		e->service = -1;
	} else if (e->type == VPCE_GATEWAY && e->service != AWS_S3 &&
		   e->service != AWS_DYNAMODB) {
		ERR(p, kp, "InvalidServiceName",
		    "The Vpc Endpoint Service '%s' does not support the endpoint type Gateway: "
		    "only s3 and dynamodb have gateway endpoints; use \"type\": \"interface\"",
		    service_name(p, s, sn, sizeof(sn)));
	}
}

/* An array of names of the VPC's route tables or subnets, as indices. */
static int *parse_refs(struct parse *p, const cJSON *arr, const char *path, const struct vpc *v,
		       bool tables, int *n)
{
	const cJSON *e;
	char ep[PATH_LEN];
	int *out = topo_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(int)), i = 0;

	*n = 0;
	cJSON_ArrayForEach(e, arr) {
		const char *name = cJSON_GetStringValue(e);
		int k;

		path_idx(ep, path, i++);
		if (!name) {
			ERR(p, ep, CODE_TYPE, "A %s name must be a string, not %s",
			    tables ? "route table" : "subnet", json_type(e));
			continue;
		}
		k = tables ? FIND(v->route_tables, v->n_route_tables, name) : vpc_find_subnet(v, name);
		if (k < 0 && tables)
			ERR(p, ep, "InvalidRouteTableID.NotFound",
			    "The route table '%s' does not exist in VPC %s", name, v->name);
		else if (k < 0)
			ERR(p, ep, "InvalidSubnetID.NotFound",
			    "The subnet '%s' does not exist in VPC %s", name, v->name);
		else
			out[(*n)++] = k;
	}
	return out;
}

static void parse_gateway(struct parse *p, const cJSON *j, const char *path, const struct vpc *v,
			  struct vpc_endpoint *e)
{
	const cJSON *arr;
	char kp[PATH_LEN];

	if (get_array(p, j, path, "route_tables", false, &arr) == 1)
		e->route_tables = parse_refs(p, arr, path_key(kp, path, "route_tables"), v, true,
					     &e->n_route_tables);
	for (const char *const *k = (const char *const[]){ "subnets", "security_groups",
							   "private_dns", NULL }; *k; k++)
		if (cJSON_GetObjectItemCaseSensitive(j, *k))
			ERR(p, path_key(kp, path, *k), CODE_EC2_PARAM,
			    "%s applies to interface endpoints only; a gateway endpoint takes "
			    "route_tables", *k);
}

static void parse_interface(struct parse *p, const cJSON *j, const char *path, int vi,
			    struct vpc_endpoint *e)
{
	const struct vpc *v = &p->t->vpcs[vi];
	const cJSON *arr;
	char kp[PATH_LEN];

	if (get_array(p, j, path, "subnets", true, &arr) == 1) {
		e->subnets = parse_refs(p, arr, path_key(kp, path, "subnets"), v, false,
					&e->n_subnets);
		if (cJSON_GetArraySize(arr) == 0)
			ERR(p, kp, CODE_MISSING, "An interface endpoint needs at least one subnet");
	}
	if (get_array(p, j, path, "security_groups", false, &arr) == 1)
		parse_sg_list(p, arr, path_key(kp, path, "security_groups"), vi, CODE_EC2_PARAM,
			      "security_groups is empty: leave it out for the VPC's default group",
			      e->sgs, &e->n_sgs);
	else if (v->default_sg >= 0)
		e->sgs[e->n_sgs++] = v->default_sg;
	e->private_dns = true;
	get_bool(p, j, path, "private_dns", &e->private_dns);
	if (cJSON_GetObjectItemCaseSensitive(j, "route_tables"))
		ERR(p, path_key(kp, path, "route_tables"), CODE_EC2_PARAM,
		    "route_tables applies to gateway endpoints only; an interface endpoint takes subnets");
	if (e->private_dns && !(v->dns_support && v->dns_hostnames))
		ERR(p, path_key(kp, path, "private_dns"), CODE_EC2_PARAM,
		    "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC "
		    "attributes set to true for %s: set \"enable_dns_support\" and "
		    "\"enable_dns_hostnames\" true in that VPC, or \"private_dns\": false", v->name);
}

static void parse_endpoint(struct parse *p, const cJSON *j, const char *path, int vi,
			   struct vpc_endpoint *e)
{
	static const char *const keys[] = { "name", "service", "type", "route_tables", "subnets",
					    "security_groups", "private_dns", NULL };

	e->service = -1;
	if (!as_object(p, j, path, "endpoint", keys))
		return;
	e->name = get_name(p, j, path, "endpoint");
	parse_type(p, j, path, e);
	parse_service(p, j, path, e);
	if (e->type == VPCE_GATEWAY)
		parse_gateway(p, j, path, &p->t->vpcs[vi], e);
	else
		parse_interface(p, j, path, vi, e);
}

static bool shared(const int *a, int na, const int *b, int nb, int *which)
{
	for (int i = 0; i < na; i++)
		for (int k = 0; k < nb; k++)
			if (a[i] == b[k]) {
				*which = a[i];
				return true;
			}
	return false;
}

/* Endpoint e against the earlier ones of its VPC: names, one route per
 * service and table, one interface per service and subnet, one private
 * DNS domain per service. */
static void check_conflicts(struct parse *p, const char *path, const struct vpc *v, int ei)
{
	const struct vpc_endpoint *e = &v->endpoints[ei];
	char kp[PATH_LEN];
	int k;

	for (int o = 0; o < ei; o++) {
		const struct vpc_endpoint *x = &v->endpoints[o];

		if (e->name && x->name && !strcmp(e->name, x->name))
			ERR(p, path_key(kp, path, "name"), CODE_EC2_PARAM,
			    "The endpoint name '%s' is used twice in VPC %s; names are unique",
			    e->name, v->name);
		if (e->service < 0 || x->service != e->service || x->type != e->type)
			continue;
		if (e->type == VPCE_GATEWAY &&
		    shared(e->route_tables, e->n_route_tables, x->route_tables, x->n_route_tables, &k))
			ERR(p, path_key(kp, path, "route_tables"), "RouteAlreadyExists",
			    "route table %s already has a route with destination-prefix-list-id of "
			    "%s (endpoint %s): list each route table in one %s endpoint",
			    v->route_tables[k].name, aws_service_name(e->service), x->name,
			    aws_service_name(e->service));
		if (e->type == VPCE_INTERFACE &&
		    shared(e->subnets, e->n_subnets, x->subnets, x->n_subnets, &k))
			ERR(p, path_key(kp, path, "subnets"), "DuplicateSubnetsInSameZone",
			    "Found another VPC endpoint subnet in the availability zone of subnet %s "
			    "(endpoint %s of the same service): one endpoint ENI per service and subnet",
			    v->subnets[k].name, x->name);
		else if (e->type == VPCE_INTERFACE && e->private_dns && x->private_dns)
			ERR(p, path_key(kp, path, "private_dns"), CODE_EC2_PARAM,
			    "private-dns-enabled cannot be set because there is already a conflicting "
			    "DNS domain for %s.%s.amazonaws.com in the VPC %s (endpoint %s); set "
			    "\"private_dns\": false on one of them",
			    aws_service_name(e->service), p->t->region, v->name, x->name);
	}
	for (int i = 0; e->type == VPCE_INTERFACE && i < e->n_subnets; i++)
		for (int m = 0; m < i; m++)
			if (e->subnets[m] == e->subnets[i])
				ERR(p, path_key(kp, path, "subnets"), "DuplicateSubnetsInSameZone",
				    "Found another VPC endpoint subnet in the availability zone of subnet "
				    "%s: list each subnet once", v->subnets[i].name);
}

void parse_vpc_endpoints(struct parse *p, const cJSON *j, const char *path, int vi)
{
	struct vpc *v = &p->t->vpcs[vi];
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	if (get_array(p, j, path, "endpoints", false, &arr) != 1)
		return;
	path_key(ap, path, "endpoints");
	v->n_endpoints = cJSON_GetArraySize(arr);
	v->endpoints = topo_calloc((size_t)v->n_endpoints + 1, sizeof(*v->endpoints));
	cJSON_ArrayForEach(e, arr) {
		path_idx(ep, ap, i);
		parse_endpoint(p, e, ep, vi, &v->endpoints[i]);
		check_conflicts(p, ep, v, i);
		i++;
	}
}

/* An endpoint needs its service in the zone: without "aws", endpoints
 * bring the zone with just their services (a topology naming neither
 * pays nothing); with "aws", the service must be in aws.services. */
void check_endpoint_services(struct parse *p)
{
	struct topology *t = p->t;
	bool had_aws = t->aws.enabled;
	char ep[PATH_LEN], sp[PATH_LEN];

	for (int v = 0; v < t->n_vpcs; v++)
		for (int i = 0; i < t->vpcs[v].n_endpoints; i++) {
			int s = t->vpcs[v].endpoints[i].service;

			if (s < 0)
				continue;
			snprintf(ep, sizeof(ep), "vpcs[%d].endpoints[%d]", v, i);
			if (!had_aws) {
				t->aws.enabled = true;
				t->aws.services |= 1u << s;
			} else if (!(t->aws.services & (1u << s))) {
				ERR(p, path_key(sp, ep, "service"), "InvalidServiceName",
				    "The endpoint's service '%s' is not in aws.services, so nothing "
				    "answers behind it; add it there", aws_service_name(s));
			}
		}
}
