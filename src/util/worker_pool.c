/* A bounded pool of worker threads; see worker_pool.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/worker_pool.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;   /* a job, or stop */
static pthread_cond_t gone = PTHREAD_COND_INITIALIZER; /* a thread ended */
static struct worker_job *head, *tail;
static bool stopping;
static int max_threads, alive, peak;
static int idle, queued;       /* workers waiting; jobs not yet taken */

/* The next job, or NULL when the thread is to end (stopping with nothing
 * queued, or idle too long). Called and returns with mu held. */
static struct worker_job *next_job(void)
{
	struct worker_job *j;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += WORKER_POOL_IDLE_S;
	idle++;
	while (!head && !stopping)
		if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT && !head)
			break;
	idle--;
	if (!(j = head))
		return NULL;
	queued--;
	head = j->next;
	if (!head)
		tail = NULL;
	return j;
}

static void *worker(void *arg)
{
	for (;;) {
		struct worker_job *j;

		pthread_mutex_lock(&mu);
		if (!(j = next_job())) {
			alive--;
			pthread_cond_broadcast(&gone);
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		pthread_mutex_unlock(&mu);
		j->run(j);
	}
}

/* One more worker, detached, with a small stack; with mu held. */
static int spawn(void)
{
	pthread_attr_t a;
	pthread_t t;
	int err;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, WORKER_POOL_STACK);
	err = pthread_create(&t, &a, worker, NULL);
	pthread_attr_destroy(&a);
	if (err)
		return -err;
	if (++alive > peak)
		peak = alive;
	return 0;
}

static pthread_condattr_t monotonic(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	return ca;
}

int worker_pool_start(int max)
{
	pthread_condattr_t ca = monotonic();

	if (max < 1)
		return errf(EINVAL, "a worker pool of %d threads: give at least 1", max);
	pthread_cond_destroy(&cv);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&mu);
	max_threads = max;
	stopping = false;
	alive = peak = 0;
	pthread_mutex_unlock(&mu);
	return 0;
}

int worker_pool_submit(struct worker_job *j, bool now)
{
	pthread_mutex_lock(&mu);
	if (stopping) {
		pthread_mutex_unlock(&mu);
		return -ESHUTDOWN;
	}
	/* No idle worker will take it: make one if the bound allows (a
	 * failed pthread_create is a full machine: the job waits, or is
	 * refused when it must run now or no worker is left to take it). */
	if (queued >= idle && (alive >= max_threads || spawn() < 0) && (now || alive == 0)) {
		pthread_mutex_unlock(&mu);
		return -EBUSY;
	}
	queued++;
	j->next = NULL;
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

void worker_pool_counts(int *a, int *p)
{
	pthread_mutex_lock(&mu);
	*a = alive;
	*p = peak;
	pthread_mutex_unlock(&mu);
}

void worker_pool_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&cv);
	while (alive > 0)
		pthread_cond_wait(&gone, &mu);
	pthread_mutex_unlock(&mu);
}
