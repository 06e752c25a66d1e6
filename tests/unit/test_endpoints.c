/* VPC endpoints in the model (topology_endpoints.c, model/endpoint.h):
 * the keys, EC2's codes for bad input, the zone they bring, their ids,
 * prefix lists and DNS names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/aws_zone.h"
#include "model/endpoint.h"

/* A VPC with a private table and two subnets; %s is its endpoints array,
 * %s the "aws" member (or nothing), the DNS attributes as given. */
static struct topology *parse_with(const char *endpoints, const char *aws, bool hostnames,
				   struct diags *d)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "{\"name\":\"ep\",%s\"vpcs\":[{\"name\":\"app\",\"cidr\":\"10.0.0.0/16\","
		 "\"enable_dns_hostnames\":%s,"
		 "\"subnets\":[{\"name\":\"a\",\"cidr\":\"10.0.1.0/24\",\"route_table\":\"private\"},"
		 "{\"name\":\"b\",\"cidr\":\"10.0.2.0/24\",\"route_table\":\"private\"}],"
		 "\"route_tables\":[{\"name\":\"private\",\"routes\":[]}],"
		 "\"security_groups\":[{\"name\":\"endpoints\",\"ingress\":[]}],"
		 "\"endpoints\":%s}]}", aws, hostnames ? "true" : "false", endpoints);
	memset(d, 0, sizeof(*d));
	return topology_parse("t.json", text, strlen(text), d);
}

static bool has(const struct diags *d, const char *path, const char *code)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].path, path) && !strcmp(d->items[i].code, code))
			return true;
	return false;
}

static void test_keys(void **state)
{
	struct diags d;
	struct topology *t = parse_with(
		"[{\"name\":\"s3\",\"service\":\"s3\",\"type\":\"gateway\",\"route_tables\":[\"private\"]},"
		"{\"name\":\"sm\",\"service\":\"secretsmanager\",\"type\":\"interface\","
		"\"subnets\":[\"a\",\"b\"],\"security_groups\":[\"endpoints\"]},"
		"{\"name\":\"sts\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"b\"],"
		"\"private_dns\":false}]", "", true, &d);
	const struct vpc *v;

	assert_non_null(t);
	v = &t->vpcs[0];
	assert_int_equal(v->n_endpoints, 3);
	assert_int_equal(v->endpoints[0].type, VPCE_GATEWAY);
	assert_int_equal(v->endpoints[0].service, AWS_S3);
	assert_int_equal(v->endpoints[0].n_route_tables, 1);
	assert_string_equal(v->route_tables[v->endpoints[0].route_tables[0]].name, "private");
	assert_int_equal(v->endpoints[1].type, VPCE_INTERFACE);
	assert_int_equal(v->endpoints[1].n_subnets, 2);
	assert_int_equal(v->endpoints[1].n_sgs, 1);
	assert_string_equal(v->security_groups[v->endpoints[1].sgs[0]].name, "endpoints");
	assert_true(v->endpoints[1].private_dns);
	/* default group, private DNS off */
	assert_int_equal(v->endpoints[2].sgs[0], v->default_sg);
	assert_false(v->endpoints[2].private_dns);
	/* without "aws", endpoints bring the zone with their services only */
	assert_true(t->aws.enabled);
	assert_int_equal(t->aws.services,
			 (1u << AWS_S3) | (1u << AWS_SECRETSMANAGER) | (1u << AWS_STS));
	assert_int_equal(vpce_gateway_for(t, 0, v->endpoints[0].route_tables[0], AWS_S3), 0);
	assert_int_equal(vpce_gateway_for(t, 0, v->main_table, AWS_S3), -1);
	assert_int_equal(vpce_private_dns_for(t, 0, AWS_SECRETSMANAGER), 1);
	assert_int_equal(vpce_private_dns_for(t, 0, AWS_STS), -1);
	topology_free(t);
	diags_free(&d);
}

static void test_none_pays_nothing(void **state)
{
	struct diags d;
	struct topology *t = parse_with("[]", "", false, &d);

	assert_non_null(t);
	assert_false(t->aws.enabled);
	topology_free(t);
	diags_free(&d);
}

static void expect_error(const char *eps, const char *aws, bool hostnames, const char *path,
			 const char *code)
{
	struct diags d;
	struct topology *t = parse_with(eps, aws, hostnames, &d);

	if (t || !has(&d, path, code)) {
		for (int i = 0; i < d.n; i++)
			fprintf(stderr, "  %s: %s: %s\n", d.items[i].path, d.items[i].code,
				d.items[i].message);
		fail_msg("expected %s at %s", code, path);
	}
	for (int i = 0; i < d.n; i++)
		assert_null(strchr(d.items[i].message, '\n'));
	diags_free(&d);
}

static void test_errors(void **state)
{
	const char *p0 = "vpcs[0].endpoints[0]", *p1 = "vpcs[0].endpoints[1]";
	char path[128];

	/* gateway for a service that has none */
	snprintf(path, sizeof(path), "%s.service", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"secretsmanager\",\"type\":\"gateway\"}]", "", true,
		     path, "InvalidServiceName");
	/* the default type is gateway, as in EC2 */
	expect_error("[{\"name\":\"x\",\"service\":\"sts\"}]", "", true, path, "InvalidServiceName");
	expect_error("[{\"name\":\"x\",\"service\":\"sqs\",\"type\":\"interface\",\"subnets\":[\"a\"]}]",
		     "", true, path, "InvalidServiceName");
	/* private DNS without the DNS attributes */
	snprintf(path, sizeof(path), "%s.private_dns", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\"]}]",
		     "", false, path, "InvalidParameter");
	/* two endpoints of one service in one subnet */
	snprintf(path, sizeof(path), "%s.subnets", p1);
	expect_error("[{\"name\":\"x\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\"]},"
		     "{\"name\":\"y\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\"],"
		     "\"private_dns\":false}]", "", true, path, "DuplicateSubnetsInSameZone");
	/* two private DNS domains for one service */
	snprintf(path, sizeof(path), "%s.private_dns", p1);
	expect_error("[{\"name\":\"x\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\"]},"
		     "{\"name\":\"y\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"b\"]}]",
		     "", true, path, "InvalidParameter");
	/* one prefix-list route per service and table */
	snprintf(path, sizeof(path), "%s.route_tables", p1);
	expect_error("[{\"name\":\"x\",\"service\":\"s3\",\"route_tables\":[\"private\"]},"
		     "{\"name\":\"y\",\"service\":\"s3\",\"route_tables\":[\"main\",\"private\"]}]",
		     "", true, path, "RouteAlreadyExists");
	/* unknown route tables, subnets, groups */
	snprintf(path, sizeof(path), "%s.route_tables[0]", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"s3\",\"route_tables\":[\"nope\"]}]", "", true,
		     path, "InvalidRouteTableID.NotFound");
	snprintf(path, sizeof(path), "%s.subnets[1]", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\",\"c\"]}]",
		     "", true, path, "InvalidSubnetID.NotFound");
	snprintf(path, sizeof(path), "%s.security_groups[0]", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"sts\",\"type\":\"interface\",\"subnets\":[\"a\"],"
		     "\"security_groups\":[\"nope\"]}]", "", true, path, "InvalidGroup.NotFound");
	/* a key of the other type */
	snprintf(path, sizeof(path), "%s.subnets", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"s3\",\"subnets\":[\"a\"]}]", "", true, path,
		     "InvalidParameter");
	/* a service the zone does not serve */
	snprintf(path, sizeof(path), "%s.service", p0);
	expect_error("[{\"name\":\"x\",\"service\":\"s3\",\"route_tables\":[\"private\"]}]",
		     "\"aws\":{\"services\":[\"sts\"]},", true, path, "InvalidServiceName");
}

static void test_names(void **state)
{
	struct diags d;
	struct topology *t = parse_with(
		"[{\"name\":\"s3\",\"service\":\"s3\",\"route_tables\":[\"private\"]},"
		"{\"name\":\"sm\",\"service\":\"secretsmanager\",\"type\":\"interface\",\"subnets\":[\"a\"]}]",
		"", true, &d);
	char id[VPCE_ID_LEN], id2[VPCE_ID_LEN], pl[PL_ID_LEN], name[VPCE_NAME_MAX];
	struct cidr c;

	assert_non_null(t);
	vpce_id(t, 0, 0, id);
	vpce_id(t, 0, 1, id2);
	assert_int_equal(strlen(id), 22);
	assert_memory_equal(id, "vpce-", 5);
	assert_string_not_equal(id, id2);
	vpce_prefix_list_id(t, AWS_S3, pl);
	assert_string_equal(pl, "pl-63a5400a");
	vpce_prefix_list_id(t, AWS_DYNAMODB, pl);
	assert_string_equal(pl, "pl-02cd2c6b");
	c = vpce_prefix_list_cidr(AWS_S3);
	assert_int_equal(c.addr, aws_service_ip(AWS_S3));
	assert_int_equal(c.len, 32);
	vpce_dns_name(t, 0, 1, name);
	assert_memory_equal(name, id2, strlen(id2));
	assert_non_null(strstr(name, ".secretsmanager.us-east-1.vpce.amazonaws.com"));
	assert_int_equal(name[strlen(id2)], '-');
	topology_free(t);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_none_pays_nothing),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
