/* The AWS zone's model (model/aws_zone.h, topology_aws.c): which service a
 * Host names (S3's virtual-hosted names included), the names and addresses
 * each service answers at (DNS records, no hosts lines), what a topology
 * without "aws" pays (nothing: no zone node, no record), and the "aws"
 * key's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/aws_zone.h"
#include "model/hosts.h"
#include "model/layout.h"
#include "model/plan.h"

static struct topology *parse(const char *text, struct diags *d)
{
	memset(d, 0, sizeof(*d));
	return topology_parse("t.json", text, strlen(text), d);
}

static const char *first_code(const struct diags *d)
{
	return d->n ? d->items[0].code : "";
}

static void test_route(void **state)
{
	struct diags d;
	struct topology *t = parse("{\"name\":\"z\",\"region\":\"eu-west-1\",\"aws\":{}}", &d);
	char b[AWS_HOST_MAX];

	assert_non_null(t);
	assert_int_equal(aws_zone_route(t, "sts.eu-west-1.amazonaws.com", b), AWS_STS);
	assert_int_equal(aws_zone_route(t, "STS.amazonaws.com:443", b), AWS_STS);
	assert_int_equal(aws_zone_route(t, "secretsmanager.eu-west-1.amazonaws.com.", b),
			 AWS_SECRETSMANAGER);
	assert_string_equal(b, "");
	/* another region, a suffix trick, nothing */
	assert_int_equal(aws_zone_route(t, "sts.us-east-1.amazonaws.com", b), -1);
	assert_int_equal(aws_zone_route(t, "evilsts.eu-west-1.amazonaws.com", b), -1);
	assert_int_equal(aws_zone_route(t, "x.sts.eu-west-1.amazonaws.com", b), -1);
	assert_int_equal(aws_zone_route(t, NULL, b), -1);
	assert_int_equal(aws_zone_route(t, "", b), -1);
	topology_free(t);
}

static void test_s3_names(void **state)
{
	struct diags d;
	struct topology *t = parse("{\"name\":\"z\",\"aws\":{\"services\":[\"s3\"],"
				   "\"s3\":{\"buckets\":[{\"name\":\"up.loads\"}]}}}", &d);
	char b[AWS_HOST_MAX], host[AWS_HOST_MAX];
	char *rec;

	assert_non_null(t);
	assert_int_equal(aws_zone_route(t, "s3.us-east-1.amazonaws.com", b), AWS_S3);
	assert_string_equal(b, "");
	assert_int_equal(aws_zone_route(t, "up.loads.s3.amazonaws.com", b), AWS_S3);
	assert_string_equal(b, "up.loads");
	assert_int_equal(aws_zone_route(t, "other.s3.us-east-1.amazonaws.com", b), AWS_S3);
	assert_string_equal(b, "other");
	assert_true(aws_service_host(t, AWS_S3, 2, host));
	assert_string_equal(host, "up.loads.s3.us-east-1.amazonaws.com");
	rec = aws_zone_records(t);
	assert_non_null(strstr(rec, "198.18.0.10\tup.loads.s3.amazonaws.com\n"));
	free(rec);
	topology_free(t);
	/* S3's naming rules, and an engine section without its service */
	assert_null(parse("{\"name\":\"z\",\"aws\":{\"s3\":{\"buckets\":[{\"name\":\"Up\"}]}}}", &d));
	assert_string_equal(first_code(&d), "InvalidBucketName");
	diags_free(&d);
	assert_null(parse("{\"name\":\"z\",\"aws\":{\"s3\":{\"buckets\":[{\"name\":\"10.0.0.1\"}]}}}", &d));
	assert_string_equal(first_code(&d), "InvalidBucketName");
	diags_free(&d);
	assert_null(parse("{\"name\":\"z\",\"aws\":{\"services\":[\"sts\"],\"s3\":{\"buckets\":[]}}}", &d));
	assert_string_equal(first_code(&d), "InvalidParameterValue");
	diags_free(&d);
}

static void test_addresses_and_hosts(void **state)
{
	struct diags d;
	struct topology *t = parse("{\"name\":\"z\",\"aws\":{\"services\":[\"sts\"]},"
				   "\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.9\"}]}}", &d);
	struct layout L;
	struct plan P;
	char *hosts, host[AWS_HOST_MAX];

	assert_non_null(t);
	assert_true(aws_serves(t, AWS_STS));
	assert_false(aws_serves(t, AWS_SECRETSMANAGER));
	assert_int_equal(aws_service_ip(AWS_STS), 0xc612000du); /* 198.18.0.13 */
	assert_true(aws_service_host(t, AWS_STS, 0, host));
	assert_string_equal(host, "sts.us-east-1.amazonaws.com");
	assert_true(aws_service_host(t, AWS_STS, 1, host));
	assert_string_equal(host, "sts.amazonaws.com");
	assert_false(aws_service_host(t, AWS_STS, 2, host));
	assert_int_equal(layout_build(t, &L, &d), 0);
	assert_true(L.aws_node >= 0);
	assert_int_equal(L.atts[L.nodes[L.aws_node].att].ip, AWS_ZONE_IP);
	assert_int_equal(layout_find_node(&L, "aws"), -1); /* no user node */
	/* the names are DNS records, not hosts-file lines */
	hosts = hosts_render_view(&L, -1);
	assert_null(strstr(hosts, "amazonaws"));
	free(hosts);
	hosts = aws_zone_records(t);
	assert_string_equal(hosts, "198.18.0.13\tsts.us-east-1.amazonaws.com\n"
			    "198.18.0.13\tsts.amazonaws.com\n");
	free(hosts);
	assert_int_equal(plan_build(&L, &P), 0);
	plan_free(&P);
	layout_free(&L);
	topology_free(t);
}

static void test_none_pays_nothing(void **state)
{
	struct diags d;
	struct topology *t = parse("{\"name\":\"z\",\"internet\":{\"hosts\":"
				   "[{\"name\":\"h\",\"ip\":\"198.18.0.13\"}]}}", &d);
	struct layout L;
	char *hosts;

	assert_non_null(t); /* without "aws" the block is the user's */
	assert_false(t->aws.enabled);
	assert_int_equal(layout_build(t, &L, &d), 0);
	assert_int_equal(L.aws_node, -1);
	assert_int_equal(L.n_nodes, 1);
	hosts = aws_zone_records(t);
	assert_string_equal(hosts, "");
	free(hosts);
	layout_free(&L);
	topology_free(t);
}

static void test_checks(void **state)
{
	static const struct { const char *text, *code; } bad[] = {
		{ "{\"name\":\"z\",\"aws\":{\"services\":[\"sqs\"]}}", "InvalidParameterValue" },
		{ "{\"name\":\"z\",\"aws\":{\"services\":\"sts\"}}", "InvalidType" },
		{ "{\"name\":\"z\",\"aws\":{\"dynamodb\":{\"tables\":[{\"name\":\"ab\",\"hash_key\":\"id\"}]}}}",
		  "ValidationException" },
		{ "{\"name\":\"z\",\"aws\":{\"dynamodb\":{\"tables\":[{\"name\":\"abc\"}]}}}", "MissingParameter" },
		{ "{\"name\":\"z\",\"aws\":{\"bogus\":1}}", "UnknownKey" },
		{ "{\"name\":\"z\",\"aws\":{},\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"198.18.0.200\"}]}}",
		  "InvalidParameterValue" },
		{ "{\"name\":\"z\",\"functions\":[{\"name\":\"f\",\"role\":\"a b\"}]}", "ValidationError" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diags d;
		struct topology *t = parse(bad[i].text, &d);

		assert_null(t);
		assert_string_equal(first_code(&d), bad[i].code);
		diags_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_s3_names),
		cmocka_unit_test(test_addresses_and_hosts),
		cmocka_unit_test(test_none_pays_nothing),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
