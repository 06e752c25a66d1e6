/* A template as a topology document: detection, SAM Globals, resource
 * conditions, evaluation, then the mappers (template_map.c, template_filter.c,
 * template_fn.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/template_internal.h"

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && !strcmp(s + n - k, suf);
}

bool template_is(const char *file, const char *text, size_t len)
{
	cJSON *doc;
	bool yes;

	if (ends_with(file, ".yaml") || ends_with(file, ".yml") || ends_with(file, ".template"))
		return true;
	doc = cJSON_ParseWithLength(text, len);
	yes = cJSON_GetObjectItemCaseSensitive(doc, "Resources") ||
	      cJSON_GetObjectItemCaseSensitive(doc, "AWSTemplateFormatVersion");
	cJSON_Delete(doc);
	return yes;
}

/* SAM's Globals.Function merged into a function's properties: the
 * function's primitives win, maps merge (the function's keys win), lists
 * are the Globals' items first (SAMDG template-anatomy-globals). */
static void merge_globals(cJSON *props, const cJSON *glob)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, glob) {
		cJSON *mine = cJSON_GetObjectItemCaseSensitive(props, g->string);

		if (!mine) {
			cJSON_AddItemToObject(props, g->string, cJSON_Duplicate(g, true));
		} else if (cJSON_IsObject(mine) && cJSON_IsObject(g) && !tmpl_ref_id(g) &&
			   !tmpl_ref_id(mine)) {
			merge_globals(mine, g);
		} else if (cJSON_IsArray(mine) && cJSON_IsArray(g)) {
			int i = 0;
			const cJSON *it;

			cJSON_ArrayForEach(it, g)
				cJSON_InsertItemInArray(mine, i++, cJSON_Duplicate(it, true));
		}
	}
}

static void apply_globals(cJSON *doc)
{
	const cJSON *glob = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(doc, "Globals"), "Function");
	cJSON *r;

	if (!glob)
		return;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "Resources")) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "Type");
		cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "Properties");

		if (!cJSON_IsString(t) || strcmp(t->valuestring, "AWS::Serverless::Function"))
			continue;
		if (!p)
			p = cJSON_AddObjectToObject(r, "Properties");
		merge_globals(p, glob);
	}
}

static const char *const mapped_types[] = {
	"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route",
	"AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::InternetGateway",
	"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EIP", "AWS::EC2::NatGateway",
	"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
	"AWS::EC2::SecurityGroupEgress", "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry",
	"AWS::EC2::SubnetNetworkAclAssociation", "AWS::EC2::VPCPeeringConnection",
	"AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::RDS::DBInstance",
	"AWS::RDS::DBSubnetGroup", "AWS::RDS::DBProxy", "AWS::RDS::DBProxyTargetGroup",
	"AWS::SecretsManager::Secret", "AWS::EC2::VPCEndpoint", "AWS::S3::Bucket",
	"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion", "AWS::Serverless::HttpApi",
	NULL
};

/* Each resource whose Condition holds, evaluated, into c->evaluated;
 * other types listed as not mapped. */
static int evaluate_resources(struct tctx *c)
{
	const cJSON *r;
	int rc = 0;

	cJSON_ArrayForEach(r, c->resources) {
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(r, "Condition");
		const char *type = tmpl_type(c, r->string);
		char path[TPATH_LEN];
		cJSON *e, *p;
		int k = 0;

		snprintf(path, sizeof(path), "Resources.%s", r->string);
		if (!type[0]) {
			tmpl_error(c, path, "InvalidTemplate", "a resource needs its Type");
			rc = -1;
			continue;
		}
		if (cJSON_IsString(cond) && tmpl_condition(c, cond->valuestring, path) != 1) {
			rc |= c->d->n_errors ? -1 : 0;
			continue;
		}
		while (mapped_types[k] && strcmp(mapped_types[k], type))
			k++;
		if (!mapped_types[k]) {
			tmpl_unmapped(c, path, "%s is not simulated%s; left out", type,
				      !strncmp(type, "AWS::IAM::", 10) ? " (IAM is read, not enforced)"
				      : "");
			continue;
		}
		snprintf(path, sizeof(path), "Resources.%s.Properties", r->string);
		p = cJSON_GetObjectItemCaseSensitive(r, "Properties");
		e = p ? tmpl_eval(c, p, path) : cJSON_CreateObject();
		if (!e) {
			rc = -1;
			continue;
		}
		cJSON_AddItemToObject(cJSON_AddObjectToObject(c->evaluated, r->string), "Properties", e);
	}
	return rc;
}

/* The topology's name: o->name, else the file's name without extension. */
static void topo_name(const char *file, const struct template_opts *o, char *out, size_t size)
{
	const char *base = strrchr(file, '/');
	char *dot;

	snprintf(out, size, "%s", o && o->name ? o->name : base ? base + 1 : file);
	if (!(o && o->name) && (dot = strrchr(out, '.')))
		*dot = '\0';
}

static cJSON *new_topology(const char *name, struct tctx *c)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "account_id", c->account);
	cJSON_AddStringToObject(t, "region", c->region);
	cJSON_AddArrayToObject(t, "vpcs");
	cJSON_AddArrayToObject(t, "peerings");
	cJSON_AddArrayToObject(t, "resources");
	cJSON_AddArrayToObject(t, "functions");
	return t;
}

char *template_import(const char *file, const char *text, size_t len,
		      const struct template_opts *o, struct diags *d)
{
	size_t lead = 0;
	cJSON *doc;
	struct tctx c = { .file = file, .d = d, .region = "us-east-1", .account = "123456789012" };
	char name[64];
	cJSON *topo = NULL;
	char *out = NULL;

	/* The text need not end in a NUL: look no further than len. */
	while (lead < len && text[lead] && strchr(" \t\r\n", text[lead]))
		lead++;
	/* YAML is a superset of JSON, but cJSON reads JSON faster and says more. */
	doc = template_read(text, len, lead < len && text[lead] == '{', d);
	if (!doc)
		return NULL;
	topo_name(file, o, name, sizeof(name));
	c.stack = name;
	apply_globals(doc);
	c.doc = doc;
	c.resources = cJSON_GetObjectItemCaseSensitive(doc, "Resources");
	c.params = cJSON_CreateObject();
	c.conds = cJSON_CreateObject();
	c.evaluated = cJSON_CreateObject();
	c.secrets = cJSON_CreateObject();
	if (!cJSON_IsObject(c.resources) || !cJSON_GetArraySize(c.resources)) {
		tmpl_error(&c, "Resources", "InvalidTemplate", "a template needs a Resources "
			   "section with at least one resource");
		goto out;
	}
	if (tmpl_parameters(&c, o ? o->overrides : NULL) < 0 || tmpl_cycles(&c) < 0 ||
	    tmpl_secrets(&c) < 0 || evaluate_resources(&c) < 0)
		goto out;
	topo = new_topology(name, &c);
	if (tmpl_map_network(&c, topo) < 0 || tmpl_map_compute(&c, topo) < 0 ||
	    tmpl_map_expect(&c, topo) < 0)
		goto out;
	out = cJSON_Print(topo);
out:
	cJSON_Delete(topo);
	cJSON_Delete(c.params);
	cJSON_Delete(c.conds);
	cJSON_Delete(c.evaluated);
	cJSON_Delete(c.secrets);
	cJSON_Delete(doc);
	return out;
}
