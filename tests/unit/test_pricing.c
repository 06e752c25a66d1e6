/* Lambda's price arithmetic (model/pricing.c) against AWS's own worked
 * examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/pricing.h"

/* A month of N invokes of D ms at M MB, after the free tier, in dollars. */
static struct lambda_cost month(long long n, long long ms, int mb)
{
	double gbs = (double)n * lambda_gb_seconds(ms, mb) - lambda_rates.free_gb_seconds;

	return lambda_cost(n - lambda_rates.free_requests, gbs > 0 ? gbs : 0);
}

/* The rate table against figures AWS computed, not against a copy of the
 * table: the worked examples of https://aws.amazon.com/lambda/pricing/
 * (US East, x86; they round the GB-s rate to $0.00001667, hence the cent
 * of tolerance) and the free tier of "How AWS Pricing Works" (400,000 GB-s
 * is "up to 3.2 million seconds of compute time" at 128 MB). */
static void test_rates_give_aws_worked_examples(void **state)
{
	/* Example 1: 512 MB, 3 million invokes of 1 s: $18.34 + $0.40 */
	struct lambda_cost c = month(3000000, 1000, 512);

	assert_float_equal(c.gb_seconds, 1100000, 1e-6);
	assert_float_equal(c.compute_usd, 18.34, 0.01);
	assert_float_equal(c.request_usd, 0.40, 1e-9);
	assert_float_equal(c.total_usd, 18.74, 0.01);
	/* Example 2: 128 MB, 30 million invokes of 200 ms: $5.83 + $5.80 */
	c = month(30000000, 200, 128);
	assert_float_equal(c.gb_seconds, 350000, 1e-6);
	assert_float_equal(c.compute_usd, 5.83, 0.01);
	assert_float_equal(c.request_usd, 5.80, 1e-9);
	assert_float_equal(c.total_usd, 11.63, 0.01);
	/* the free tier: 3.2 million seconds at 128 MB cost nothing more */
	assert_float_equal(lambda_gb_seconds(3200000000LL, 128), lambda_rates.free_gb_seconds, 1e-6);
}

static void test_gb_seconds(void **state)
{
	assert_float_equal(lambda_gb_seconds(1000, 1024), 1.0, 1e-12);
	assert_float_equal(lambda_gb_seconds(1, 128), 0.000125, 1e-12);
	assert_float_equal(lambda_gb_seconds(3000, 256), 0.75, 1e-12);
	assert_float_equal(lambda_gb_seconds(100, 10240), 1.0, 1e-12);
}

static void test_cost(void **state)
{
	struct lambda_cost c = lambda_cost(1000000, 0);

	assert_float_equal(c.request_usd, 0.20, 1e-9);
	assert_float_equal(c.compute_usd, 0, 1e-12);
	/* a month of the free tier's compute at on-demand rates */
	c = lambda_cost(0, 400000);
	assert_float_equal(c.compute_usd, 6.66668, 1e-6);
	/* 3 invokes of 128 MB billed 2, 3 and 5 ms */
	c = lambda_cost(3, lambda_gb_seconds(2, 128) + lambda_gb_seconds(3, 128) +
			      lambda_gb_seconds(5, 128));
	assert_float_equal(c.gb_seconds, 0.00125, 1e-12);
	assert_float_equal(c.request_usd, 6e-7, 1e-15);
	assert_float_equal(c.compute_usd, 0.00125 * 0.0000166667, 1e-15);
	assert_float_equal(c.total_usd, c.request_usd + c.compute_usd, 1e-18);
}

static void test_strings(void **state)
{
	char buf[160];

	assert_string_equal(lambda_usd_str(0.0, buf, sizeof(buf)), "$0.00");
	assert_string_equal(lambda_usd_str(12.345, buf, sizeof(buf)), "$12.35");
	assert_string_equal(lambda_usd_str(0.2, buf, sizeof(buf)), "$0.2000");
	assert_string_equal(lambda_usd_str(2.0208e-7, buf, sizeof(buf)), "$0.0000002021");
	assert_string_equal(lambda_free_tier_str(buf, sizeof(buf)),
			    "free tier: 1,000,000 requests and 400,000 GB-seconds a month");
	assert_string_equal(lambda_rates_str(buf, sizeof(buf)),
			    "on-demand x86: $0.20 per 1M requests, $0.0000166667 per GB-s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_give_aws_worked_examples),
		cmocka_unit_test(test_gb_seconds),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
