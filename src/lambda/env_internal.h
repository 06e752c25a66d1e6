/* What env.c and env_registry.c share, not for other modules: the
 * allocation's steps (env.h tells the locks) and the registry's hooks. */
#ifndef VPCSIM_ENV_INTERNAL_H
#define VPCSIM_ENV_INTERNAL_H

#include <sys/types.h>

#include "lambda/env.h"
#include "lambda/env_index.h"

/* envs/.alloc and envs/.gen kept open by a process that takes the
 * allocation lock on every invoke (serve's registry), with the pid that
 * opened them (env.c tells why). { 0, -1, -1 } when none are. */
struct env_kept {
	pid_t pid;
	int alloc, gen;
};

/* What environments use now: a listing of every one (s), or the
 * registry's index (ix: lookups in memory, kept: its files). */
struct env_used {
	const struct env_set *s;
	const struct env_index *ix;
	const struct env_kept *kept;
};

/* envs/.alloc held exclusively: an fd to close, or < 0. */
int env_alloc_lock(const struct live *lv);
/* The same lock through kept files, opened when k holds none of this
 * process's or when a `down` removed them. 1: (re)opened, so whatever
 * the caller learned from the files before is void (another topology of
 * the same name may be up now); 0: the kept ones served; < 0, err_msg().
 * env_alloc_leave() lets it go, env_alloc_forget() closes this process's. */
int env_alloc_keep(const struct live *lv, struct env_kept *k);
void env_alloc_leave(const struct env_kept *k);
void env_alloc_forget(struct env_kept *k);
/* envs/.gen, read and bumped under the alloc lock (env.c tells what it
 * counts), through k's kept file or, k NULL, by its path; the bump
 * returns the new count (-1: not written). */
long long env_gen_read(const struct live *lv, const struct env_kept *k);
long long env_gen_bump(const struct live *lv, const struct env_kept *k);
/* Under the alloc lock: a new environment of fn chosen, its directory,
 * lock and meta made (*gen: the count after its bump). */
int env_reserve(const struct live *lv, const struct env_used *u, int fn,
		struct env_handle *h, struct attachment *a, long long *gen);
/* After env_reserve, outside the alloc lock: its network, cgroup, /tmp. */
int env_build(const struct live *lv, int fn, struct env_handle *h,
	      const struct attachment *a, double t0);
/* The limits as Lambda counts them: a function with reserved_concurrency
 * runs at most that many (busy_fn), whatever the others do; the functions
 * without one share the account's concurrency_limit less every
 * reservation (busy_unreserved: their environments busy now, together).
 * Over: true when one more would pass its limit. Refuse: -EAGAIN
 * "TooManyRequestsException..." naming the limit, else 0. */
bool env_limits_over(const struct live *lv, int fn, int busy_fn, int busy_unreserved);
int env_limits_refuse(const struct live *lv, int fn, int busy_fn, int busy_unreserved);

/* The registry (env_registry.c): whether this process keeps one for lv's
 * topology, and its side of acquire, release, destroy and reap. */
bool env_registry_on(const struct live *lv);
int env_registry_acquire(const struct live *lv, int fn, bool limits, struct env_handle *h);
void env_registry_release(const struct env_handle *h);
void env_registry_forget(const struct live *lv, const char *id);
void env_registry_reap(const struct live *lv);

#endif
