/* Idle reclaim under memory pressure; see env_reclaim.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "kernel/freezer.h"
#include "lambda/env.h"
#include "lambda/env_reclaim.h"
#include "util/err.h"

#define MIB (1024LL * 1024)

struct pressure {
	long long avail, reserve;  /* bytes; MemAvailable and its floor */
	long long used, budget;    /* environments' cgroups; budget 0: none */
	char why[160];             /* the figures, for the log and the refusal */
};

static long long meminfo(const char *key)
{
	char line[128];
	long long kb = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = atoll(line + n + 1);
			break;
		}
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static long long env_mb(const char *var)
{
	const char *v = getenv(var);

	return v && *v ? atoll(v) * MIB : -1;
}

/* The memory environment id's cgroup holds now, 0 when unknown. */
static long long env_usage(const struct live *lv, const char *id)
{
	struct cgroup cg;
	long long b = 0;

	if (cgroup_open(lv->name, id, false, &cg) == 0) {
		if (cgroup_usage_read(&cg, &b) < 0)
			b = 0;
		cgroup_close(&cg);
	}
	err_clear();
	return b;
}

/* Short of memory now? Says why in p->why. */
static bool short_of_memory(struct pressure *p)
{
	if (p->avail >= 0 && p->avail < p->reserve) {
		snprintf(p->why, sizeof(p->why), "MemAvailable %lld MiB, below the reserve of "
			 "%lld MiB, VPCSIM_MEM_RESERVE_MB", p->avail / MIB, p->reserve / MIB);
		return true;
	}
	if (p->budget > 0 && p->used >= p->budget) {
		snprintf(p->why, sizeof(p->why), "the environments hold %lld MiB, the budget "
			 "VPCSIM_ENV_MEMORY_MB is %lld MiB", p->used / MIB, p->budget / MIB);
		return true;
	}
	return false;
}

/* The least recently used idle environment (not self), or -1. */
static int lru_idle(const struct env_set *s, const char *self, const bool *gone)
{
	int best = -1;

	for (int i = 0; i < s->n; i++)
		if (!s->e[i].busy && !gone[i] && strcmp(s->e[i].id, self) &&
		    (best < 0 || s->e[i].last_used < s->e[best].last_used))
			best = i;
	return best;
}

/* Destroy environment m under its own lock (an invoke may have taken it
 * since the list: then it stays). The memory freed, or -1. */
static long long reclaim_one(const struct live *lv, const struct env_meta *m, const char *for_fn,
			     const struct pressure *p)
{
	long long held = env_usage(lv, m->id), idle_s = time(NULL) - m->last_used / 1000;
	struct cgroup cg;
	bool frozen = false;
	int fd = env_lock_try(lv, m->id);

	if (fd < 0) {
		err_clear();
		return -1;
	}
	if (cgroup_open(lv->name, m->id, false, &cg) == 0) {
		frozen = cgroup_frozen(&cg);
		cgroup_close(&cg);
	}
	fprintf(stderr, "vpcsim: memory pressure (%s): reclaiming idle environment %s of %s "
		"(%s, idle %lld s, %.1f MiB) for a cold start of %s\n", p->why, m->id, m->function,
		frozen ? "frozen" : "not frozen", idle_s, (double)held / MIB, for_fn);
	env_destroy(lv, m);
	close(fd);
	err_clear();
	return held;
}

static void pressure_now(const struct live *lv, const struct env_set *s, struct pressure *p)
{
	long long total = meminfo("MemTotal"), reserve = env_mb("VPCSIM_MEM_RESERVE_MB");

	p->avail = meminfo("MemAvailable");
	p->reserve = reserve >= 0 ? reserve : total / 20 > 256 * MIB ? total / 20 : 256 * MIB;
	p->budget = env_mb("VPCSIM_ENV_MEMORY_MB");
	p->used = 0;
	for (int i = 0; p->budget > 0 && i < s->n; i++)
		p->used += env_usage(lv, s->e[i].id);
}

int env_reclaim_for(const struct live *lv, const char *fn_name, const char *self)
{
	struct pressure p;
	struct env_set s;
	bool *gone;
	int i;

	/* Without a budget, the machine's figures alone say whether any
	 * environment must go: no listing of them on every cold start. */
	pressure_now(lv, &(struct env_set){ 0 }, &p);
	if (p.budget <= 0 && !short_of_memory(&p))
		return 0;
	if (env_list(lv, &s) < 0)
		return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (%s)", err_msg());
	pressure_now(lv, &s, &p);
	gone = calloc((size_t)s.n + 1, sizeof(*gone));
	while (gone && short_of_memory(&p) && (i = lru_idle(&s, self, gone)) >= 0) {
		long long freed = reclaim_one(lv, &s.e[i], fn_name, &p);

		gone[i] = true;
		if (freed > 0) {
			p.used -= freed;
			p.avail += freed;
		}
	}
	env_set_free(&s);
	free(gone);
	if (!short_of_memory(&p))
		return 0;
	return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (no memory for a new "
		    "environment of %s: %s, and no idle environment left to reclaim; wait for "
		    "invokes to end, or raise the setting)", fn_name, p.why);
}
