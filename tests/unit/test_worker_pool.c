/* util/worker_pool: more jobs in flight at once than serve's old bound of
 * 128 workers (300 jobs that each wait for all the others to start), the
 * threads made only as jobs need them, a job refused at once when the
 * bound's workers are busy and it must run now, and stop waiting for the
 * workers to finish. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "util/worker_pool.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int started, finished, release_at;

/* Waits until release_at jobs have started (or 60 s: a stuck pool). */
static void hold(struct worker_job *j)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&mu);
	started++;
	pthread_cond_broadcast(&cv);
	while (started < release_at)
		if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT)
			break;
	finished++;
	pthread_mutex_unlock(&mu);
}

static void reset(int release)
{
	started = finished = 0;
	release_at = release;
}

static void test_300_in_flight_at_once(void **state)
{
	static struct worker_job jobs[300];
	int alive, peak;

	reset(300);
	assert_int_equal(worker_pool_start(1000), 0);
	worker_pool_counts(&alive, &peak);
	assert_int_equal(alive, 0); /* none made before a job needs one */
	for (int i = 0; i < 300; i++) {
		jobs[i].run = hold;
		assert_int_equal(worker_pool_submit(&jobs[i], true), 0);
	}
	worker_pool_stop();
	assert_int_equal(finished, 300);
	assert_int_equal(started, 300); /* all 300 held at once: none timed out early */
	worker_pool_counts(&alive, &peak);
	assert_int_equal(alive, 0);
	assert_true(peak <= 300);
	assert_true(peak >= 300 - 1); /* each job held a thread while the others started */
}

static void test_bound_refuses_now_and_queues_otherwise(void **state)
{
	static struct worker_job jobs[5];

	reset(3);
	assert_int_equal(worker_pool_start(2), 0);
	for (int i = 0; i < 5; i++)
		jobs[i].run = hold;
	assert_int_equal(worker_pool_submit(&jobs[0], true), 0);
	assert_int_equal(worker_pool_submit(&jobs[1], true), 0);
	pthread_mutex_lock(&mu);
	while (started < 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	assert_int_equal(worker_pool_submit(&jobs[2], true), -EBUSY); /* the bound's 2 are busy */
	assert_int_equal(worker_pool_submit(&jobs[3], false), 0);     /* waits for one */
	pthread_mutex_lock(&mu);
	release_at = 2; /* let the first two go: the queued one runs after */
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	worker_pool_stop();
	assert_int_equal(finished, 3);
	assert_int_equal(worker_pool_submit(&jobs[4], false), -ESHUTDOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_300_in_flight_at_once),
		cmocka_unit_test(test_bound_refuses_now_and_queues_otherwise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
