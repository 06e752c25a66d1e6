/* A template's network resources as a topology's VPCs (docs/TEMPLATES.md):
 * VPC, Subnet, RouteTable, Route, SubnetRouteTableAssociation,
 * InternetGateway and VPCGatewayAttachment, EIP, NatGateway, SecurityGroup
 * (inline rules) and SecurityGroupIngress/Egress, NetworkAcl,
 * NetworkAclEntry, SubnetNetworkAclAssociation, VPCPeeringConnection. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/template_internal.h"
#include "model/topology_internal.h"

void tmpl_unmapped(struct tctx *c, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	topo_warning(c->d, path, "NotMapped", "%s", msg);
}

void tmpl_rest_unmapped(struct tctx *c, const char *id, const cJSON *props,
			const char *const known[])
{
	const cJSON *p;

	cJSON_ArrayForEach(p, props) {
		char path[TPATH_LEN];
		int k = 0;

		while (known[k] && strcmp(known[k], p->string))
			k++;
		if (known[k])
			continue;
		snprintf(path, sizeof(path), "Resources.%s.Properties.%s", id, p->string);
		tmpl_unmapped(c, path, "%s: property %s is not simulated; left out",
			      tmpl_type(c, id), p->string);
	}
}

const char *tmpl_ref(struct tctx *c, const char *id, const cJSON *props, const char *key,
		     const char *type, bool required, char *name, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, key);
	const char *to = tmpl_ref_id(v);
	char path[TPATH_LEN];

	snprintf(path, sizeof(path), "Resources.%s.Properties.%s", id, key);
	return tmpl_ref_at(c, v, path, type, required, name, size) ? to : NULL;
}

bool tmpl_ref_at(struct tctx *c, const cJSON *v, const char *path, const char *type,
		 bool required, char *name, size_t size)
{
	const char *to = tmpl_ref_id(v);

	if (!v) {
		if (required)
			tmpl_error(c, path, "MissingParameter", "required: a !Ref to an %s", type);
		return false;
	}
	if (!to || strcmp(tmpl_type(c, to), type)) {
		tmpl_error(c, path, "UnresolvedReference", "must be a !Ref (or !GetAtt) of an %s "
			   "of this template%s%s", type, to ? ", not of " : "",
			   to ? (tmpl_type(c, to)[0] ? tmpl_type(c, to) : "a missing resource") : "");
		return false;
	}
	tmpl_name(c, to, name, size);
	return true;
}

int tmpl_ref_list(struct tctx *c, const char *id, const cJSON *p, const char *key,
		  const char *type, cJSON *o, const char *out)
{
	cJSON *arr = cJSON_AddArrayToObject(o, out);
	const cJSON *it;
	int i = 0, rc = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p, key)) {
		char path[TPATH_LEN], name[64];

		snprintf(path, sizeof(path), "Resources.%s.Properties.%s[%d]", id, key, i++);
		if (tmpl_ref_at(c, it, path, type, true, name, sizeof(name)))
			cJSON_AddItemToArray(arr, cJSON_CreateString(name));
		else
			rc = -1;
	}
	if (!i)
		cJSON_DeleteItemFromObjectCaseSensitive(o, out);
	return rc;
}

cJSON *tmpl_named(cJSON *arr, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return it;
	}
	return NULL;
}

/* The VPC (topology object) that holds the subnet, table, group or ACL
 * `name` in list `list` ("subnets", ...). */
cJSON *tmpl_vpc_of(cJSON *topo, const char *list, const char *name)
{
	cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(topo, "vpcs"))
		if (tmpl_named(cJSON_GetObjectItemCaseSensitive(v, list), name))
			return v;
	return NULL;
}

/* Resources of `type`, in template order: calls f for each. */
static int each(struct tctx *c, cJSON *topo, const struct tmpl_step *st)
{
	const cJSON *r, *p;
	int rc = 0;

	cJSON_ArrayForEach(r, c->evaluated) {
		if (strcmp(tmpl_type(c, r->string), st->type))
			continue;
		p = cJSON_GetObjectItemCaseSensitive(r, "Properties");
		if (p && !cJSON_IsObject(p)) {
			char path[TPATH_LEN];

			snprintf(path, sizeof(path), "Resources.%s.Properties", r->string);
			tmpl_error(c, path, "InvalidTemplate", "Properties must be a mapping of "
				   "property names to values, not a list or a single value");
			rc = -1;
			continue;
		}
		if (!st->fn)
			tmpl_rest_unmapped(c, r->string, p, st->known);
		else if (st->fn(c, topo, r->string, p) < 0)
			rc = -1;
	}
	return rc;
}

int tmpl_run(struct tctx *c, cJSON *topo, const struct tmpl_step *steps, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!steps[i].type && rc)
			return -2;
		if (steps[i].type && each(c, topo, &steps[i]) < 0)
			rc = -1;
	}
	return rc;
}

static int map_vpc(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "CidrBlock", "EnableDnsSupport",
					     "EnableDnsHostnames", NULL };
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(p, "CidrBlock");
	cJSON *v = cJSON_CreateObject();
	char name[64];

	tmpl_name(c, id, name, sizeof(name));
	cJSON_AddStringToObject(v, "name", name);
	if (!cJSON_IsString(cidr)) {
		char path[TPATH_LEN];

		snprintf(path, sizeof(path), "Resources.%s.Properties.CidrBlock", id);
		tmpl_error(c, path, "MissingParameter", "a VPC needs its CidrBlock "
			   "(IPAM pools are not simulated)");
		cJSON_Delete(v);
		return -1;
	}
	cJSON_AddStringToObject(v, "cidr", cidr->valuestring);
	cJSON_AddBoolToObject(v, "internet_gateway", false);
	if (tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "EnableDnsSupport")) >= 0)
		cJSON_AddBoolToObject(v, "enable_dns_support",
				      tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "EnableDnsSupport")));
	if (tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "EnableDnsHostnames")) >= 0)
		cJSON_AddBoolToObject(v, "enable_dns_hostnames",
				      tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "EnableDnsHostnames")));
	for (int i = 0; i < 5; i++)
		cJSON_AddArrayToObject(v, (const char *[]){ "subnets", "route_tables", "nat_gateways",
			"security_groups", "network_acls" }[i]);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), v);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

int tmpl_bool(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsString(v) && !strcasecmp(v->valuestring, "true"))
		return 1;
	if (cJSON_IsString(v) && !strcasecmp(v->valuestring, "false"))
		return 0;
	return -1;
}

long tmpl_num(const cJSON *v, long dflt)
{
	char *end;
	long n;

	if (cJSON_IsNumber(v))
		return (long)v->valuedouble;
	if (cJSON_IsString(v)) {
		n = strtol(v->valuestring, &end, 10);
		if (!*end && end != v->valuestring)
			return n;
	}
	return dflt;
}

/* A child of a VPC (route table, security group, network ACL) into `list`. */
static cJSON *vpc_child(struct tctx *c, cJSON *topo, const char *id, const cJSON *p,
			const char *list)
{
	char vpc[64], name[64];
	cJSON *v, *o;

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, vpc, sizeof(vpc)))
		return NULL;
	v = tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), vpc);
	tmpl_name(c, id, name, sizeof(name));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v, list), o);
	return o;
}

static int map_route_table(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "VpcId", NULL };
	cJSON *rt = vpc_child(c, topo, id, p, "route_tables");

	if (!rt)
		return -1;
	cJSON_AddArrayToObject(rt, "routes");
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_subnet(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "VpcId", "CidrBlock", "MapPublicIpOnLaunch", NULL };
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(p, "CidrBlock");
	cJSON *s;

	if (!cJSON_IsString(cidr)) {
		char path[TPATH_LEN];

		snprintf(path, sizeof(path), "Resources.%s.Properties.CidrBlock", id);
		tmpl_error(c, path, "MissingParameter", "a subnet needs its CidrBlock");
		return -1;
	}
	if (!(s = vpc_child(c, topo, id, p, "subnets")))
		return -1;
	cJSON_AddStringToObject(s, "cidr", cidr->valuestring);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_attachment(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "VpcId", "InternetGatewayId", NULL };
	char vpc[64], igw[64];

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, vpc, sizeof(vpc)) ||
	    !tmpl_ref(c, id, p, "InternetGatewayId", "AWS::EC2::InternetGateway", true, igw,
		      sizeof(igw)))
		return -1;
	cJSON_ReplaceItemInObjectCaseSensitive(
		tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), vpc),
		"internet_gateway", cJSON_CreateTrue());
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

int tmpl_map_subnet_assoc(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "SubnetId", "RouteTableId", "NetworkAclId", NULL };
	bool acl = !strcmp(tmpl_type(c, id), "AWS::EC2::SubnetNetworkAclAssociation");
	const char *key = acl ? "NetworkAclId" : "RouteTableId";
	char subnet[64], target[64];
	cJSON *v, *s;

	if (!tmpl_ref(c, id, p, "SubnetId", "AWS::EC2::Subnet", true, subnet, sizeof(subnet)) ||
	    !tmpl_ref(c, id, p, key, acl ? "AWS::EC2::NetworkAcl" : "AWS::EC2::RouteTable", true,
		      target, sizeof(target)))
		return -1;
	v = tmpl_vpc_of(topo, "subnets", subnet);
	s = tmpl_named(cJSON_GetObjectItemCaseSensitive(v, "subnets"), subnet);
	cJSON_DeleteItemFromObjectCaseSensitive(s, acl ? "network_acl" : "route_table");
	cJSON_AddStringToObject(s, acl ? "network_acl" : "route_table", target);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_nat(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "SubnetId", "AllocationId", NULL };
	char subnet[64], name[64];
	cJSON *v, *n;

	if (!tmpl_ref(c, id, p, "SubnetId", "AWS::EC2::Subnet", true, subnet, sizeof(subnet)))
		return -1;
	v = tmpl_vpc_of(topo, "subnets", subnet);
	tmpl_name(c, id, name, sizeof(name));
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "name", name);
	cJSON_AddStringToObject(n, "subnet", subnet);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v, "nat_gateways"), n);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

/* EIPs: a NAT gateway gets its own address from 198.51.100.0/24, so one
 * allocated for it is consumed; any other use is listed. */
static int map_eip(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "Domain", NULL };

	(void)topo;
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_route(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "RouteTableId", "DestinationCidrBlock", "GatewayId",
		"NatGatewayId", "VpcPeeringConnectionId", NULL };
	const cJSON *dst = cJSON_GetObjectItemCaseSensitive(p, "DestinationCidrBlock");
	char rt[64], to[64], target[80], path[TPATH_LEN];
	cJSON *v, *r;

	if (!tmpl_ref(c, id, p, "RouteTableId", "AWS::EC2::RouteTable", true, rt, sizeof(rt)))
		return -1;
	snprintf(path, sizeof(path), "Resources.%s.Properties", id);
	if (!cJSON_IsString(dst)) {
		tmpl_error(c, path, "MissingParameter", "a route needs DestinationCidrBlock "
			   "(IPv6 routes are not simulated)");
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(p, "GatewayId") &&
	    tmpl_ref(c, id, p, "GatewayId", "AWS::EC2::InternetGateway", true, to, sizeof(to)))
		snprintf(target, sizeof(target), "igw");
	else if (cJSON_GetObjectItemCaseSensitive(p, "NatGatewayId") &&
		 tmpl_ref(c, id, p, "NatGatewayId", "AWS::EC2::NatGateway", true, to, sizeof(to)))
		snprintf(target, sizeof(target), "nat:%s", to);
	else if (cJSON_GetObjectItemCaseSensitive(p, "VpcPeeringConnectionId") &&
		 tmpl_ref(c, id, p, "VpcPeeringConnectionId", "AWS::EC2::VPCPeeringConnection",
			  true, to, sizeof(to)))
		snprintf(target, sizeof(target), "peering:%s", to);
	else {
		if (c->d->n_errors == 0)
			tmpl_error(c, path, "MissingParameter", "the route's target is not simulated: "
				   "GatewayId (an internet gateway), NatGatewayId or "
				   "VpcPeeringConnectionId");
		return -1;
	}
	v = tmpl_vpc_of(topo, "route_tables", rt);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "destination", dst->valuestring);
	cJSON_AddStringToObject(r, "target", target);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(
		tmpl_named(cJSON_GetObjectItemCaseSensitive(v, "route_tables"), rt), "routes"), r);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_peering(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "VpcId", "PeerVpcId", NULL };
	char a[64], b[64], name[64];
	cJSON *pc, *vpcs;

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, a, sizeof(a)) ||
	    !tmpl_ref(c, id, p, "PeerVpcId", "AWS::EC2::VPC", true, b, sizeof(b)))
		return -1;
	tmpl_name(c, id, name, sizeof(name));
	pc = cJSON_CreateObject();
	cJSON_AddStringToObject(pc, "name", name);
	vpcs = cJSON_AddArrayToObject(pc, "vpcs");
	cJSON_AddItemToArray(vpcs, cJSON_CreateString(a));
	cJSON_AddItemToArray(vpcs, cJSON_CreateString(b));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(topo, "peerings"), pc);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

int tmpl_map_network(struct tctx *c, cJSON *topo)
{
	static const char *const none[] = { NULL };
	static const struct tmpl_step steps[] = {
		{ "AWS::EC2::VPC", map_vpc, NULL },
		{ "AWS::EC2::InternetGateway", NULL, none },
		{ NULL, NULL, NULL },
		{ "AWS::EC2::VPCGatewayAttachment", map_attachment, NULL },
		{ "AWS::EC2::VPCPeeringConnection", map_peering, NULL },
		{ "AWS::EC2::RouteTable", map_route_table, NULL },
		{ "AWS::EC2::Subnet", map_subnet, NULL },
		{ NULL, NULL, NULL },
		{ "AWS::EC2::SubnetRouteTableAssociation", tmpl_map_subnet_assoc, NULL },
		{ "AWS::EC2::EIP", map_eip, NULL },
		{ "AWS::EC2::NatGateway", map_nat, NULL },
		{ NULL, NULL, NULL },
		{ "AWS::EC2::Route", map_route, NULL },
	};
	int rc = tmpl_run(c, topo, steps, sizeof(steps) / sizeof(steps[0]));

	if (rc == -2)
		return -1;
	return tmpl_map_filters(c, topo) < 0 || rc < 0 ? -1 : 0;
}
