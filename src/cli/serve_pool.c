/* serve's workers; see serve_pool.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/serve_pool.h"
#include "util/err.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct serve_job *head, *tail;
static bool stopping;
static pthread_t *tids;
static int n_tids;
static int idle, queued;       /* workers waiting; jobs not yet taken */

static void *worker(void *arg)
{
	for (;;) {
		struct serve_job *j;

		pthread_mutex_lock(&mu);
		idle++;
		while (!head && !stopping)
			pthread_cond_wait(&cv, &mu);
		idle--;
		j = head;
		if (j) {
			queued--;
			head = j->next;
			if (!head)
				tail = NULL;
		}
		pthread_mutex_unlock(&mu);
		if (!j)
			return NULL; /* stopping, and nothing queued */
		j->run(j);
	}
}

int serve_pool_start(int n)
{
	tids = calloc((size_t)n, sizeof(*tids));
	if (!tids)
		return errf(ENOMEM, "serve: %d workers", n);
	for (n_tids = 0; n_tids < n; n_tids++) {
		int err = pthread_create(&tids[n_tids], NULL, worker, NULL);

		if (err) {
			serve_pool_stop();
			return errf(err, "serve: starting worker %d of %d: %s", n_tids + 1, n,
				    strerror(err));
		}
	}
	return 0;
}

int serve_pool_submit(struct serve_job *j, bool now)
{
	pthread_mutex_lock(&mu);
	if (stopping || (now && queued >= idle)) {
		pthread_mutex_unlock(&mu);
		return stopping ? -ESHUTDOWN : -EBUSY;
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

void serve_pool_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < n_tids; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	tids = NULL;
	n_tids = 0;
}
