/* A template's AWS services as the topology's (docs/TEMPLATES.md):
 * AWS::S3::Bucket as a bucket of the AWS zone ("aws".s3.buckets), and
 * AWS::EC2::VPCEndpoint as a VPC's "endpoints" (gateway with
 * RouteTableIds; interface with SubnetIds, SecurityGroupIds and
 * PrivateDnsEnabled). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/template_internal.h"

/* topo.aws.s3.buckets, made when missing. */
static cJSON *buckets(cJSON *topo)
{
	cJSON *aws = cJSON_GetObjectItemCaseSensitive(topo, "aws"), *s3, *b;

	if (!aws)
		aws = cJSON_AddObjectToObject(topo, "aws");
	if (!(s3 = cJSON_GetObjectItemCaseSensitive(aws, "s3")))
		s3 = cJSON_AddObjectToObject(aws, "s3");
	if (!(b = cJSON_GetObjectItemCaseSensitive(s3, "buckets")))
		b = cJSON_AddArrayToObject(s3, "buckets");
	return b;
}

static int map_bucket(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "BucketName", NULL };
	cJSON *b = cJSON_CreateObject();
	char name[64];

	tmpl_name(c, id, name, sizeof(name));
	cJSON_AddStringToObject(b, "name", name);
	cJSON_AddItemToArray(buckets(topo), b);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

/* ServiceName com.amazonaws.REGION.SERVICE: the service vpcsim serves,
 * or NULL (listed). */
static const char *service_of(struct tctx *c, const char *id, const cJSON *p)
{
	static const char *const served[] = { "s3", "dynamodb", "secretsmanager", "sts", NULL };
	const cJSON *sn = cJSON_GetObjectItemCaseSensitive(p, "ServiceName");
	const char *dot = cJSON_IsString(sn) ? strrchr(sn->valuestring, '.') : NULL;
	char path[TPATH_LEN];

	for (int i = 0; dot && served[i]; i++)
		if (!strcmp(dot + 1, served[i]) && !strncmp(sn->valuestring, "com.amazonaws.", 14))
			return served[i];
	snprintf(path, sizeof(path), "Resources.%s.Properties.ServiceName", id);
	tmpl_unmapped(c, path, "AWS::EC2::VPCEndpoint: the service '%s' is not served by "
		      "vpcsim (com.amazonaws.REGION.s3, dynamodb, secretsmanager, sts are); the "
		      "endpoint is left out", cJSON_IsString(sn) ? sn->valuestring : "");
	return NULL;
}

static int map_endpoint(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "ServiceName", "VpcId", "VpcEndpointType",
		"RouteTableIds", "SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled", NULL };
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "VpcEndpointType");
	bool iface = cJSON_IsString(type) && !strcasecmp(type->valuestring, "Interface");
	const char *svc = service_of(c, id, p);
	char vpc[64], name[64];
	cJSON *v, *list, *e;
	int rc = 0;

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, vpc, sizeof(vpc)) || !svc)
		return svc ? -1 : 0;
	v = tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), vpc);
	if (!(list = cJSON_GetObjectItemCaseSensitive(v, "endpoints")))
		list = cJSON_AddArrayToObject(v, "endpoints");
	tmpl_name(c, id, name, sizeof(name));
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "service", svc);
	cJSON_AddStringToObject(e, "type", iface ? "interface" : "gateway");
	if (iface) {
		rc |= tmpl_ref_list(c, id, p, "SubnetIds", "AWS::EC2::Subnet", e, "subnets");
		rc |= tmpl_ref_list(c, id, p, "SecurityGroupIds", "AWS::EC2::SecurityGroup", e,
			    "security_groups");
		/* CloudFormation's default is false; the topology's true. */
		cJSON_AddBoolToObject(e, "private_dns", tmpl_bool(cJSON_GetObjectItemCaseSensitive(
			p, "PrivateDnsEnabled")) == 1);
	} else {
		rc |= tmpl_ref_list(c, id, p, "RouteTableIds", "AWS::EC2::RouteTable", e, "route_tables");
	}
	cJSON_AddItemToArray(list, e);
	tmpl_rest_unmapped(c, id, p, known);
	return rc;
}

int tmpl_map_aws(struct tctx *c, cJSON *topo)
{
	/* The topology has one HTTP API: its routes are the functions' events. */
	static const char *const http_api[] = { NULL };
	static const struct tmpl_step steps[] = {
		{ "AWS::Serverless::HttpApi", NULL, http_api },
		{ "AWS::S3::Bucket", map_bucket, NULL },
		{ "AWS::EC2::VPCEndpoint", map_endpoint, NULL },
	};

	return tmpl_run(c, topo, steps, sizeof(steps) / sizeof(steps[0])) < 0 ? -1 : 0;
}
