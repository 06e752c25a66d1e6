/* lambda/warm_handoff: an invoke waits for a warm environment that was
 * offered (answered, about to be free) only when one is offered for its
 * own function and nobody else waits for it, and wakes on its release;
 * with no offer it does not wait at all. No check depends on time. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lambda/warm_handoff.h"

static int waited;

static void *waiter(void *arg)
{
	waited = handoff_wait("topo", "fn", 600000);
	return NULL;
}

/* Until the waiter has claimed the offer (looking, not claiming). */
static void until_claimed(void)
{
	while (handoff_waiters("topo", "fn") == 0)
		sched_yield();
}

static void test_nothing_offered_no_wait(void **state)
{
	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
}

static void test_waiter_wakes_on_release(void **state)
{
	pthread_t t;
	int token = handoff_offer("topo", "fn");

	assert_true(token >= 0);
	waited = 99;
	assert_int_equal(pthread_create(&t, NULL, waiter, NULL), 0);
	until_claimed();
	/* Claimed: a second caller finds nothing left to wait for. */
	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
	handoff_release(token);
	pthread_join(t, NULL);
	assert_int_equal(waited, 1);
	/* Released and nobody waits: the function's offers are gone. */
	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
}

static void test_other_function_does_not_wait(void **state)
{
	int token = handoff_offer("topo", "other");

	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
	assert_int_equal(handoff_wait("topo2", "other", 600000), 0);
	handoff_release(token);
}

static void test_unreleased_offer_times_out(void **state)
{
	int token = handoff_offer("topo", "fn");

	assert_int_equal(handoff_wait("topo", "fn", 1), -1);
	handoff_release(token);
	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
}

static void test_release_of_no_offer_is_harmless(void **state)
{
	handoff_release(-1);
	assert_int_equal(handoff_wait("topo", "fn", 600000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_offered_no_wait),
		cmocka_unit_test(test_waiter_wakes_on_release),
		cmocka_unit_test(test_other_function_does_not_wait),
		cmocka_unit_test(test_unreleased_offer_times_out),
		cmocka_unit_test(test_release_of_no_offer_is_harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
