/* A function's AWS variables (lambda/fn_aws.h): the credentials always,
 * vpcsim's CA variables only where the environment built so far leaves
 * them unset, the one rule of the runtime's path and the sandbox's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lambda/fn_aws.h"

struct got {
	char text[1024];
};

static int add(void *ctx, const char *key, const char *value)
{
	struct got *g = ctx;

	snprintf(g->text + strlen(g->text), sizeof(g->text) - strlen(g->text), "%s=%s ", key,
		 value);
	return 0;
}

static void test_own_ca_variable_wins(void **state)
{
	struct fn_aws a = { "AKIA1", "secret", "token", "/run/vpcsim/t/aws/ca-bundle.pem" };
	char *env[] = { "SSL_CERT_FILE=/var/task/mine.pem", "NODE_EXTRA_CA_CERTS_X=1",
			"PATH=/usr/bin", NULL };
	struct got g = { "" };

	(void)state;
	assert_int_equal(fn_aws_vars(&a, env, add, &g), 0);
	assert_string_equal(g.text,
			    "AWS_ACCESS_KEY_ID=AKIA1 AWS_SECRET_ACCESS_KEY=secret AWS_SESSION_TOKEN=token "
			    "AWS_CA_BUNDLE=/var/vpcsim/ca-bundle.pem "
			    "REQUESTS_CA_BUNDLE=/var/vpcsim/ca-bundle.pem "
			    "CURL_CA_BUNDLE=/var/vpcsim/ca-bundle.pem "
			    "NODE_EXTRA_CA_CERTS=/var/vpcsim/ca-bundle.pem ");
}

static void test_without_aws_nothing(void **state)
{
	struct fn_aws a = { "", "", "", "" };
	struct got g = { "" };

	(void)state;
	assert_int_equal(fn_aws_vars(&a, NULL, add, &g), 0);
	assert_string_equal(g.text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_ca_variable_wins),
		cmocka_unit_test(test_without_aws_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
