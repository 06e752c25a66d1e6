/* Power tuning's arithmetic (model/tune.c): percentiles, the cost of an
 * invocation at AWS's published rates, the cheapest and fastest picks and
 * their ties, the --memory list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/tune.h"

static void test_point(void **state)
{
	const double ms[] = { 30.2, 10.5, 20.0, 40.0, 1000.0 };
	struct tune_point p;

	tune_point_fill(&p, 1024, ms, 5);
	assert_int_equal(p.runs, 5);
	assert_true(p.p50_ms == 30.2);
	assert_true(p.p95_ms == 1000.0);
	assert_int_equal(p.billed_ms, 31);
	/* AWS's rates: $0.20 per million requests, $0.0000166667 per GB-s:
	 * 0.031 s x 1 GB */
	assert_true(p.usd > 0.2e-6 + 0.031 * 0.0000166667 - 1e-12 &&
		    p.usd < 0.2e-6 + 0.031 * 0.0000166667 + 1e-12);
}

static void test_pick(void **state)
{
	struct tune_point p[4] = {
		{ .memory_mb = 128, .p50_ms = 900, .usd = 2.0e-6 },
		{ .memory_mb = 512, .p50_ms = 200, .usd = 1.8e-6 },
		{ .memory_mb = 1024, .p50_ms = 150, .usd = 1.8e-6 }, /* as cheap, faster */
		{ .memory_mb = 1769, .p50_ms = 150, .usd = 4.0e-6 }, /* as fast, dearer */
	};
	int cheapest, fastest;

	tune_pick(p, 4, &cheapest, &fastest);
	assert_int_equal(p[cheapest].memory_mb, 1024);
	assert_int_equal(p[fastest].memory_mb, 1024);
}

static void test_sizes(void **state)
{
	int s[TUNE_SIZES_MAX];

	assert_int_equal(tune_sizes_parse("128,256,1769", s), 3);
	assert_int_equal(s[2], 1769);
	assert_int_equal(tune_sizes_parse("64", s), -1);
	assert_int_equal(tune_sizes_parse("256,128", s), -1);
	assert_int_equal(tune_sizes_parse("128,,256", s), -1);
	assert_int_equal(tune_sizes_parse("10241", s), -1);
	assert_int_equal(tune_sizes_parse("", s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_point),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
