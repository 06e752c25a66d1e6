/* CIDR math: strict parsing, containment, reserved addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/cidr.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct cidr C(const char *s)
{
	struct cidr c;

	assert_true(cidr_parse(s, &c, NULL));
	return c;
}

static void test_ip4_parse_good(void **state)
{
	uint32_t ip;

	assert_true(ip4_parse("10.0.0.1", &ip));
	assert_int_equal(ip, IP(10, 0, 0, 1));
	assert_true(ip4_parse("0.0.0.0", &ip));
	assert_int_equal(ip, 0);
	assert_true(ip4_parse("255.255.255.255", &ip));
	assert_int_equal(ip, 0xffffffffu);
}

static void test_ip4_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.256", "01.0.0.0", "10.0.0.01", "10.0.0.1 ",
		" 10.0.0.1", "a.b.c.d", "1.2.3.4.5", "-1.0.0.0", "10..0.1", "10.0.0.1/32",
		"1000.0.0.1", "10.0.0.",
	};
	uint32_t ip;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ip4_parse(bad[i], &ip));
	assert_false(ip4_parse(NULL, &ip));
}

static void test_cidr_parse(void **state)
{
	struct cidr c;
	bool canonical;

	assert_true(cidr_parse("10.0.0.0/16", &c, &canonical));
	assert_true(canonical);
	assert_int_equal(c.addr, IP(10, 0, 0, 0));
	assert_int_equal(c.len, 16);

	/* Host bits: parsed, flagged, kept so the caller can quote the input. */
	assert_true(cidr_parse("10.0.0.1/16", &c, &canonical));
	assert_false(canonical);
	assert_int_equal(c.addr, IP(10, 0, 0, 1));
	assert_int_equal(cidr_canonical(c).addr, IP(10, 0, 0, 0));

	assert_true(cidr_parse("0.0.0.0/0", &c, &canonical));
	assert_true(canonical);
	assert_int_equal(c.len, 0);
	assert_true(cidr_parse("10.0.0.1/32", &c, &canonical));
	assert_true(canonical);

	assert_false(cidr_parse("10.0.0.0/33", &c, &canonical));
	assert_false(cidr_parse("10.0.0.0/", &c, &canonical));
	assert_false(cidr_parse("10.0.0.0", &c, &canonical));
	assert_false(cidr_parse("10.0.0.0/016", &c, &canonical));
	assert_false(cidr_parse("010.0.0.0/16", &c, &canonical));
	assert_false(cidr_parse("10.0.0.0/16x", &c, &canonical));
	assert_false(cidr_parse("10.0.0.0/-1", &c, &canonical));
	assert_false(cidr_parse(NULL, &c, &canonical));
}

static void test_strings(void **state)
{
	char ip[IP4_STRLEN], cb[CIDR_STRLEN];

	assert_string_equal(ip4_str(IP(192, 168, 1, 254), ip), "192.168.1.254");
	assert_string_equal(cidr_str(C("255.255.255.255/32"), cb), "255.255.255.255/32");
	assert_string_equal(cidr_str(C("10.0.0.0/8"), cb), "10.0.0.0/8");
}

static void test_contains_overlap(void **state)
{
	struct cidr vpc = C("10.0.0.0/16");

	assert_true(cidr_contains(vpc, C("10.0.1.0/24")));
	assert_true(cidr_contains(vpc, vpc));
	assert_false(cidr_contains(vpc, C("10.1.0.0/24")));
	assert_false(cidr_contains(C("10.0.1.0/24"), vpc));
	assert_true(cidr_contains(C("0.0.0.0/0"), vpc));

	assert_true(cidr_overlaps(vpc, C("10.0.0.0/8")));
	assert_true(cidr_overlaps(C("10.0.0.0/8"), vpc));
	assert_false(cidr_overlaps(C("10.0.0.0/24"), C("10.0.1.0/24")));
	assert_true(cidr_overlaps(C("10.0.0.0/24"), C("10.0.0.128/25")));

	assert_true(cidr_contains_ip(vpc, IP(10, 0, 255, 255)));
	assert_false(cidr_contains_ip(vpc, IP(10, 1, 0, 0)));
	assert_int_equal(cidr_last(C("10.0.1.0/24")), IP(10, 0, 1, 255));
	assert_int_equal(cidr_mask(0), 0);
	assert_int_equal(cidr_mask(32), 0xffffffffu);
	assert_int_equal(cidr_size(C("10.0.0.0/28")), 16);
}

static void test_reserved(void **state)
{
	struct cidr s = C("10.0.1.0/24");

	for (uint32_t i = 0; i <= 3; i++)
		assert_true(subnet_reserved(s, IP(10, 0, 1, i)));
	assert_true(subnet_reserved(s, IP(10, 0, 1, 255)));
	assert_false(subnet_reserved(s, IP(10, 0, 1, 4)));
	assert_false(subnet_reserved(s, IP(10, 0, 1, 254)));
	assert_int_equal(subnet_router(s), IP(10, 0, 1, 1));
}

static void test_usable(void **state)
{
	assert_int_equal(subnet_usable(C("10.0.0.0/28")), 11);
	assert_int_equal(subnet_usable(C("10.0.0.0/24")), 251);
	assert_int_equal(subnet_usable(C("10.0.0.0/16")), 65531);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_parse_good),
		cmocka_unit_test(test_ip4_parse_bad),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_contains_overlap),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_usable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
