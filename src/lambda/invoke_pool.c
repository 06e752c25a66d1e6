/* What serve and the AWS zone's Invoke API share; see invoke_pool.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lambda/invoke_pool.h"
#include "util/err.h"

struct pool_live {
	struct live lv;            /* first: invoke_pool_put() finds its holder */
	int refs;
	struct stat st;            /* of topology.json when read */
};

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool_live *live_now;
static char pool_topo[TOPO_NAME_MAX_LEN + 1];
static int pool_workers, pool_limit;

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void live_drop(struct pool_live *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&live_mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&live_mu);
	if (last) {
		live_close(&s->lv);
		free(s);
	}
}

void invoke_pool_put(const struct live *lv)
{
	if (lv)
		live_drop((struct pool_live *)((char *)lv - offsetof(struct pool_live, lv)));
}

const struct live *invoke_pool_live(void)
{
	char path[STATE_PATH_MAX + 32];
	struct pool_live *s, *old;
	struct stat st;

	state_dir(pool_topo, path);
	strcat(path, "/topology.json");
	if (stat(path, &st) < 0) {
		errf(errno, "the topology %s is not up (%s: %s)", pool_topo, path, strerror(errno));
		return NULL;
	}
	pthread_mutex_lock(&live_mu);
	s = live_now;
	if (s && same_file(&s->st, &st)) {
		s->refs++;
		pthread_mutex_unlock(&live_mu);
		return &s->lv;
	}
	pthread_mutex_unlock(&live_mu);
	if (!(s = calloc(1, sizeof(*s))) || live_open(pool_topo, &s->lv) < 0) {
		free(s);
		return NULL;
	}
	s->st = st;
	s->refs = 2; /* live_now's and the caller's */
	pthread_mutex_lock(&live_mu);
	old = live_now;
	live_now = s;
	pthread_mutex_unlock(&live_mu);
	live_drop(old);
	return &s->lv;
}

static void raise_fd_limit(int extra)
{
	rlim_t want = (rlim_t)extra + INVOKE_POOL_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int invoke_pool_start(const char *topo, int extra_fds, struct env_registry_info *found)
{
	const struct live *lv;
	int err;

	snprintf(pool_topo, sizeof(pool_topo), "%s", topo);
	if (!(lv = invoke_pool_live()))
		return -EIO;
	/* Environments found and taken through an index from now on, built
	 * from the state folder: a server started again finds its warm ones. */
	if ((err = env_registry_start(lv, found)) < 0) {
		invoke_pool_put(lv);
		return err;
	}
	pool_limit = lv->t->concurrency_limit;
	pool_workers = pool_limit < INVOKE_POOL_MAX ? pool_limit : INVOKE_POOL_MAX;
	if (pool_workers < 1)
		pool_workers = 1;
	invoke_pool_put(lv);
	raise_fd_limit(extra_fds);
	return worker_pool_start(pool_workers);
}

void invoke_pool_bounds(int *workers, int *limit)
{
	*workers = pool_workers;
	*limit = pool_limit;
}

int invoke_pool_submit(struct worker_job *j)
{
	/* With a worker per unit of the account's concurrency, none free
	 * means the limit is reached: throttled now, as Lambda does. */
	int err = worker_pool_submit(j, pool_workers == pool_limit);

	if (err == -EBUSY)
		return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (%d concurrent "
			    "executions, the account's concurrency_limit)", pool_limit);
	return err;
}

void invoke_pool_stop(void)
{
	struct pool_live *s;

	worker_pool_stop();
	pthread_mutex_lock(&live_mu);
	s = live_now;
	live_now = NULL;
	pthread_mutex_unlock(&live_mu);
	live_drop(s);
}
