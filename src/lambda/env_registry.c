/* serve's registry of its topology's environments; see env_registry.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/netns.h"
#include "lambda/env_internal.h"
#include "lambda/env_registry.h"
#include "lambda/supervisor.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/paths.h"

#define REAP_EVERY_MS 10000.0

/* Recursive: env_destroy() forgets an environment under it, and is
 * called under it when a taken environment turns out broken. */
static pthread_mutex_t reg_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct env_index *reg_ix;
static char reg_topo[TOPO_NAME_MAX_LEN + 1];
static long long reg_gen = -1;   /* envs/.gen when the index was last whole */
static double reg_reaped;        /* when reclaimed ones were last looked for */
static struct env_kept reg_files = { 0, -1, -1 }; /* envs/.alloc and .gen, kept open */

bool env_registry_on(const struct live *lv)
{
	return reg_ix && !strcmp(reg_topo, lv->name);
}

/* Oldest use first, so that each add (to the front) leaves the most
 * recently used first in its function's list. */
static int by_last_used(const void *a, const void *b)
{
	const struct env_meta *x = a, *y = b;

	return (x->last_used > y->last_used) - (x->last_used < y->last_used);
}

/* Under reg_mu and the alloc lock: the index rebuilt from a listing, our
 * own held environments kept held. */
static int rebuild(const struct live *lv, long long gen)
{
	char (*mine)[ENV_ID_MAX] = calloc((size_t)env_index_held(reg_ix, NULL) + 1, sizeof(*mine));
	struct env_index_entry *e;
	struct env_set s;
	int n_mine = 0, cursor = 0, err;

	if (!mine)
		return errf(ENOMEM, "the environment registry");
	while ((e = env_index_each(reg_ix, &cursor)))
		if (e->held)
			snprintf(mine[n_mine++], ENV_ID_MAX, "%s", e->m.id);
	if ((err = env_list(lv, &s)) < 0) {
		free(mine);
		return err;
	}
	env_index_clear(reg_ix);
	if (s.n)
		qsort(s.e, (size_t)s.n, sizeof(*s.e), by_last_used);
	for (int i = 0; i < s.n && !err; i++)
		err = env_index_add(reg_ix, &s.e[i], false, s.e[i].busy);
	for (int i = 0; i < n_mine; i++)
		if ((e = env_index_find(reg_ix, mine[i])))
			env_index_hold(reg_ix, e, true);
	env_set_free(&s);
	free(mine);
	if (err < 0)
		return errf(ENOMEM, "the environment registry");
	reg_gen = gen;
	return 0;
}

static int sync_with_disk(const struct live *lv)
{
	long long gen = env_gen_read(lv, &reg_files);

	return gen == reg_gen ? 0 : rebuild(lv, gen);
}

/* Under reg_mu: the alloc lock through the kept files. Files opened
 * again (a `down` removed the old ones) void the index: listed again. */
static int alloc_take(const struct live *lv)
{
	int fresh = env_alloc_keep(lv, &reg_files);

	if (fresh > 0)
		reg_gen = -1;
	return fresh < 0 ? fresh : 0;
}

int env_registry_start(const struct live *lv, struct env_registry_info *info)
{
	int err;

	pthread_mutex_lock(&reg_mu);
	if (!reg_ix && !(reg_ix = env_index_new())) {
		pthread_mutex_unlock(&reg_mu);
		return errf(ENOMEM, "the environment registry");
	}
	snprintf(reg_topo, sizeof(reg_topo), "%s", lv->name);
	reg_gen = -1;
	env_alloc_forget(&reg_files); /* another topology's, if any */
	if (!(err = alloc_take(lv))) {
		err = sync_with_disk(lv);
		env_alloc_leave(&reg_files);
	}
	info->envs = env_index_count(reg_ix, NULL);
	info->busy = env_index_busy(reg_ix, NULL);
	if (err < 0)
		reg_topo[0] = '\0';
	pthread_mutex_unlock(&reg_mu);
	return err < 0 ? err : 0;
}

/* Under reg_mu: what another process held when last tried, tried again;
 * the removed ones forgotten. */
static void retry_foreign(const struct live *lv)
{
	struct env_index_entry *e;
	int cursor = 0;

	while ((e = env_index_each(reg_ix, &cursor))) {
		int fd;

		if (!e->foreign)
			continue;
		fd = env_lock_try(lv, e->m.id);
		if (fd == -ENOENT) {
			env_index_remove(reg_ix, e);
			cursor--; /* the last one moved into its place */
		} else if (fd >= 0) {
			close(fd);
			env_index_set_foreign(reg_ix, e, false);
		}
		err_clear();
	}
}

/* Under reg_mu: fn's busy environments and those of every function
 * without a reservation (ours held, others' as last tried). */
static void busy_counts(const struct live *lv, int fn, int *busy_fn, int *busy_unreserved)
{
	const struct topology *t = lv->L.t;

	*busy_fn = env_index_busy(reg_ix, t->functions[fn].name);
	*busy_unreserved = env_index_busy(reg_ix, NULL);
	for (int i = 0; i < t->n_functions; i++)
		if (t->functions[i].reserved_concurrency >= 0)
			*busy_unreserved -= env_index_busy(reg_ix, t->functions[i].name);
}

/* Under reg_mu and the alloc lock: the limits, counted from the index
 * (others' environments tried again before a refusal). */
static int check_limits(const struct live *lv, int fn)
{
	int busy_fn, busy_unreserved;

	busy_counts(lv, fn, &busy_fn, &busy_unreserved);
	if (!env_limits_over(lv, fn, busy_fn, busy_unreserved))
		return 0;
	retry_foreign(lv);
	busy_counts(lv, fn, &busy_fn, &busy_unreserved);
	return env_limits_refuse(lv, fn, busy_fn, busy_unreserved);
}

/* Under reg_mu and the alloc lock: an idle environment of fn, the most
 * recently used first, held (1), or 0. */
static int pick_idle(const struct live *lv, int fn, struct env_handle *h)
{
	struct env_index_entry *e = env_index_idle(reg_ix, lv->L.t->functions[fn].name), *next;

	for (; e; e = next) {
		int fd = env_lock_try(lv, e->m.id);

		next = e->next;
		if (fd == -ENOENT) {
			env_index_remove(reg_ix, e);
		} else if (fd == -EBUSY) {
			env_index_set_foreign(reg_ix, e, true);
		} else if (fd >= 0 && !netns_exists(e->m.netns)) { /* broken by a crash */
			struct env_meta m = e->m;

			env_destroy(lv, &m);
			close(fd);
		} else if (fd >= 0) {
			env_index_hold(reg_ix, e, true);
			h->m = e->m;
			h->lock_fd = fd;
			h->indexed = true;
			reg_gen = env_gen_bump(lv, &reg_files); /* taken: other indexes count it busy */
			return 1;
		}
		err_clear();
	}
	return 0;
}

int env_registry_acquire(const struct live *lv, int fn, bool limits, struct env_handle *h)
{
	double t0 = now_ms();
	struct attachment a;
	long long gen;
	int err, warm = 0;

	memset(h, 0, sizeof(*h));
	h->lock_fd = -1;
	pthread_mutex_lock(&reg_mu);
	if ((err = alloc_take(lv)) < 0) {
		pthread_mutex_unlock(&reg_mu);
		return err;
	}
	err = sync_with_disk(lv);
	if (!err && limits)
		err = check_limits(lv, fn);
	if (!err)
		warm = pick_idle(lv, fn, h);
	if (!err && !warm &&
	    !(err = env_reserve(lv, &(struct env_used){ .ix = reg_ix, .kept = &reg_files }, fn, h,
				&a, &gen))) {
		h->indexed = true;
		/* Not indexed (no memory): the next acquire lists again. */
		reg_gen = env_index_add(reg_ix, &h->m, true, false) < 0 ? -1 : gen;
	}
	env_alloc_leave(&reg_files);
	pthread_mutex_unlock(&reg_mu);
	if (err < 0 || warm)
		return err;
	return env_build(lv, fn, h, &a, t0);
}

void env_registry_release(const struct env_handle *h)
{
	struct env_index_entry *e;

	pthread_mutex_lock(&reg_mu);
	if (reg_ix && (e = env_index_find(reg_ix, h->m.id)) && e->held)
		env_index_hold(reg_ix, e, false);
	pthread_mutex_unlock(&reg_mu);
}

void env_registry_forget(const struct live *lv, const char *id)
{
	struct env_index_entry *e;

	if (!env_registry_on(lv))
		return;
	pthread_mutex_lock(&reg_mu);
	if ((e = env_index_find(reg_ix, id)))
		env_index_remove(reg_ix, e);
	pthread_mutex_unlock(&reg_mu);
}

struct reaped {
	struct env_meta m;
	int fd;
};

/* The idle environments whose supervisor reclaimed them for idleness,
 * taken (held, so none is picked meanwhile): at most every 10 s, as a
 * look costs a file test per environment; between looks, one is found
 * when an invoke meets it (invoke.c). */
static int reclaimed_take(const struct live *lv, struct reaped **out)
{
	struct env_index_entry *e;
	int cursor = 0, n = 0;

	*out = NULL;
	if (now_ms() - reg_reaped < REAP_EVERY_MS)
		return 0;
	reg_reaped = now_ms();
	*out = calloc((size_t)env_index_count(reg_ix, NULL) + 1, sizeof(**out));
	while (*out && (e = env_index_each(reg_ix, &cursor))) {
		char path[PATH_MAX];
		int fd;

		path_env_dir(path, sizeof(path) - sizeof(SUP_RECLAIMED) - 1, lv->name, e->m.id);
		strcat(path, "/" SUP_RECLAIMED);
		if (e->held || access(path, F_OK) < 0 || (fd = env_lock_try(lv, e->m.id)) < 0)
			continue;
		env_index_hold(reg_ix, e, true);
		(*out)[n].m = e->m;
		(*out)[n++].fd = fd;
	}
	err_clear();
	return n;
}

void env_registry_reap(const struct live *lv)
{
	struct reaped *r;
	int n;

	pthread_mutex_lock(&reg_mu);
	n = reclaimed_take(lv, &r);
	pthread_mutex_unlock(&reg_mu);
	for (int i = 0; i < n; i++) { /* outside the mutex: a removal is slow */
		env_destroy(lv, &r[i].m);
		close(r[i].fd);
	}
	free(r);
	err_clear();
}
