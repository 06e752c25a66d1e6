/* --follow's aggregation: what flow_set_diff() reports between two reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "state/flows.h"

#define SEC 1000000000ULL

static struct flow_entry flow(uint16_t sport, uint64_t packets, uint64_t bytes,
			      uint64_t first_s, uint64_t last_s)
{
	struct flow_entry e = {
		.r = { .ifindex = 1000, .accept = true, .proto = 6, .src = 0x0a000104,
		       .dst = 0x0a000204, .sport = sport, .dport = 5432, .packets = packets,
		       .bytes = bytes, .first_ns = first_s * SEC, .last_ns = last_s * SEC },
		.eni_id = "eni-1",
	};
	return e;
}

static void test_new_grown_unchanged_restarted(void **state)
{
	struct flow_set seen = { 0 }, now = { 0 }, out = { 0 };
	struct flow_entry a = flow(1, 3, 200, 10, 11), b = flow(2, 1, 60, 10, 10);

	flow_set_add(&seen, &a);
	flow_set_sort_by_key(&seen);

	/* a grew by 2 packets, b is new */
	a = flow(1, 5, 320, 10, 14);
	flow_set_add(&now, &b);
	flow_set_add(&now, &a);
	assert_int_equal(flow_set_diff(&seen, &now, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.e[0].r.sport, 2);
	assert_int_equal(out.e[0].r.packets, 1);
	assert_int_equal(out.e[1].r.sport, 1);
	assert_int_equal(out.e[1].r.packets, 2);
	assert_int_equal(out.e[1].r.bytes, 120);
	assert_int_equal(out.e[1].r.first_ns, 11 * SEC);  /* previous end */
	assert_int_equal(out.e[1].r.last_ns, 14 * SEC);
	assert_int_equal(seen.n, 2);

	/* nothing changed: nothing to print */
	assert_int_equal(flow_set_diff(&seen, &now, &out), 0);
	assert_int_equal(out.n, 0);

	/* a's entry expired and was made again: printed whole */
	now.n = 0;
	a = flow(1, 1, 60, 30, 30);
	flow_set_add(&now, &a);
	assert_int_equal(flow_set_diff(&seen, &now, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.e[0].r.packets, 1);
	assert_int_equal(out.e[0].r.first_ns, 30 * SEC);

	flow_set_free(&seen);
	flow_set_free(&now);
	flow_set_free(&out);
}

static void test_sort_by_printed_second_then_eni(void **state)
{
	struct flow_set s = { 0 };
	struct flow_entry x = flow(1, 1, 1, 5, 5), y = flow(2, 1, 1, 5, 5);

	x.r.first_ns += 900000000;  /* later within the same second */
	x.eni_id = "eni-a";
	y.eni_id = "eni-b";
	flow_set_add(&s, &y);
	flow_set_add(&s, &x);
	flow_set_sort(&s, 0);
	assert_string_equal(s.e[0].eni_id, "eni-a");
	assert_string_equal(s.e[1].eni_id, "eni-b");
	flow_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_grown_unchanged_restarted),
		cmocka_unit_test(test_sort_by_printed_second_then_eni),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
