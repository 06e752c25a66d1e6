/* lambda/cold_turns: how many cold starts of one process run at once
 * (issue 22). The bound falls by one after a turn longer than half of
 * Lambda's 10 s init limit (never below 1), rises by one after a turn
 * shorter than a quarter of it (never above its cap), stays between;
 * a failed start (no figure) leaves it. And the turns themselves: the
 * bound starts at half its cap (2 of 4), and a third taker waits until a
 * turn is given back. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "lambda/cold_turns.h"

static void test_adapt(void **state)
{
	assert_int_equal(cold_turns_adapt(4, 4, 6000), 3);   /* slow: one less */
	assert_int_equal(cold_turns_adapt(1, 4, 30000), 1);  /* never below 1 */
	assert_int_equal(cold_turns_adapt(2, 4, 1000), 3);   /* quick: one more */
	assert_int_equal(cold_turns_adapt(4, 4, 1000), 4);   /* never above the cap */
	assert_int_equal(cold_turns_adapt(3, 4, 4000), 3);   /* between: as it is */
	assert_int_equal(cold_turns_adapt(3, 4, -1), 3);     /* no figure: as it is */
	assert_int_equal(cold_turns_adapt(3, 4, 5000), 3);   /* half exactly: as it is */
	assert_int_equal(cold_turns_adapt(3, 4, 5001), 2);
}

static int taken;
static pthread_mutex_t taken_mu = PTHREAD_MUTEX_INITIALIZER;

static void *taker(void *arg)
{
	cold_turn_take();
	pthread_mutex_lock(&taken_mu);
	taken++;
	pthread_mutex_unlock(&taken_mu);
	return arg;
}

static int taken_now(void)
{
	int n;

	pthread_mutex_lock(&taken_mu);
	n = taken;
	pthread_mutex_unlock(&taken_mu);
	return n;
}

static void test_third_waits(void **state)
{
	pthread_t t;

	setenv("VPCSIM_COLD_STARTS", "4", 1); /* read at the first take: a bound of 2 to start */
	cold_turn_take();
	cold_turn_take();
	assert_int_equal(pthread_create(&t, NULL, taker, NULL), 0);
	usleep(200 * 1000); /* (a wait that passes proves nothing; one that ends early fails) */
	assert_int_equal(taken_now(), 0);
	cold_turn_give(4000); /* 4 s: the bound stays 2 */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(taken_now(), 1);
	cold_turn_give(4000);
	cold_turn_give(4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adapt),
		cmocka_unit_test(test_third_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
