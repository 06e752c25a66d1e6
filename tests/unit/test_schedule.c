/* EventBridge schedule expressions: syntax, AWS's checks, next firing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/schedule.h"

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return timegm(&tm);
}

static void ok(const char *expr, struct schedule *s)
{
	char why[256] = "";

	if (schedule_parse(expr, s, why, sizeof(why)) < 0)
		fail_msg("%s refused: %s", expr, why);
}

static void refused(const char *expr, const char *part)
{
	struct schedule s;
	char why[256] = "";

	if (schedule_parse(expr, &s, why, sizeof(why)) == 0)
		fail_msg("%s accepted", expr);
	if (!strstr(why, part))
		fail_msg("%s: '%s' does not say '%s'", expr, why, part);
}

static void test_rate(void **state)
{
	struct schedule s;
	time_t a = utc(2026, 12, 7, 1, 2) + 17;

	ok("rate(1 minute)", &s);
	assert_true(s.is_rate);
	assert_int_equal(s.rate_s, 60);
	assert_int_equal(schedule_next(&s, a, a), a + 60);
	assert_int_equal(schedule_next(&s, a, a + 60), a + 120);
	assert_int_equal(schedule_next(&s, a, a + 61), a + 120);
	ok("rate(5 minutes)", &s);
	assert_int_equal(s.rate_s, 300);
	ok("rate(1 hour)", &s);
	assert_int_equal(s.rate_s, 3600);
	ok("rate(2 days)", &s);
	assert_int_equal(s.rate_s, 2 * 86400);
	refused("rate(1 minutes)", "singular");
	refused("rate(5 minute)", "singular for 1 and plural otherwise (rate(1 minute), rate(5 minutes))");
	refused("rate(0 minutes)", "from 1");
	refused("rate(30 seconds)", "unit");
	refused("rate(-1 minutes)", "positive");
	refused("rate(1.5 hours)", "positive");
	refused("rate(5)", "positive");
	refused("every 5 minutes", "rate(VALUE UNIT)");
}

static void test_cron_syntax(void **state)
{
	struct schedule s;

	ok("cron(15 10 * * ? *)", &s);
	ok("cron(0 18 ? * MON-FRI *)", &s);
	ok("cron(0/10 * ? * MON-FRI *)", &s);
	ok("cron(0 9 ? * 2#1 *)", &s);
	ok("cron(0 8 1 * ? *)", &s);
	ok("cron(0 0 L * ? 2027)", &s);
	ok("cron(0 0 15W * ? *)", &s);
	ok("cron(0 0 ? * 6L *)", &s);
	ok("cron(5,35 14 * JAN-MAR ? 2026-2030)", &s);
	refused("cron(0 12 * * *)", "six fields");
	refused("cron(0 12 * * * * *)", "six fields");
	refused("cron(0 12 * * * *)", "'?', and only one");
	refused("cron(0 12 ? * ? *)", "'?', and only one");
	refused("cron(60 12 * * ? *)", "Minutes");
	refused("cron(0 24 * * ? *)", "Hours");
	refused("cron(0 0 32 * ? *)", "Day-of-month");
	refused("cron(0 0 ? 13 * *)", "Month");
	refused("cron(0 0 ? * 8 *)", "Day-of-week");
	refused("cron(0 0 ? * FOO *)", "Day-of-week");
	refused("cron(0 0 1 * ? 1969)", "Year");
	refused("cron(0 0 ? * 2#6 *)", "K 1-5");
	refused("cron(5-1 0 * * ? *)", "Minutes");
}

static void test_cron_next(void **state)
{
	struct schedule s;
	time_t now = utc(2026, 12, 7, 1, 40);

	ok("cron(15 10 * * ? *)", &s);
	assert_int_equal(schedule_next(&s, 0, now), utc(2026, 12, 7, 10, 15));
	assert_int_equal(schedule_next(&s, 0, utc(2026, 12, 7, 10, 15)), utc(2026, 12, 8, 10, 15));
	ok("cron(0/10 * ? * MON-FRI *)", &s); /* 2026-12-07 is a Monday */
	assert_int_equal(schedule_next(&s, 0, now), utc(2026, 12, 7, 1, 50));
	assert_int_equal(schedule_next(&s, 0, utc(2026, 12, 11, 23, 55)), utc(2026, 12, 14, 0, 0));
	ok("cron(0 9 ? * 2#1 *)", &s); /* the first Monday: 2027-01-04 */
	assert_int_equal(schedule_next(&s, 0, utc(2026, 12, 7, 9, 0)), utc(2027, 1, 4, 9, 0));
	ok("cron(0 0 L * ? *)", &s);
	assert_int_equal(schedule_next(&s, 0, utc(2028, 2, 1, 0, 0)), utc(2028, 2, 29, 0, 0));
	ok("cron(0 0 ? * 6L *)", &s); /* the last Friday of December 2026: the 25th */
	assert_int_equal(schedule_next(&s, 0, now), utc(2026, 12, 25, 0, 0));
	ok("cron(0 0 1W * ? *)", &s); /* 2027-05-01 is a Saturday: Monday the 3rd */
	assert_int_equal(schedule_next(&s, 0, utc(2027, 4, 30, 0, 0)), utc(2027, 5, 3, 0, 0));
	ok("cron(0 0 1 1 ? 2026)", &s);
	assert_int_equal(schedule_next(&s, 0, now), -1);
	ok("cron(* * * * ? *)", &s);
	assert_int_equal(schedule_next(&s, 0, now + 5), now + 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_cron_syntax),
		cmocka_unit_test(test_cron_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
