/* The registry `serve` keeps of its topology's execution environments
 * (issue 22): an in-memory index (env_index.h) through which env_acquire()
 * and env_release() find an idle environment, count the busy ones against
 * the limits and choose a new one's id, e<k> and address without listing
 * every environment. Each acquire costs the same at 1,000 environments as
 * at one: the allocation lock, a read of envs/.gen (both through files
 * the registry keeps open: env_alloc_keep() in env_internal.h, opened
 * again after a `down`, and by a forked child), one lock probe of the
 * environment it takes.
 *
 * The state folder stays the truth. The registry is built from a listing
 * when it starts (so a serve that was killed and started again finds its
 * warm environments) and again whenever envs/.gen says another process
 * made or took an environment since (a `vpcsim invoke`, `probe`, `exec`,
 * `attach`, another serve); an environment another process removed is
 * forgotten when its lock is tried (gone). What makes an environment busy
 * is still its own lock (env.h): two invokes never share one, whatever
 * the registry says.
 *
 * Threads: one mutex around the index, held for the choice only (the
 * build of a new environment runs outside it, beside others). */
#ifndef VPCSIM_ENV_REGISTRY_H
#define VPCSIM_ENV_REGISTRY_H

#include "state/state.h"

struct env_registry_info {
	int envs, busy;            /* at the start: on disk, and held by
				    * another process */
};

/* Keep a registry of lv's topology in this process from now on, built
 * from the state folder now. 0, or < 0 with err_msg(). */
int env_registry_start(const struct live *lv, struct env_registry_info *info);

#endif
