/* What env.c and env_registry.c share, not for other modules: the
 * allocation's steps (env.h tells the locks) and the registry's hooks. */
#ifndef VPCSIM_ENV_INTERNAL_H
#define VPCSIM_ENV_INTERNAL_H

#include "lambda/env.h"
#include "lambda/env_index.h"

/* What environments use now: a listing of every one (s), or the
 * registry's index (ix: lookups in memory). */
struct env_used {
	const struct env_set *s;
	const struct env_index *ix;
};

/* envs/.alloc held exclusively: an fd to close, or < 0. */
int env_alloc_lock(const struct live *lv);
/* envs/.gen, read and bumped under the alloc lock (env.c tells what it
 * counts); the bump returns the new count (-1: not written). */
long long env_gen_read(const struct live *lv);
long long env_gen_bump(const struct live *lv);
/* Under the alloc lock: a new environment of fn chosen, its directory,
 * lock and meta made (*gen: the count after its bump). */
int env_reserve(const struct live *lv, const struct env_used *u, int fn,
		struct env_handle *h, struct attachment *a, long long *gen);
/* After env_reserve, outside the alloc lock: its network, cgroup, /tmp. */
int env_build(const struct live *lv, int fn, struct env_handle *h,
	      const struct attachment *a, double t0);
/* -EAGAIN "TooManyRequestsException..." when busy reaches the account's
 * concurrency_limit or busy_fn fn's reserved_concurrency, else 0. */
int env_limits_refuse(const struct live *lv, int fn, int busy, int busy_fn);
/* Environment id's lock without waiting and without making its file: an
 * fd, -EBUSY (held), -ENOENT (removed, or being removed). */
int env_lock_probe(const struct live *lv, const char *id);

/* The registry (env_registry.c): whether this process keeps one for lv's
 * topology, and its side of acquire, release, destroy and reap. */
bool env_registry_on(const struct live *lv);
int env_registry_acquire(const struct live *lv, int fn, bool limits, struct env_handle *h);
void env_registry_release(const struct env_handle *h);
void env_registry_forget(const struct live *lv, const char *id);
void env_registry_reap(const struct live *lv);

#endif
