/* Flow-log lines in AWS's version 2 default format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/flowlog.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define SEC 1000000000ULL

static void test_aws_example(void **state)
{
	/* the example of the AWS user guide (AWS-SEMANTICS.md) */
	struct dp_flow_record r = {
		.accept = true, .proto = 6,
		.src = IP(172, 31, 16, 139), .dst = IP(172, 31, 16, 21),
		.sport = 20641, .dport = 22, .packets = 20, .bytes = 4249,
		.first_ns = 10 * SEC, .last_ns = 70 * SEC + 999,
	};
	char line[256];

	flowlog_format(line, sizeof(line), "123456789010", "eni-1235b8ca123456789",
		       &r, (int64_t)(1418530000ULL * SEC));
	assert_string_equal(line, "2 123456789010 eni-1235b8ca123456789 "
			    "172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
			    "1418530010 1418530070 ACCEPT OK");
}

static void test_reject_icmp_and_other(void **state)
{
	struct dp_flow_record icmp = {
		.proto = 1, .src = IP(10, 0, 1, 5), .dst = IP(10, 0, 2, 6),
		.packets = 1, .bytes = 84,
	};
	struct dp_flow_record gre = icmp;
	char line[256];

	flowlog_format(line, sizeof(line), "1", "eni-1", &icmp, 0);
	assert_string_equal(line, "2 1 eni-1 10.0.1.5 10.0.2.6 0 0 1 1 84 0 0 REJECT OK");
	gre.proto = 47;
	flowlog_format(line, sizeof(line), "1", "eni-1", &gre, 0);
	assert_string_equal(line, "2 1 eni-1 10.0.1.5 10.0.2.6 - - 47 1 84 0 0 REJECT OK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_example),
		cmocka_unit_test(test_reject_icmp_and_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
